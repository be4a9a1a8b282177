using System;

namespace SyncEngine;

/// <summary>The kinds of progress events (seed 000's list; per-file events carry the action to tell upload, download, delete and rename apart).</summary>
public enum SyncEventType
{
    /// <summary>Listing of a side starts.</summary>
    ScanStart,
    /// <summary>Listing goes on: <see cref="SyncProgressEvent.FilesDone"/> entries so far.</summary>
    ScanProgress,
    /// <summary>Listing of a side is complete.</summary>
    ScanComplete,
    /// <summary>Execution starts: totals of files and bytes.</summary>
    SyncStart,
    /// <summary>An action starts.</summary>
    FileStart,
    /// <summary>Bytes of a copy were transferred (sampled, not per buffer).</summary>
    FileProgress,
    /// <summary>An action ended; <see cref="SyncProgressEvent.Result"/> says how.</summary>
    FileComplete,
    /// <summary>Execution ended; <see cref="SyncProgressEvent.Summary"/> has the totals.</summary>
    SyncComplete,
    /// <summary>Something surprising happened; <see cref="SyncProgressEvent.Message"/> says what.</summary>
    Warning,
    /// <summary>The run paused (running transfers finish; no new ones start).</summary>
    Paused,
    /// <summary>The run resumed.</summary>
    Resumed,
}

/// <summary>One progress event. Raised on worker threads: front ends queue it to their own thread.</summary>
public sealed class SyncProgressEvent
{
    /// <summary>What happened.</summary>
    public SyncEventType Type { get; init; }

    /// <summary>The side being listed (scan events).</summary>
    public SyncSide? Side { get; init; }

    /// <summary>The action (per-file events).</summary>
    public SyncAction? Action { get; init; }

    /// <summary>The outcome (FileComplete).</summary>
    public SyncResult? Result { get; init; }

    /// <summary>Bytes of this file done so far (FileProgress, FileComplete).</summary>
    public long FileBytesDone { get; init; }

    /// <summary>Bytes of this file in all.</summary>
    public long FileBytesTotal { get; init; }

    /// <summary>Files listed (scan) or actions finished (sync) so far.</summary>
    public int FilesDone { get; init; }

    /// <summary>Actions in all (sync events).</summary>
    public int FilesTotal { get; init; }

    /// <summary>Bytes copied so far in this run.</summary>
    public long BytesDone { get; init; }

    /// <summary>Bytes to copy in all.</summary>
    public long BytesTotal { get; init; }

    /// <summary>Totals (SyncComplete).</summary>
    public SyncSummary? Summary { get; init; }

    /// <summary>Warning text.</summary>
    public string? Message { get; init; }

    /// <summary>When the event was raised (UTC).</summary>
    public DateTime TimeUtc { get; init; } = DateTime.UtcNow;
}

/// <summary>What a manual conflict handler is shown.</summary>
public sealed class ConflictInfo
{
    /// <summary>Creates the information.</summary>
    public ConflictInfo(string relativePath, FileVersion source, FileVersion destination, string reason, string pairName = "")
    {
        PairName = pairName;
        RelativePath = relativePath;
        Source = source;
        Destination = destination;
        Reason = reason;
    }

    /// <summary>The pair the conflict belongs to.</summary>
    public string PairName { get; }

    /// <summary>The path in conflict.</summary>
    public string RelativePath { get; }

    /// <summary>The source version.</summary>
    public FileVersion Source { get; }

    /// <summary>The destination version.</summary>
    public FileVersion Destination { get; }

    /// <summary>Why it is a conflict.</summary>
    public string Reason { get; }

    /// <summary>Source size.</summary>
    public long SourceSize => Source.Size;

    /// <summary>Destination size.</summary>
    public long DestinationSize => Destination.Size;

    /// <summary>Source last write time (UTC).</summary>
    public DateTime SourceModified => Source.LastWriteTimeUtc;

    /// <summary>Destination last write time (UTC).</summary>
    public DateTime DestinationModified => Destination.LastWriteTimeUtc;
}
