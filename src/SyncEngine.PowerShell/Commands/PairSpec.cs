using System;
using System.Collections.Generic;
using System.IO;
using SyncEngine.Ignore;
using SyncEngine.Storage;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// The pair parameters of New-SyncPair, Get-SyncPlan -Source and Invoke-Sync -Source, with paths already resolved;
/// <see cref="Build"/> makes and checks the <see cref="SyncPair"/>. Defaults are the engine's.
/// </summary>
internal sealed class PairSpec
{
    /// <summary>A pair with every default, to read the engine's defaults from.</summary>
    public static readonly SyncPair Defaults = new("source", "destination");

    public PairSpec(string source, string destination)
    {
        Source = source;
        Destination = destination;
    }

    public string Source { get; }

    public string Destination { get; }

    public string? Name { get; set; }

    public SyncMode Mode { get; set; } = Defaults.Mode;

    public CompareMode CompareMode { get; set; } = Defaults.CompareMode;

    public ConflictResolution ConflictResolution { get; set; } = Defaults.ConflictResolution;

    public InitialSyncPreference InitialSyncPreference { get; set; } = Defaults.InitialSyncPreference;

    public string[]? Ignore { get; set; }

    public string? IgnoreFile { get; set; }

    public string? StatePath { get; set; }

    public int TransferLimit { get; set; } = Defaults.TransferLimit;

    public int OperationLimit { get; set; } = Defaults.OperationLimit;

    public long BandwidthLimit { get; set; }

    public double MaxDeletePercent { get; set; } = Defaults.MaxDeletePercent;

    public bool NoTrash { get; set; }

    /// <summary>-Credential: for the one remote side (an error when both or neither are remote).</summary>
    public SideCredential? Credential { get; set; }

    /// <summary>-SourceCredential: for a remote source.</summary>
    public SideCredential? SourceCredential { get; set; }

    /// <summary>-DestinationCredential: for a remote destination.</summary>
    public SideCredential? DestinationCredential { get; set; }

    /// <summary>-SftpKeyFile, resolved: private key files for every sftp:// side (each must exist).</summary>
    public IReadOnlyList<string> SftpKeyFiles { get; set; } = Array.Empty<string>();

    /// <summary>-SftpKnownHostsFile, resolved: the known_hosts file for every sftp:// side.</summary>
    public string? SftpKnownHostsFile { get; set; }

    /// <summary>-SftpAcceptNewHost: add the key of a host the known_hosts file does not list.</summary>
    public bool SftpAcceptNewHost { get; set; }

    /// <summary>-S3Endpoint: the store of every s3:// side.</summary>
    public string? S3Endpoint { get; set; }

    /// <summary>-S3Region: the region of every s3:// side.</summary>
    public string? S3Region { get; set; }

    /// <summary>-Encrypt: the destination is stored encrypted (rclone crypt).</summary>
    public bool Encrypt { get; set; }

    /// <summary>-Password or -CryptCredential's password: the encryption password (null: SYNCENGINE_CRYPT_PASSWORD).</summary>
    public System.Security.SecureString? CryptPassword { get; set; }

    /// <summary>-SaltPassword: the salt password (null: SYNCENGINE_CRYPT_PASSWORD2, else rclone's default salt).</summary>
    public System.Security.SecureString? CryptSaltPassword { get; set; }

    /// <summary>-EncryptNames.</summary>
    public Storage.Crypt.CryptNameEncryption? EncryptNames { get; set; }

    /// <summary>-Compress / -CompressionLevel: the zstd level, or null for no compression.</summary>
    public int? CompressionLevel { get; set; }

