using System;

namespace SyncEngine.Cli;

/// <summary>How an engine error reads on standard error: the engine's message, in the CLI's terms, with its error id.</summary>
internal static class ErrorMessages
{
    /// <summary>One or two lines for an engine error; names the CLI option when the engine names a pair property.</summary>
    public static string Describe(SyncEngineException ex)
    {
        switch (ex)
        {
            case IgnoreRuleException rule when string.Equals(rule.SourceName, "parameter", StringComparison.Ordinal):
                var prefix = rule.SourceName + ":" + rule.Line.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": ";
                var text = rule.Message.StartsWith(prefix, StringComparison.Ordinal) ? rule.Message.Substring(prefix.Length) : rule.Message;
                return $"syncengine: --ignore (pattern {rule.Line}): {text} ({rule.ErrorId})";
            case IgnoreRuleException rule:
                return $"syncengine: {rule.Message} ({rule.ErrorId})";
        }

        if (ex.Kind == SyncErrorKind.SafetyGuard)
        {
            return PairCommands.GuardRefusal(ex);
        }

        var option = ex.Target switch
        {
            nameof(SyncPair.TransferLimit) => "--transfers: ",
            nameof(SyncPair.OperationLimit) => "--operations: ",
            nameof(SyncPair.BandwidthLimit) => "--bwlimit: ",
            _ when ex.ErrorId is SubtreePaths.InvalidPathId or SubtreePaths.ReseedId => "--path: ",
            _ => "",
        };
        var line = $"syncengine: {option}{ex.Message} ({ex.ErrorId})";
        if (ex.ErrorId == "SyncSftpHostKeyUnknown")
        {
            line += Environment.NewLine + "To trust it (after checking the fingerprint), run again with --sftp-accept-new-host.";
        }

        if (ex.Kind == SyncErrorKind.ResourceBusy)
        {
            line += Environment.NewLine + "Wait for that run to finish, or ask it to stop with 'syncengine stop --state-dir DIR'.";
        }

        return line;
    }
}
