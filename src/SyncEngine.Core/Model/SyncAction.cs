using System;

namespace SyncEngine;

/// <summary>
/// One planned step. A plan is data: the action carries the metadata it was planned from, and executing it later
/// re-checks that metadata and skips the action as stale if the files changed.
/// </summary>
public sealed class SyncAction
{
    /// <summary>Creates an action.</summary>
    public SyncAction(SyncActionType action, string relativePath, string reason, FileVersion? source, FileVersion? destination,
                      SyncPlanInfo plan, string? previousPath = null)
    {
        Action = action;
        RelativePath = relativePath;
        Reason = reason;
        Source = source;
        Destination = destination;
        Plan = plan;
        PreviousPath = previousPath;
    }

    /// <summary>What the action does.</summary>
    public SyncActionType Action { get; }

    /// <summary>The path the action is about, relative to the roots, '/'-separated, NFC.</summary>
    public string RelativePath { get; }

    /// <summary>For renames: the path the file had before.</summary>
    public string? PreviousPath { get; }

    /// <summary>Why the planner chose this action.</summary>
    public string Reason { get; }

    /// <summary>The source version the action was planned from (for RenameSource: the source file at <see cref="PreviousPath"/>).</summary>
    public FileVersion? Source { get; }

    /// <summary>The destination version the action was planned from (for RenameDestination: the file at <see cref="PreviousPath"/>).</summary>
    public FileVersion? Destination { get; }

    /// <summary>
    /// True when both sides had changed: for an unresolved <see cref="SyncActionType.Conflict"/> (reported, not acted on)
    /// and for a conflict a strategy resolved into a copy. Every front end shows this one meaning.
    /// </summary>
    public bool IsConflict
    {
        get => _resolvedConflict || Action == SyncActionType.Conflict;
        init => _resolvedConflict = value;
    }

    private readonly bool _resolvedConflict;

    /// <summary>
    /// True for a <see cref="SyncActionType.Conflict"/> between names that differ only in case where a side ignores
    /// case and cannot hold both: reported, never merged, never an overwrite; it ends only when a file is renamed.
    /// </summary>
    public bool IsCaseConflict { get; init; }

    /// <summary>For a resolved conflict kept as both: the name the losing version is kept under, on both sides.</summary>
    public string? ConflictCopyPath { get; init; }

    /// <summary>The plan this action belongs to.</summary>
    public SyncPlanInfo Plan { get; }

    /// <summary>The name of the pair.</summary>
    public string PairName => Plan.PairName;

    /// <summary>Source size in bytes, if the source has the file.</summary>
    public long? SourceSize => Source?.Size;

    /// <summary>Destination size in bytes, if the destination has the file.</summary>
    public long? DestinationSize => Destination?.Size;

    /// <summary>Source last write time (UTC), if the source has the file.</summary>
    public DateTime? SourceModified => Source?.LastWriteTimeUtc;

    /// <summary>Destination last write time (UTC), if the destination has the file.</summary>
    public DateTime? DestinationModified => Destination?.LastWriteTimeUtc;

    /// <summary>Whether executing the action changes anything.</summary>
    public bool IsMutating => Action != SyncActionType.NoAction && Action != SyncActionType.Conflict;

    /// <summary>The side the action changes, or null for NoAction and Conflict.</summary>
    public SyncSide? TargetSide => ActionFacts.TargetSide(Action);

    /// <summary>Bytes the action copies (0 for deletes, renames and no-ops).</summary>
    public long Bytes => ActionFacts.IsUpload(Action) ? Source?.Size ?? 0 : ActionFacts.IsDownload(Action) ? Destination?.Size ?? 0 : RestoreFrom?.Size ?? 0;

    /// <summary>
    /// For <see cref="SyncActionType.RestoreSource"/>/<see cref="SyncActionType.RestoreDestination"/>: the kept version
    /// to copy back, on the side being restored (its path is a trash path, or a live file a later rename moved it to).
    /// The version at <see cref="RelativePath"/> now is <see cref="Source"/> or <see cref="Destination"/> (null: none).
    /// </summary>
    public FileVersion? RestoreFrom { get; init; }

    /// <summary>For a restore: the side <see cref="RestoreFrom"/> is on (a version is kept on either side).</summary>
    public SyncSide RestoreFromSide { get; init; }

    /// <summary>For a restore: the version as the change log recorded it (its time is given back, its hash checked).</summary>
    public History.HistoryVersion? RestoreVersion { get; init; }

    /// <summary>For a restore: the change log entry whose kept version is restored.</summary>
    public string? RestoreEntryId { get; init; }

    /// <summary>
    /// True for the actions of a restore plan: they leave the state as it is, so the next sync sees the restored side
    /// as changed (a restored file as an edit, a file a restore deleted as a deletion) and carries it over.
    /// </summary>
    public bool FromRestore { get; init; }