    /// <summary>
    /// Makes the pair and checks it: roots and limits (<see cref="SyncPair.Validate"/>), an -IgnoreFile that exists,
    /// and every ignore rule (a malformed one is an error naming its file and line). Throws <see cref="SyncEngineException"/>.
    /// </summary>
    public SyncPair Build()
    {
        var source = ProviderSpec.Parse(Source);
        var destination = ProviderSpec.Parse(Destination);
        var (sourceCredential, destinationCredential) = AssignCredentials(source, destination);
        source = WithCredentialUser(source, sourceCredential, SourceCredential is null ? nameof(Credential) : nameof(SourceCredential));
        destination = WithCredentialUser(destination, destinationCredential, DestinationCredential is null ? nameof(Credential) : nameof(DestinationCredential));
        var side = SftpSideOptions(source, destination);
        var s3Side = S3SideOptions(source, destination);
        SideOptions? OptionsFor(ProviderSpec spec) => spec.Kind == ProviderKind.Sftp ? side : spec.Kind == ProviderKind.S3 ? s3Side : null;
        if (!Encrypt && (CryptPassword is not null || CryptSaltPassword is not null || EncryptNames is not null))
        {
            throw CredentialError("SyncCryptOptionWithoutEncrypt", CryptPassword is not null ? "Password" : CryptSaltPassword is not null ? "SaltPassword" : "EncryptNames",
                "-Password, -CryptCredential, -SaltPassword and -EncryptNames are for an encrypted destination: add -Encrypt.");
        }

        var destinationOptions = OptionsFor(destination);
        if (CompressionLevel is { } level)
        {
            destinationOptions = (destinationOptions ?? SideOptions.Default).WithCompression(level);
        }

        var pair = new SyncPair(source.IsLocal ? Source : source.ToString(), destination.IsLocal ? Destination : destination.ToString())
        {
            SourceOptions = OptionsFor(source),
            DestinationOptions = destinationOptions,
            Name = string.IsNullOrWhiteSpace(Name) ? null! : Name!.Trim(),
            Mode = Mode,
            CompareMode = CompareMode,
            ConflictResolution = ConflictResolution,
            InitialSyncPreference = InitialSyncPreference,
            IgnorePatterns = Ignore ?? Array.Empty<string>(),
            IgnoreFile = string.IsNullOrEmpty(IgnoreFile) ? null : IgnoreFile,
            StatePath = string.IsNullOrEmpty(StatePath) ? null : StatePath,
            TransferLimit = TransferLimit,
            OperationLimit = OperationLimit,
            BandwidthLimit = BandwidthLimit,
            MaxDeletePercent = MaxDeletePercent,
            UseTrash = !NoTrash,
        };
        pair.Validate();

        // The engine reads a missing ignore file as "no rules"; one the user named must exist, or a typo would sync
        // (and in a mirror, delete) the very files meant to be left alone.
        if (!string.IsNullOrEmpty(IgnoreFile) && !File.Exists(IgnoreFile))
        {
            throw new SyncEngineException(ModuleErrorIds.IgnoreFileNotFound, SyncErrorKind.NotFound, $"The ignore file '{IgnoreFile}' does not exist.", IgnoreFile);
        }

        var ignoreFile = pair.ResolvedIgnoreFile;
        IgnoreRules.Load(File.Exists(ignoreFile) ? ignoreFile : null, pair.IgnorePatterns);
        PairCredentials.Attach(pair, sourceCredential, destinationCredential);
        if (Encrypt)
        {
            PairCredentials.AttachEncryption(pair, CryptPassword, CryptSaltPassword, EncryptNames ?? Storage.Crypt.CryptNameEncryption.Standard);

            // The password must be there now (given or in the environment), not first when a run opens the side.
            PairCredentials.EncryptionOf(pair, Environment.GetEnvironmentVariable);
        }

        return pair;
    }

    /// <summary>
    /// Which side each credential is for: -SourceCredential and -DestinationCredential for their side (which must be
    /// remote), -Credential for the one remote side. Throws <see cref="SyncEngineException"/> (InvalidArgument) for a
    /// credential with no remote side to go to, or an ambiguous one.
    /// </summary>
    private (SideCredential? Source, SideCredential? Destination) AssignCredentials(ProviderSpec source, ProviderSpec destination)
    {
        if (Credential is not null && (SourceCredential is not null || DestinationCredential is not null))
        {
            throw CredentialError(ModuleErrorIds.CredentialConflict, nameof(Credential),
                $"-Credential cannot be combined with -{(SourceCredential is not null ? nameof(SourceCredential) : nameof(DestinationCredential))}: give -Credential for the one remote side, or -SourceCredential and -DestinationCredential for each side.");
        }

        if (SourceCredential is not null && source.IsLocal)
        {
            throw CredentialError(ModuleErrorIds.CredentialSideNotRemote, nameof(SourceCredential),
                $"-SourceCredential is for a remote source, and the source '{Source}' is a local folder.");
        }

        if (DestinationCredential is not null && destination.IsLocal)
        {
            throw CredentialError(ModuleErrorIds.CredentialSideNotRemote, nameof(DestinationCredential),
                $"-DestinationCredential is for a remote destination, and the destination '{Destination}' is a local folder.");
        }

        if (Credential is null)
        {
            return (SourceCredential, DestinationCredential);
        }

        if (source.IsLocal && destination.IsLocal)
        {
            throw CredentialError(ModuleErrorIds.CredentialSideNotRemote, nameof(Credential),
                "-Credential is for a remote side (sftp://[user@]host[:port]/absolute/path or s3://bucket[/prefix]), and both -Source and -Destination are local folders.");
        }

        if (!source.IsLocal && !destination.IsLocal)
        {
            throw CredentialError(ModuleErrorIds.CredentialAmbiguous, nameof(Credential),
                "-Credential is for the one remote side, and both -Source and -Destination are remote: give -SourceCredential and -DestinationCredential instead.");
        }

        return source.IsLocal ? (null, Credential) : (Credential, null);
    }

