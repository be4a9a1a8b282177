using System.Management.Automation;
using SyncEngine.PowerShell.Completers;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// Base of the cmdlets that take a pair inline (New-SyncPair; Get-SyncPlan and Invoke-Sync in their "Inline"
/// parameter set): the source, the destination and the pair's options, with the engine's defaults.
/// </summary>
public abstract class PairCommandBase : SyncCmdletBase
{
    /// <summary>Name of the parameter set that gives the pair inline.</summary>
    protected const string InlineSet = "Inline";

    /// <summary>
    /// The source folder, or a remote root: sftp://[user@]host[:port]/absolute/path. A relative path is resolved
    /// against the current PowerShell location; PowerShell drives work; only FileSystem paths are accepted. The folder
    /// must exist.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = InlineSet, HelpMessage = "The source folder of the pair (must exist), or sftp://[user@]host[:port]/absolute/path.")]
    [ValidateNotNullOrEmpty]
    public string Source { get; set; } = "";

    /// <summary>
    /// The destination folder, or a remote root: sftp://[user@]host[:port]/absolute/path. A relative path is resolved
    /// against the current PowerShell location; only FileSystem paths are accepted. It is created by the first sync if
    /// it does not exist. It may not lie inside the source, nor the source inside it.
    /// </summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = InlineSet, HelpMessage = "The destination folder of the pair (created if missing), or sftp://[user@]host[:port]/absolute/path.")]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>
    /// The sync mode: TwoWay (default; changes, deletions and renames flow both ways), SourceToDestination (mirror the
    /// source; destination-only files go to the trash), SourceBackup (upload only; never deletes),
    /// DestinationToSource, DestinationBackup. The aliases tw, std, mirror, localtocloud, sb, localbackup, dts,
    /// cloudtolocal, db and cloudbackup are accepted too.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [OptionTransformation(typeof(SyncMode))]
    [ArgumentCompleter(typeof(OptionValueCompleter))]
    public string Mode { get; set; } = PairSpec.Defaults.Mode.ToString();

    /// <summary>
    /// How two versions of a file are compared: HashThenMtime (default: size, then the content hashes of both sides;
    /// modification time within 2 seconds only where a side cannot give a hash), SizeOnly, HashOnly, MtimeOnly or
    /// SizeAndMtime.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [OptionTransformation(typeof(CompareMode))]
    [ArgumentCompleter(typeof(OptionValueCompleter))]
    public string CompareMode { get; set; } = PairSpec.Defaults.CompareMode.ToString();

    /// <summary>
    /// How a file changed on both sides is resolved: NewestWins (default), SourceWins, DestinationWins, KeepBoth (the
    /// other version is kept beside it under a conflict name) or Manual (a -ConflictHandler decides; without one the
    /// conflict is reported and skipped). The losing version goes to the trash.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [OptionTransformation(typeof(ConflictResolution))]
    [ArgumentCompleter(typeof(OptionValueCompleter))]
    public string ConflictResolution { get; set; } = PairSpec.Defaults.ConflictResolution.ToString();

    /// <summary>
    /// What the first TwoWay sync (no state yet) does with files found on one side only: Merge (default: copy both
    /// ways, delete nothing), SourceWins (delete destination-only files, to the trash) or DestinationWins.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [OptionTransformation(typeof(InitialSyncPreference))]
    [ArgumentCompleter(typeof(OptionValueCompleter))]
    public string InitialSyncPreference { get; set; } = PairSpec.Defaults.InitialSyncPreference.ToString();

    /// <summary>
    /// Ignore patterns in gitignore syntax (for example '*.tmp', 'build/', '!keep.tmp'), added to the rules of the
    /// ignore file. Ignored paths are never copied, overwritten or deleted on either side.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [AllowEmptyCollection]
    public string[]? Ignore { get; set; }

    /// <summary>
    /// A file of ignore rules (gitignore syntax). Without it, '.syncignore' in the source folder is used when present.
    /// The file must exist; a malformed line is an error naming the file and line.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateNotNullOrEmpty]
    public string? IgnoreFile { get; set; }

