using System;

namespace SyncEngine.History;

/// <summary>One version of a file as the change log recorded it: size, time and (when known) SHA-256.</summary>
public sealed class HistoryVersion
{
    /// <summary>Creates a version record.</summary>
    public HistoryVersion(long size, long mtimeTicks, string? sha256)
    {
        Size = size;
        MtimeTicks = mtimeTicks;
        Sha256 = sha256;
    }

    /// <summary>Size in bytes.</summary>
    public long Size { get; }

    /// <summary>Last write time, UTC ticks.</summary>
    public long MtimeTicks { get; }

    /// <summary>Last write time (UTC), or null when out of range.</summary>
    public DateTime? LastWriteTimeUtc => MtimeTicks >= DateTime.MinValue.Ticks && MtimeTicks <= DateTime.MaxValue.Ticks ? new DateTime(MtimeTicks, DateTimeKind.Utc) : null;

    /// <summary>SHA-256 of the content (lowercase hex), when the engine knew it.</summary>
    public string? Sha256 { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Size} bytes, {LastWriteTimeUtc:u}";
}

/// <summary>One applied change from a pair's change log (docs/history.md).</summary>
public sealed class SyncHistoryEntry
{
    /// <summary>Creates an entry.</summary>
    public SyncHistoryEntry(string id, DateTime timeUtc, string runId, SyncSide side, ChangeKind action, string path, string? previousPath,
                            HistoryVersion? oldVersion, HistoryVersion? newVersion, SyncSide? keptSide, string? keptPath)
    {
        Id = id;
        TimeUtc = timeUtc;
        RunId = runId;
        Side = side;
        Action = action;
        Path = path;
        PreviousPath = previousPath;
        OldVersion = oldVersion;
        NewVersion = newVersion;
        KeptSide = keptSide;
        KeptPath = keptPath;
    }

    /// <summary>The entry's identifier (<c>RUN.N</c>): names the version it replaced or deleted for a restore.</summary>
    public string Id { get; }

    /// <summary>When the change was applied (UTC).</summary>
    public DateTime TimeUtc { get; }

    /// <summary>The run that applied it.</summary>
    public string RunId { get; }

    /// <summary>The side that was changed.</summary>
    public SyncSide Side { get; }

    /// <summary>What was done.</summary>
    public ChangeKind Action { get; }

    /// <summary>The file's path on that side after the change (for a delete: the path deleted).</summary>
    public string Path { get; }

    /// <summary>For a rename: the path before.</summary>
    public string? PreviousPath { get; }

    /// <summary>The version the change replaced, deleted or renamed; null for a create.</summary>
    public HistoryVersion? OldVersion { get; }

    /// <summary>The version the change left; null for a delete.</summary>
    public HistoryVersion? NewVersion { get; }

    /// <summary>The side holding the kept copy of <see cref="OldVersion"/>, when one was kept.</summary>
    public SyncSide? KeptSide { get; }

    /// <summary>Where <see cref="OldVersion"/> is kept on <see cref="KeptSide"/> (a trash path, or a conflict copy's name).</summary>
    public string? KeptPath { get; }

    /// <summary>The pair the entry belongs to (set by the reader).</summary>
    public string? PairName { get; internal set; }

    /// <summary>The state folder of the pair whose log holds the entry (set by the reader; a restore finds the pair by it).</summary>
    public string? StatePath { get; internal set; }

    /// <summary>The line's position in the log (orders entries of the same time).</summary>
    internal long Sequence { get; set; }

    /// <summary>Size before the change (for tables).</summary>
    public long? OldSize => OldVersion?.Size;

    /// <summary>Size after the change (for tables).</summary>
    public long? NewSize => NewVersion?.Size;

    /// <summary>True when the replaced or deleted version was kept and can be asked for by <see cref="Id"/>.</summary>
    public bool HasKeptVersion => KeptPath is not null && OldVersion is not null;

    /// <inheritdoc />
    public override string ToString() => PreviousPath is null ? $"{TimeUtc:u} {Side} {Action} {Path}" : $"{TimeUtc:u} {Side} {Action} {PreviousPath} -> {Path}";
}