    /// <summary>
    /// A remote root with the credential's user name when the root names none. Throws
    /// <see cref="SyncEngineException"/> (InvalidArgument) when both name a user and they differ.
    /// </summary>
    private static ProviderSpec WithCredentialUser(ProviderSpec spec, SideCredential? credential, string parameterName)
    {
        var user = credential?.UserName;
        if (spec.IsLocal || spec.Kind == ProviderKind.S3 || string.IsNullOrEmpty(user))
        {
            return spec;
        }

        if (spec.User is null)
        {
            var canonical = spec.ToString();
            return ProviderSpec.Parse(canonical.Substring(0, 7) + Uri.EscapeDataString(user) + "@" + canonical.Substring(7));
        }

        if (!string.Equals(spec.User, user, StringComparison.Ordinal))
        {
            throw CredentialError(ModuleErrorIds.CredentialUserMismatch, parameterName,
                $"The root '{spec.Display}' logs in as '{spec.User}', and -{parameterName} is for the user '{user}': give the same user in both, or leave the user out of the root.");
        }

        return spec;
    }

    /// <summary>
    /// The options of the sftp:// sides: -SftpKeyFile (each must exist), -SftpKnownHostsFile, -SftpAcceptNewHost;
    /// never a password (that stays in the credential until a side is opened). Null when no side is remote, where
    /// any of these options is an error.
    /// </summary>
    private SideOptions? SftpSideOptions(ProviderSpec source, ProviderSpec destination)
    {
        if (source.Kind != ProviderKind.Sftp && destination.Kind != ProviderKind.Sftp)
        {
            if (SftpKeyFiles.Count > 0 || SftpKnownHostsFile is not null || SftpAcceptNewHost)
            {
                var option = SftpKeyFiles.Count > 0 ? "SftpKeyFile" : SftpKnownHostsFile is not null ? "SftpKnownHostsFile" : "SftpAcceptNewHost";
                throw CredentialError(ModuleErrorIds.SftpOptionWithoutRemote, option,
                    $"-{option} is for an sftp:// side, and neither -Source nor -Destination is one (sftp://[user@]host[:port]/absolute/path).");
            }

            return null;
        }

        foreach (var key in SftpKeyFiles)
        {
            if (!File.Exists(key))
            {
                throw new SyncEngineException(ModuleErrorIds.SftpKeyFileNotFound, SyncErrorKind.NotFound, $"-SftpKeyFile: the key file '{key}' does not exist.", key);
            }
        }

        return new SideOptions
        {
            KeyFiles = SftpKeyFiles,
            KnownHostsFile = SftpKnownHostsFile,
            AcceptNewHostKey = SftpAcceptNewHost,
        };
    }

    /// <summary>
    /// The options of the s3:// sides: -S3Endpoint and -S3Region (checked now: a malformed one is
    /// <c>SyncS3OptionsInvalid</c>). The access key and secret stay in the credential until a side is opened. Null
    /// when no side is on S3, where either option is an error.
    /// </summary>
    private SideOptions? S3SideOptions(ProviderSpec source, ProviderSpec destination)
    {
        if (source.Kind != ProviderKind.S3 && destination.Kind != ProviderKind.S3)
        {
            if (S3Endpoint is not null || S3Region is not null)
            {
                var option = S3Endpoint is not null ? "S3Endpoint" : "S3Region";
                throw CredentialError(ModuleErrorIds.S3OptionWithoutRemote, option,
                    $"-{option} is for an s3:// side, and neither -Source nor -Destination is one (s3://bucket[/prefix]).");
            }

            return null;
        }

        var options = new SideOptions { S3Endpoint = S3Endpoint, S3Region = S3Region };
        ProviderFactory.S3Options(options, Environment.GetEnvironmentVariable);
        return options;
    }

    private static SyncEngineException CredentialError(string errorId, string parameterName, string message) =>
        new(errorId, SyncErrorKind.InvalidArgument, message, parameterName);
}
