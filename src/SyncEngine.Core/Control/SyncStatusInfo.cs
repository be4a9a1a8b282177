using System;

namespace SyncEngine.Control;

/// <summary>Whether a pair is being synced.</summary>
public enum SyncRunState
{
    /// <summary>No run holds the pair.</summary>
    Idle,
    /// <summary>A run is working.</summary>
    Running,
    /// <summary>A run is paused.</summary>
    Paused,
}

/// <summary>What a request through the control file asks of a running sync.</summary>
public enum ControlRequest
{
    /// <summary>Start no new actions until resumed.</summary>
    Pause,
    /// <summary>Continue after a pause.</summary>
    Resume,
    /// <summary>Stop: finish running actions, save, end.</summary>
    Stop,
    /// <summary>Resume, and let a watch apply the batch a safety guard refused, once, past the guards (the user's force).</summary>
    Force,
}

/// <summary>A pair's status: the running run (if any) and the last finished run.</summary>
public sealed class SyncStatusInfo
{
    /// <summary>The pair's name (as recorded by its last run).</summary>
    public string PairName { get; init; } = "";

    /// <summary>The state folder.</summary>
    public string StatePath { get; init; } = "";

    /// <summary>Idle, Running or Paused.</summary>
    public SyncRunState State { get; init; }

    /// <summary>Process id of the running run.</summary>
    public int? ProcessId { get; init; }

    /// <summary>When the running run started (UTC).</summary>
    public DateTime? StartedUtc { get; init; }

    /// <summary>When the last run ended (UTC).</summary>
    public DateTime? LastRunUtc { get; init; }

    /// <summary>How the last run ended (Succeeded, Failed, Conflicts, Cancelled, Refused).</summary>
    public string? LastOutcome { get; init; }

    /// <summary>Actions the last run applied.</summary>
    public int LastSucceeded { get; init; }

    /// <summary>Actions the last run failed.</summary>
    public int LastFailed { get; init; }

    /// <summary>Actions the last run skipped (including stale ones and unresolved conflicts).</summary>
    public int LastSkipped { get; init; }

    /// <summary>Files recorded in the state.</summary>
    public int TrackedFiles { get; init; }
}
