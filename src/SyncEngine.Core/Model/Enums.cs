namespace SyncEngine;

/// <summary>The five synchronization modes (seed 003, as decided in DESIGN.md).</summary>
public enum SyncMode
{
    /// <summary>Both sides are kept in sync; changes, deletions and renames flow both ways.</summary>
    TwoWay,
    /// <summary>Mirror the source onto the destination; destination-only files are deleted (to the trash).</summary>
    SourceToDestination,
    /// <summary>Upload only; never deletes on either side; destination-only files are left alone.</summary>
    SourceBackup,
    /// <summary>Mirror the destination onto the source; source-only files are deleted (to the trash).</summary>
    DestinationToSource,
    /// <summary>Download only; never deletes on either side; source-only files are left alone.</summary>
    DestinationBackup,
}

/// <summary>How two versions of a file are compared (seed 000).</summary>
public enum CompareMode
{
    /// <summary>Size first; then content hash where one is available or needed; else modification time (±2 s).</summary>
    HashThenMtime,
    /// <summary>Only the size; in TwoWay a difference is a conflict.</summary>
    SizeOnly,
    /// <summary>Only the content hash; in TwoWay a difference is a conflict.</summary>
    HashOnly,
    /// <summary>Only the modification time (±2 s); the newer file wins.</summary>
    MtimeOnly,
    /// <summary>Size and modification time (±2 s) must both match; the newer file wins.</summary>
    SizeAndMtime,
}

/// <summary>How a file changed on both sides since the last sync is resolved.</summary>
public enum ConflictResolution
{
    /// <summary>The version with the later modification time wins; the other goes to the trash.</summary>
    NewestWins,
    /// <summary>The source version wins; the destination version goes to the trash.</summary>
    SourceWins,
    /// <summary>The destination version wins; the source version goes to the trash.</summary>
    DestinationWins,
    /// <summary>The newer version keeps the path; the other is kept beside it under a conflict name, on both sides.</summary>
    KeepBoth,
    /// <summary>A handler decides; without one the conflict is reported and skipped.</summary>
    Manual,
}

/// <summary>What a first TwoWay sync (no state) does with files present on one side only.</summary>
public enum InitialSyncPreference
{
    /// <summary>Copy one-sided files both ways; delete nothing.</summary>
    Merge,
    /// <summary>The source is authoritative: destination-only files are deleted (to the trash).</summary>
    SourceWins,
    /// <summary>The destination is authoritative: source-only files are deleted (to the trash).</summary>
    DestinationWins,
}

/// <summary>What a planned action does. Names are seed 000's actions in PascalCase, plus renames.</summary>
public enum SyncActionType
{
    /// <summary>The path is in sync; nothing to copy.</summary>
    NoAction,
    /// <summary>Copy a new source file to the destination.</summary>
    UploadNew,
    /// <summary>Copy a changed source file over the destination copy.</summary>
    UploadUpdate,
    /// <summary>Copy a source file to the destination again, where it was deleted.</summary>
    UploadRestore,
    /// <summary>Copy a new destination file to the source.</summary>
    DownloadNew,
    /// <summary>Copy a changed destination file over the source copy.</summary>
    DownloadUpdate,
    /// <summary>Copy a destination file to the source again, where it was deleted.</summary>
    DownloadRestore,
    /// <summary>Delete the file on the source (to the trash).</summary>
    DeleteSource,
    /// <summary>Delete the file on the destination (to the trash).</summary>
    DeleteDestination,
    /// <summary>Rename or move a source file, replaying a rename made on the destination.</summary>
    RenameSource,
    /// <summary>Rename or move a destination file, replaying a rename made on the source.</summary>
    RenameDestination,
    /// <summary>Both sides changed and no strategy resolved it: reported and skipped.</summary>
    Conflict,
    /// <summary>Copy a kept version (from the source's trash or history) back onto the source (a restore plan).</summary>
    RestoreSource,
    /// <summary>Copy a kept version (from the destination's trash or history) back onto the destination (a restore plan).</summary>
    RestoreDestination,
}

/// <summary>How an executed action ended.</summary>
public enum SyncResultStatus
{
    /// <summary>The action was applied.</summary>
    Succeeded,
    /// <summary>The action failed; nothing was recorded as done.</summary>
    Failed,
    /// <summary>The action was not applied (declined, cancelled, unresolved conflict).</summary>
    Skipped,
    /// <summary>The files changed since the plan was made; the action was not applied.</summary>
    Stale,
}

/// <summary>A side of a pair.</summary>
public enum SyncSide
{
    /// <summary>The source root.</summary>
    Source,
    /// <summary>The destination root.</summary>
    Destination,
}

/// <summary>A manual conflict handler's answer.</summary>
public enum ConflictChoice
{
    /// <summary>Skip the file this run; it stays in conflict.</summary>
    Skip,
    /// <summary>The source version wins.</summary>
    Source,
    /// <summary>The destination version wins.</summary>
    Destination,
    /// <summary>Keep both versions (the older under a conflict name).</summary>
    KeepBoth,
}
