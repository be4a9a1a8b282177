namespace SyncEngine.PowerShell.Pipeline;

/// <summary>
/// Error ids the module itself raises (besides the engine's, which pass through unchanged: SyncRootNotFound,
/// SyncPairLocked, SyncMassDeleteGuard, SyncCopyFailed…). Stable: scripts may match on them.
/// </summary>
internal static class ModuleErrorIds
{
    /// <summary>A path parameter is empty or cannot be resolved (InvalidArgument).</summary>
    public const string PathInvalid = "SyncPathInvalid";

    /// <summary>A path parameter names a drive or provider that does not exist (ObjectNotFound).</summary>
    public const string PathNotFound = "SyncPathNotFound";

    /// <summary>A path parameter is on a provider other than FileSystem (InvalidArgument).</summary>
    public const string PathNotFileSystem = "SyncPathNotFileSystem";

    /// <summary>-IgnoreFile names a file that does not exist (ObjectNotFound).</summary>
    public const string IgnoreFileNotFound = "SyncIgnoreFileNotFound";

    /// <summary>-Credential together with -SourceCredential or -DestinationCredential (InvalidArgument).</summary>
    public const string CredentialConflict = "SyncCredentialConflict";

    /// <summary>-Credential with two remote sides: which one is meant is unclear (InvalidArgument).</summary>
    public const string CredentialAmbiguous = "SyncCredentialAmbiguous";

    /// <summary>A credential for a side (or, -Credential, for any side) that is a local folder (InvalidArgument).</summary>
    public const string CredentialSideNotRemote = "SyncCredentialSideNotRemote";

    /// <summary>The root names a user and the credential another one (InvalidArgument).</summary>
    public const string CredentialUserMismatch = "SyncCredentialUserMismatch";

    /// <summary>-SftpKeyFile, -SftpKnownHostsFile or -SftpAcceptNewHost with no sftp:// side (InvalidArgument).</summary>
    public const string SftpOptionWithoutRemote = "SyncSftpOptionWithoutRemote";

    /// <summary>-S3Endpoint or -S3Region with no s3:// side (InvalidArgument).</summary>
    public const string S3OptionWithoutRemote = "SyncS3OptionWithoutRemote";

    /// <summary>-SftpKeyFile names a file that does not exist (ObjectNotFound).</summary>
    public const string SftpKeyFileNotFound = "SyncSftpKeyFileNotFound";

    /// <summary>Suspend-Sync/Resume-Sync/Stop-Sync found no run of the pair (InvalidOperation).</summary>
    public const string NotRunning = "SyncNotRunning";

    /// <summary>-Name matched no known pair (ObjectNotFound).</summary>
    public const string PairNameNotFound = "SyncPairNameNotFound";

    /// <summary>-AsJob with -WhatIf or -Confirm (InvalidArgument).</summary>
    public const string AsJobCannotPrompt = "SyncAsJobCannotPrompt";

    /// <summary>-Watch with -WhatIf, -Confirm or -ConflictHandler, or -Debounce/-MaxDelay/-RescanInterval without -Watch (InvalidArgument).</summary>
    public const string WatchInvalidCombination = "SyncWatchInvalidCombination";

    /// <summary>-Watch given more than one pair (InvalidArgument): one watch per pair (one job per pair with -AsJob).</summary>
    public const string WatchOnePair = "SyncWatchOnePair";

    /// <summary>-AsJob with -ConflictHandler (InvalidArgument).</summary>
    public const string AsJobConflictHandler = "SyncAsJobConflictHandler";

    /// <summary>The -ConflictHandler scriptblock threw; the file is skipped (InvalidOperation, non-terminating).</summary>
    public const string ConflictHandlerFailed = "SyncConflictHandlerFailed";

    /// <summary>A job failed for a reason that is not an engine error (NotSpecified).</summary>
    public const string JobFailed = "SyncJobFailed";

    /// <summary>A failed action whose result carries no id (WriteError).</summary>
    public const string ActionFailed = "SyncActionFailed";

    /// <summary>Access denied outside the engine's own error handling (PermissionDenied).</summary>
    public const string AccessDenied = "SyncAccessDenied";

    /// <summary>A file or folder vanished outside the engine's own error handling (ObjectNotFound).</summary>
    public const string FileNotFound = "SyncFileNotFound";

    /// <summary>An I/O error outside the engine's own error handling (ReadError).</summary>
    public const string IOError = "SyncIOError";
}
