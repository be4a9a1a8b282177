using System;
using System.Globalization;
using System.IO;
using SyncEngine.Cli.Output;
using SyncEngine.Control;

namespace SyncEngine.Cli;

/// <summary><c>syncengine pause|resume|stop|status</c>: reach a pair's run through its state folder.</summary>
internal static class ControlCommands
{
    /// <summary>Writes a request to the pair's control file; a run in any process applies it within a moment.</summary>
    public static int Request(CliContext context, ControlRequest request, string? stateDir, string? source, string? destination)
    {
        var dir = ResolveStateDir(context, stateDir, source, destination);
        var held = ControlFile.Request(dir, request);
        var verb = request switch
        {
            ControlRequest.Pause => "pause",
            ControlRequest.Resume => "resume",
            ControlRequest.Force => "resume and apply the batch a safety guard refused",
            _ => "stop",
        };
        if (held)
        {
            var status = SyncStatusReader.Read(dir);
            var who = status.ProcessId is null ? "the running sync" : "the sync running in process " + status.ProcessId.Value.ToString(CultureInfo.InvariantCulture);
            var pair = status.PairName.Length > 0 ? $" of pair '{status.PairName}'" : "";
            context.Out.WriteLine($"Asked {who}{pair} to {verb}.");
        }
        else
        {
            context.Error.WriteLine($"No sync is running for the pair with state folder '{dir}'; nothing to {verb}.");
        }

        return ExitCodes.Success;
    }

    /// <summary>Prints whether the pair is idle, running or paused, and how its last run ended.</summary>
    public static int Status(CliContext context, string? stateDir, string? source, string? destination, bool json)
    {
        var dir = ResolveStateDir(context, stateDir, source, destination);
        if (!Directory.Exists(dir))
        {
            throw new SyncEngineException("SyncStateFolderNotFound", SyncErrorKind.NotFound,
                $"The state folder '{dir}' does not exist (no sync has run for this pair with this state folder).", dir);
        }

        var status = SyncStatusReader.Read(dir);
        if (json)
        {
            context.Out.WriteLine(new JsonLines().Status(status));
            return ExitCodes.Success;
        }

        foreach (var line in StatusLines(status))
        {
            context.Out.WriteLine(line);
        }

        return ExitCodes.Success;
    }

    /// <summary>The plain-text status report.</summary>
    public static string[] StatusLines(SyncStatusInfo s)
    {
        var state = s.State.ToString();
        if (s.State != SyncRunState.Idle)
        {
            state += s.ProcessId is null ? "" : " (process " + s.ProcessId.Value.ToString(CultureInfo.InvariantCulture) +
                (s.StartedUtc is null ? ")" : ", started " + Time(s.StartedUtc.Value) + ")");
        }

        var last = s.LastRunUtc is null
            ? "never"
            : string.Format(CultureInfo.InvariantCulture, "{0}, {1} ({2} succeeded, {3} failed, {4} skipped)",
                Time(s.LastRunUtc.Value), s.LastOutcome ?? "unknown", s.LastSucceeded, s.LastFailed, s.LastSkipped);
        return new[]
        {
            "Pair:          " + (s.PairName.Length > 0 ? s.PairName : "(unknown)"),
            "State folder:  " + s.StatePath,
            "State:         " + state,
            "Last run:      " + last,
            "Tracked files: " + TextFormat.Count(s.TrackedFiles),
        };
    }

    /// <summary>--state-dir when given, else the default state folder of SOURCE and DESTINATION.</summary>
    public static string ResolveStateDir(CliContext context, string? stateDir, string? source, string? destination)
    {
        if (!string.IsNullOrEmpty(stateDir))
        {
            if (!string.IsNullOrEmpty(source) || !string.IsNullOrEmpty(destination))
            {
                throw new CliUsageException("Name the pair once: either --state-dir DIR, or SOURCE and DESTINATION, not both.");
            }

            return PairArguments.ResolvePath(context, stateDir, "--state-dir");
        }

        if (string.IsNullOrEmpty(source) || string.IsNullOrEmpty(destination))
        {
            throw new CliUsageException("Name the pair: --state-dir DIR (the folder given to 'sync --state-dir'), or SOURCE and DESTINATION (for the default state folder).");
        }

        return SyncPair.DefaultStatePath(
            PairArguments.ResolveRoot(context, source, "SOURCE", out _),
            PairArguments.ResolveRoot(context, destination, "DESTINATION", out _));
    }

    private static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