    /// <summary>
    /// The folder that keeps the pair's state (what the last sync saw, the journal, the lock). Default: a folder per
    /// pair under the per-user data folder (%LOCALAPPDATA%\SyncEngine or $XDG_STATE_HOME/syncengine).
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateNotNullOrEmpty]
    public string? StatePath { get; set; }

    /// <summary>
    /// A name for the pair, shown in progress, results and status. Default: the two folder names, as 'src->dst'.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>How many files are copied at once (default 4).</summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateRange(1, SyncPair.MaxConcurrency)]
    public int TransferLimit { get; set; } = PairSpec.Defaults.TransferLimit;

    /// <summary>How many deletes, renames and other operations run at once (default 8).</summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateRange(1, SyncPair.MaxConcurrency)]
    public int OperationLimit { get; set; } = PairSpec.Defaults.OperationLimit;

    /// <summary>
    /// Bytes per second that all copies of a sync may move together (default 0: no limit). PowerShell's size
    /// suffixes read naturally: <c>-BandwidthLimit 10MB</c>.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateRange(0, long.MaxValue)]
    public long BandwidthLimit { get; set; }

    /// <summary>
    /// The largest share (percent) of either side one sync may delete without -Force (default 50). A sync that would
    /// delete more stops before changing anything.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateRange(0.0, 100.0)]
    public double MaxDeletePercent { get; set; } = PairSpec.Defaults.MaxDeletePercent;

    /// <summary>
    /// Delete and overwrite without keeping the old versions in the side's trash folder (.syncengine/trash). By
    /// default they are kept there for 30 days.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    public SwitchParameter NoTrash { get; set; }

    /// <summary>
    /// The credential for the one remote side (an sftp:// -Source or -Destination): its password logs in, and its
    /// user name is used when the root names none (when both name one, they must be the same). An error when both
    /// sides or neither side is remote. Kept for this PowerShell process only, never in the pair's properties, its
    /// state or any output.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The credential for a remote source (as -Credential, for the source side); the source must be remote.</summary>
    [Parameter(ParameterSetName = InlineSet)]
    [Credential]
    public PSCredential? SourceCredential { get; set; }

    /// <summary>The credential for a remote destination (as -Credential, for the destination side); the destination must be remote.</summary>
    [Parameter(ParameterSetName = InlineSet)]
    [Credential]
    public PSCredential? DestinationCredential { get; set; }

    /// <summary>
    /// Private key files (OpenSSH, PEM or PuTTY format, without a passphrase) for the sftp:// sides, tried in order.
    /// Each must exist. Default: ~/.ssh/id_ed25519, id_ecdsa and id_rsa that exist, when no password is given.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateNotNullOrEmpty]
    public string[]? SftpKeyFile { get; set; }

    /// <summary>
    /// The OpenSSH known_hosts file the sftp:// host keys are checked against (default ~/.ssh/known_hosts). An
    /// unknown or changed host key is an error that shows the key's SHA256 fingerprint.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateNotNullOrEmpty]
    public string? SftpKnownHostsFile { get; set; }

    /// <summary>
    /// Add the host key of an sftp:// server the known_hosts file does not list (as OpenSSH's
    /// StrictHostKeyChecking=accept-new); a changed key is refused all the same.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    public SwitchParameter SftpAcceptNewHost { get; set; }

    /// <summary>
    /// The URL of the S3-compatible store of the s3:// sides (Ceph RGW, MinIO …); default AWS_ENDPOINT_URL_S3, else
    /// AWS_ENDPOINT_URL, else AWS itself. Path-style addressing is used for a custom endpoint.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateNotNullOrEmpty]
    public string? S3Endpoint { get; set; }

    /// <summary>The region the s3:// sides' requests are signed for; default AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.</summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateNotNullOrEmpty]
    public string? S3Region { get; set; }

    /// <summary>
    /// Store the destination encrypted in rclone's crypt format, so rclone with the same password(s) reads it. The
    /// password comes from -Password, -CryptCredential or the SYNCENGINE_CRYPT_PASSWORD environment variable (the
    /// salt password from -SaltPassword or SYNCENGINE_CRYPT_PASSWORD2). A wrong password is an error
    /// (SyncCryptWrongKey) before anything is written. Plans and results show plaintext paths.
    /// </summary>
    [Parameter(ParameterSetName = InlineSet)]
    public SwitchParameter Encrypt { get; set; }

    /// <summary>The encryption password, as a SecureString (Read-Host -AsSecureString). Never shown or stored.</summary>
    [Parameter(ParameterSetName = InlineSet)]
    public System.Security.SecureString? Password { get; set; }

    /// <summary>The salt password (rclone's password2), as a SecureString; without it rclone's default salt is used.</summary>
    [Parameter(ParameterSetName = InlineSet)]
    public System.Security.SecureString? SaltPassword { get; set; }

    /// <summary>A credential whose password is the encryption password (its user name is not used).</summary>
    [Parameter(ParameterSetName = InlineSet)]
    [Credential]
    public PSCredential? CryptCredential { get; set; }

    /// <summary>How names are stored when encrypted: Standard (names and folders encrypted, the default) or Off (plain names with .bin appended).</summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateSet("Standard", "Off", IgnoreCase = true)]
    public string? EncryptNames { get; set; }

    /// <summary>Store destination files that shrink as zstd frames (name.zst), before any encryption; others as they are.</summary>
    [Parameter(ParameterSetName = InlineSet)]
    public SwitchParameter Compress { get; set; }

    /// <summary>The zstd level for -Compress, 1 to 22 (default 3).</summary>
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateRange(1, 22)]
    public int CompressionLevel { get; set; } = Storage.Compression.ZstdStorageProvider.DefaultLevel;

    private static Pipeline.SideCredential? SideCredentialOf(PSCredential? credential) =>
        credential is null || credential == PSCredential.Empty ? null : new Pipeline.SideCredential(credential.UserName, credential.Password);

    /// <summary>Makes the pair from the inline parameters: paths resolved against the current location, options checked.</summary>
    internal SyncPair BuildInlinePair()
    {
        var keys = new System.Collections.Generic.List<string>();
        foreach (var key in SftpKeyFile ?? System.Array.Empty<string>())
        {
            keys.Add(ResolvePath(key, nameof(SftpKeyFile)));
        }

        var spec = new PairSpec(ProviderPaths.ResolveRoot(Source, nameof(Source), ResolvePath), ProviderPaths.ResolveRoot(Destination, nameof(Destination), ResolvePath))
        {
            Credential = SideCredentialOf(Credential),
            SourceCredential = SideCredentialOf(SourceCredential),
            DestinationCredential = SideCredentialOf(DestinationCredential),
            SftpKeyFiles = keys,
            SftpKnownHostsFile = SftpKnownHostsFile is null ? null : ResolvePath(SftpKnownHostsFile, nameof(SftpKnownHostsFile)),
            SftpAcceptNewHost = SftpAcceptNewHost.IsPresent,
            S3Endpoint = S3Endpoint,
            S3Region = S3Region,
            Name = Name,
            Mode = (SyncMode)OptionArgument.Convert(typeof(SyncMode), Mode, nameof(Mode))!,
            CompareMode = (CompareMode)OptionArgument.Convert(typeof(CompareMode), CompareMode, nameof(CompareMode))!,
            ConflictResolution = (ConflictResolution)OptionArgument.Convert(typeof(ConflictResolution), ConflictResolution, nameof(ConflictResolution))!,
            InitialSyncPreference = (InitialSyncPreference)OptionArgument.Convert(typeof(InitialSyncPreference), InitialSyncPreference, nameof(InitialSyncPreference))!,
            Ignore = Ignore,
            IgnoreFile = IgnoreFile is null ? null : ResolvePath(IgnoreFile, nameof(IgnoreFile)),
            StatePath = StatePath is null ? null : ResolvePath(StatePath, nameof(StatePath)),
            TransferLimit = TransferLimit,
            OperationLimit = OperationLimit,
            BandwidthLimit = BandwidthLimit,
            MaxDeletePercent = MaxDeletePercent,
            NoTrash = NoTrash.IsPresent,
            Encrypt = Encrypt.IsPresent,
            CryptPassword = Password ?? (CryptCredential is null || CryptCredential == PSCredential.Empty ? null : CryptCredential.Password),
            CryptSaltPassword = SaltPassword,
            EncryptNames = EncryptNames is null ? null : string.Equals(EncryptNames, "Off", System.StringComparison.OrdinalIgnoreCase) ? Storage.Crypt.CryptNameEncryption.Off : Storage.Crypt.CryptNameEncryption.Standard,
            CompressionLevel = Compress.IsPresent ? CompressionLevel : null,
        };
        if (Password is not null && CryptCredential is not null)
        {
            throw new SyncEngineException("SyncCryptCredentialConflict", SyncErrorKind.InvalidArgument, "-Password and -CryptCredential both give the encryption password: give one of them.", nameof(CryptCredential));
        }

        return spec.Build();
    }
}
