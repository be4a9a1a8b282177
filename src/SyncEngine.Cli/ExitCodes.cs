using System;
using System.IO;

namespace SyncEngine.Cli;

/// <summary>The process exit codes of <c>syncengine</c> and how engine outcomes map to them.</summary>
internal static class ExitCodes
{
    /// <summary>Done: the plan was printed, or every action succeeded.</summary>
    public const int Success = 0;

    /// <summary>Some actions failed (the others were applied), or an unexpected error stopped the run.</summary>
    public const int ActionsFailed = 1;

    /// <summary>Bad arguments or input: unknown option or value, missing source, malformed ignore rule, unusable state.</summary>
    public const int InvalidInput = 2;

    /// <summary>A safety guard refused the run; nothing was changed.</summary>
    public const int SafetyGuard = 3;

    /// <summary>Conflicts were left unresolved (for example with <c>--conflict manual</c>).</summary>
    public const int Conflicts = 4;

    /// <summary>Another run holds the pair's lock.</summary>
    public const int Busy = 5;

    /// <summary>
    /// Some actions were stale (their files changed after the plan was made) and were left for the next run; the
    /// others were applied. A run that leaves files unsynchronized never exits 0.
    /// </summary>
    public const int Stale = 6;

    /// <summary>Cancelled by Ctrl+C (SIGINT) or by <c>syncengine stop</c>; finished actions were saved.</summary>
    public const int Cancelled = 130;

    /// <summary>Stopped by SIGTERM; finished actions were saved.</summary>
    public const int Terminated = 143;

    /// <summary>The code for an engine error kind.</summary>
    public static int For(SyncErrorKind kind) => kind switch
    {
        SyncErrorKind.SafetyGuard => SafetyGuard,
        SyncErrorKind.ResourceBusy => Busy,
        SyncErrorKind.Cancelled => Cancelled,
        // InvalidArgument, NotFound, InvalidState, PermissionDenied, and IOError before any action ran
        // (for example an unreadable ignore file): the run could not start because of its input.
        _ => InvalidInput,
    };

    /// <summary>The code for a finished (or cancelled) run. Failures outrank unresolved conflicts, which outrank stale actions.</summary>
    public static int For(SyncSummary summary, bool terminated = false)
    {
        if (summary.Cancelled)
        {
            return terminated ? Terminated : Cancelled;
        }

        if (summary.Failed > 0)
        {
            return ActionsFailed;
        }

        return summary.Conflicts > 0 ? Conflicts : summary.Stale > 0 ? Stale : Success;
    }

    /// <summary>The code for an exception that ended a command before (or instead of) a summary.</summary>
    public static int For(Exception exception, bool terminated = false) => exception switch
    {
        SyncEngineException se => se.Kind == SyncErrorKind.Cancelled && terminated ? Terminated : For(se.Kind),
        CliUsageException => InvalidInput,
        OperationCanceledException => terminated ? Terminated : Cancelled,
        IOException or UnauthorizedAccessException => InvalidInput,
        _ => ActionsFailed,
    };
}

/// <summary>A command line that cannot be acted on (exit code 2); the message names what is wrong.</summary>
internal sealed class CliUsageException : Exception
{
    public CliUsageException(string message, string? helpCommand = null)
        : base(message)
    {
        HelpCommand = helpCommand;
    }

    /// <summary>When set, the error ends with "Run 'syncengine &lt;command&gt; --help' for usage."</summary>
    public string? HelpCommand { get; }
}