    /// <summary>Internal: a NoAction that refreshes the state record (new equal pair, touched file, hash cache).</summary>
    internal bool RecordOnly { get; init; }

    /// <inheritdoc />
    public override string ToString() => PreviousPath is null ? $"{Action} {RelativePath}" : $"{Action} {PreviousPath} -> {RelativePath}";
}

/// <summary>What every action of one plan shares: the pair, the counts the guards are measured against.</summary>
public sealed class SyncPlanInfo
{
    /// <summary>Creates plan information.</summary>
    public SyncPlanInfo(SyncPair pair, Guid planId, DateTime createdUtc, int sourceFileCount, int destinationFileCount, bool isInitialSync)
    {
        Pair = pair;
        PlanId = planId;
        CreatedUtc = createdUtc;
        SourceFileCount = sourceFileCount;
        DestinationFileCount = destinationFileCount;
        IsInitialSync = isInitialSync;
    }

    /// <summary>The pair the plan is for.</summary>
    public SyncPair Pair { get; }

    /// <summary>The pair's name.</summary>
    public string PairName => Pair.Name;

    /// <summary>Identifies the plan.</summary>
    public Guid PlanId { get; }

    /// <summary>When the plan was made.</summary>
    public DateTime CreatedUtc { get; }

    /// <summary>Files on the source when the plan was made.</summary>
    public int SourceFileCount { get; }

    /// <summary>Files on the destination when the plan was made.</summary>
    public int DestinationFileCount { get; }

    /// <summary>True when there was no usable state (first sync, or unreadable state).</summary>
    public bool IsInitialSync { get; }

    /// <summary>Files the last-known state recorded when the plan was made (the emptied-root guard compares against it).</summary>
    public int TrackedFileCount { get; init; }

    /// <summary>True when the destination root did not exist when the plan was made.</summary>
    public bool DestinationRootMissing { get; init; }

    /// <summary>True for a re-seed plan (<see cref="PlanOptions.Reseed"/>): planned without the state; deletes nothing.</summary>
    public bool IsReseed { get; init; }
}

/// <summary>Facts about action types shared by the planner, executor and front ends.</summary>
public static class ActionFacts
{
    /// <summary>Copies from source to destination.</summary>
    public static bool IsUpload(SyncActionType a) => a is SyncActionType.UploadNew or SyncActionType.UploadUpdate or SyncActionType.UploadRestore;

    /// <summary>Copies from destination to source.</summary>
    public static bool IsDownload(SyncActionType a) => a is SyncActionType.DownloadNew or SyncActionType.DownloadUpdate or SyncActionType.DownloadRestore;

    /// <summary>Deletes on one side.</summary>
    public static bool IsDelete(SyncActionType a) => a is SyncActionType.DeleteSource or SyncActionType.DeleteDestination;

    /// <summary>Renames on one side.</summary>
    public static bool IsRename(SyncActionType a) => a is SyncActionType.RenameSource or SyncActionType.RenameDestination;

    /// <summary>Copies a kept version back on one side (a restore plan).</summary>
    public static bool IsRestore(SyncActionType a) => a is SyncActionType.RestoreSource or SyncActionType.RestoreDestination;

    /// <summary>The side an action changes.</summary>
    public static SyncSide? TargetSide(SyncActionType a) => a switch
    {
        SyncActionType.UploadNew or SyncActionType.UploadUpdate or SyncActionType.UploadRestore
            or SyncActionType.DeleteDestination or SyncActionType.RenameDestination or SyncActionType.RestoreDestination => SyncSide.Destination,
        SyncActionType.DownloadNew or SyncActionType.DownloadUpdate or SyncActionType.DownloadRestore
            or SyncActionType.DeleteSource or SyncActionType.RenameSource or SyncActionType.RestoreSource => SyncSide.Source,
        _ => null,
    };

    /// <summary>
    /// The words front ends show for an action: the ShouldProcess action text and the CLI's what-if line use it.
    /// </summary>
    public static string Describe(SyncActionType a) => a switch
    {
        SyncActionType.UploadNew => "Copy new file to destination",
        SyncActionType.UploadUpdate => "Overwrite destination file with source version",
        SyncActionType.UploadRestore => "Restore file on destination from source",
        SyncActionType.DownloadNew => "Copy new file to source",
        SyncActionType.DownloadUpdate => "Overwrite source file with destination version",
        SyncActionType.DownloadRestore => "Restore file on source from destination",
        SyncActionType.DeleteSource => "Delete file on source (to trash)",
        SyncActionType.DeleteDestination => "Delete file on destination (to trash)",
        SyncActionType.RenameSource => "Rename file on source",
        SyncActionType.RenameDestination => "Rename file on destination",
        SyncActionType.Conflict => "Report conflict",
        SyncActionType.RestoreSource => "Restore kept version on source",
        SyncActionType.RestoreDestination => "Restore kept version on destination",
        _ => "No action",
    };
}
