using System;

namespace SyncEngine;

/// <summary>How one action ended.</summary>
public sealed class SyncResult
{
    /// <summary>Creates a result.</summary>
    public SyncResult(SyncAction action, SyncResultStatus status, long bytes, TimeSpan duration, string? error = null,
                      string? errorId = null, SyncErrorKind? errorKind = null)
    {
        ActionItem = action;
        Status = status;
        Bytes = bytes;
        Duration = duration;
        Error = error;
        ErrorId = errorId;
        ErrorKind = errorKind;
        CompletedUtc = DateTime.UtcNow;
    }

    /// <summary>The action this result is for.</summary>
    public SyncAction ActionItem { get; }

    /// <summary>The action type.</summary>
    public SyncActionType Action => ActionItem.Action;

    /// <summary>The path, relative, '/'-separated.</summary>
    public string RelativePath => ActionItem.RelativePath;

    /// <summary>For renames, the former path.</summary>
    public string? PreviousPath => ActionItem.PreviousPath;

    /// <summary>Succeeded, Failed, Skipped or Stale.</summary>
    public SyncResultStatus Status { get; }

    /// <summary>Bytes copied.</summary>
    public long Bytes { get; }

    /// <summary>How long the action took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Why it failed, was skipped or was stale.</summary>
    public string? Error { get; }

    /// <summary>Stable identifier of the failure (for example <c>SyncCopyFailed</c>).</summary>
    public string? ErrorId { get; }

    /// <summary>Category of the failure.</summary>
    public SyncErrorKind? ErrorKind { get; }

    /// <summary>When the action ended (UTC).</summary>
    public DateTime CompletedUtc { get; }

    /// <summary>The pair's name.</summary>
    public string PairName => ActionItem.PairName;

    /// <inheritdoc />
    public override string ToString() => $"{Status} {ActionItem}";
}

/// <summary>Totals of one run.</summary>
public sealed class SyncSummary
{
    /// <summary>The pair's name.</summary>
    public string PairName { get; init; } = "";

    /// <summary>Identifies the run (also the trash folder's name).</summary>
    public string RunId { get; init; } = "";

    /// <summary>When the run started (UTC).</summary>
    public DateTime StartedUtc { get; init; }

    /// <summary>How long the run took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Actions applied.</summary>
    public int Succeeded { get; init; }

    /// <summary>Actions that failed.</summary>
    public int Failed { get; init; }

    /// <summary>Actions skipped (declined, cancelled, unresolved conflicts).</summary>
    public int Skipped { get; init; }

    /// <summary>Actions skipped because their files changed after planning.</summary>
    public int Stale { get; init; }

    /// <summary>Conflicts left unresolved.</summary>
    public int Conflicts { get; init; }

    /// <summary>Bytes copied.</summary>
    public long BytesTransferred { get; init; }

    /// <summary>True when the run was cancelled before all actions ran.</summary>
    public bool Cancelled { get; init; }

    /// <summary>Succeeded, Failed (some actions failed), Conflicts (some left unresolved) or Cancelled.</summary>
    public string Outcome => Cancelled ? "Cancelled" : Failed > 0 ? "Failed" : Conflicts > 0 ? "Conflicts" : "Succeeded";
}
