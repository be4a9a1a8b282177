using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SyncEngine.Cli;

/// <summary>The values given to <c>plan</c> or <c>sync</c>, as typed; <see cref="BuildPair"/> turns them into a pair.</summary>
internal sealed class PairArguments
{
    public string Source { get; init; } = "";

    public string Destination { get; init; } = "";

    public string? Mode { get; init; }

    public string? Compare { get; init; }

    public string? Conflict { get; init; }

    public string? Initial { get; init; }

    public string? StateDir { get; init; }

    public IReadOnlyList<string> Ignore { get; init; } = Array.Empty<string>();

    /// <summary>--path P, repeatable: sync (or plan) only these subtrees, relative to the roots.</summary>
    public IReadOnlyList<string> Paths { get; init; } = Array.Empty<string>();

    public bool WhatIf { get; init; }

    public bool Json { get; init; }

    public bool Force { get; init; }

    /// <summary>--reseed: plan as a first sync that merges, whatever the state says; delete nothing.</summary>
    public bool Reseed { get; init; }

    public bool NoTrash { get; init; }

    public int? Transfers { get; init; }

    public int? Operations { get; init; }

    /// <summary>--bwlimit RATE: the cap on bytes per second (KiB/s unless a unit is given), as typed.</summary>
    public string? BandwidthLimit { get; init; }

    /// <summary>--sftp-key FILE, repeatable: private key files for an sftp:// side.</summary>
    public IReadOnlyList<string> SftpKeys { get; init; } = Array.Empty<string>();

    /// <summary>--sftp-known-hosts FILE: the known_hosts file for an sftp:// side (default ~/.ssh/known_hosts).</summary>
    public string? SftpKnownHosts { get; init; }

    /// <summary>--sftp-accept-new-host: add the key of a host known_hosts does not list (never a changed one).</summary>
    public bool SftpAcceptNewHost { get; init; }

    /// <summary>--s3-endpoint URL: the store of an s3:// side (else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS).</summary>
    public string? S3Endpoint { get; init; }

    /// <summary>--s3-region REGION: the region of an s3:// side (else AWS_REGION, AWS_DEFAULT_REGION, or us-east-1).</summary>
    public string? S3Region { get; init; }

    /// <summary>watch --debounce D: the quiet period, as typed (200ms, 2s).</summary>
    public string? Debounce { get; init; }

    /// <summary>watch --max-delay D: the longest wait for a batch, as typed.</summary>
    public string? MaxDelay { get; init; }

    /// <summary>watch --rescan D: the interval of full rescans, as typed.</summary>
    public string? Rescan { get; init; }

    /// <summary>watch --poll D: how often a side without change events is listed, as typed.</summary>
    public string? Poll { get; init; }

    /// <summary>--encrypt: store the destination encrypted (rclone crypt), password from SYNCENGINE_CRYPT_PASSWORD.</summary>
    public bool Encrypt { get; init; }

    /// <summary>--encrypt-names standard|off, as typed.</summary>
    public string? EncryptNames { get; init; }

    /// <summary>--compress zstd[:LEVEL], as typed.</summary>
    public string? Compress { get; init; }

    /// <summary>
    /// The plan options of <c>plan</c> and <c>sync</c>: --reseed, --path (checked by the engine now, before a pair is
    /// built or locked: a bad path is exit 2 naming it), and the printer's progress.
    /// </summary>
    public PlanOptions ToPlanOptions(Action<SyncProgressEvent>? progress)
    {
        var options = new PlanOptions { Progress = progress, Reseed = Reseed, Paths = Paths.Count > 0 ? Paths.ToArray() : null };
        options.Validate();
        return options;
    }

    /// <summary>The environment variable an SFTP password is read from (never a command-line option).</summary>
    public const string PasswordVariable = "SYNCENGINE_SFTP_PASSWORD";

    /// <summary>
    /// Builds the pair: paths resolved against the current folder, option values parsed by the engine's rules
    /// (<see cref="OptionNames"/>); unset options keep the engine's defaults. Throws <see cref="CliUsageException"/>
    /// naming the option for a bad value.
    /// </summary>
    public SyncPair BuildPair(CliContext context)
    {
        var source = ResolveRoot(context, Source, "SOURCE", out var sourceRemote);
        var destination = ResolveRoot(context, Destination, "DESTINATION", out var destinationRemote);
        var sourceKind = sourceRemote ? Storage.ProviderSpec.Parse(source).Kind : Storage.ProviderKind.Local;
        var destinationKind = destinationRemote ? Storage.ProviderSpec.Parse(destination).Kind : Storage.ProviderKind.Local;
        var anySftp = sourceKind == Storage.ProviderKind.Sftp || destinationKind == Storage.ProviderKind.Sftp;
        var anyS3 = sourceKind == Storage.ProviderKind.S3 || destinationKind == Storage.ProviderKind.S3;
        if (!anySftp && (SftpKeys.Count > 0 || SftpKnownHosts is not null || SftpAcceptNewHost))
        {
            var option = SftpKeys.Count > 0 ? "--sftp-key" : SftpKnownHosts is not null ? "--sftp-known-hosts" : "--sftp-accept-new-host";
            throw new CliUsageException($"{option} is for an sftp:// side, and neither SOURCE nor DESTINATION is one (sftp://[user@]host[:port]/absolute/path).");
        }

        if (!anyS3 && (S3Endpoint is not null || S3Region is not null))
        {
            throw new CliUsageException($"{(S3Endpoint is not null ? "--s3-endpoint" : "--s3-region")} is for an s3:// side, and neither SOURCE nor DESTINATION is one (s3://bucket[/prefix]).");
        }

        var sftpSide = anySftp ? SftpSide(context) : null;
        var s3Side = anyS3 ? S3Side() : null;
        Storage.SideOptions? OptionsFor(Storage.ProviderKind kind) =>
            kind == Storage.ProviderKind.Sftp ? sftpSide : kind == Storage.ProviderKind.S3 ? s3Side : null;

        var defaults = new SyncPair(source, destination);
        var atRest = AtRest(context, OptionsFor(destinationKind));
        return new SyncPair(source, destination)
        {
            SourceOptions = OptionsFor(sourceKind),
            DestinationOptions = atRest ?? OptionsFor(destinationKind),
            Mode = Mode is null ? defaults.Mode : ParseMode(Mode),
            CompareMode = Compare is null ? defaults.CompareMode : ParseEnum<CompareMode>(Compare, "--compare"),
            ConflictResolution = Conflict is null ? defaults.ConflictResolution : ParseEnum<ConflictResolution>(Conflict, "--conflict"),
            InitialSyncPreference = Initial is null ? defaults.InitialSyncPreference : ParseEnum<InitialSyncPreference>(Initial, "--initial"),
            StatePath = StateDir is null ? null : ResolvePath(context, StateDir, "--state-dir"),
            IgnorePatterns = Ignore.ToArray(),
            UseTrash = !NoTrash,
            TransferLimit = Transfers ?? defaults.TransferLimit,
            OperationLimit = Operations ?? defaults.OperationLimit,
            BandwidthLimit = BandwidthLimit is null ? 0 : SyncEngine.BandwidthLimit.Parse(BandwidthLimit),
        };
    }

    /// <summary>
    /// The destination's options with encryption and compression at rest (--encrypt, --encrypt-names, --compress),
    /// over <paramref name="remote"/> when the destination is remote; null when neither is asked for. The passwords
    /// come from SYNCENGINE_CRYPT_PASSWORD and SYNCENGINE_CRYPT_PASSWORD2 only.
    /// </summary>
    private Storage.SideOptions? AtRest(CliContext context, Storage.SideOptions? remote)
    {
        if (!Encrypt && EncryptNames is not null)
        {
            throw new CliUsageException("--encrypt-names is for an encrypted destination: add --encrypt.");
        }

        int? level = null;
        if (Compress is not null)
        {
            level = ParseCompress(Compress);
        }

        if (!Encrypt && level is null)
        {
            return null;
        }

        Storage.SideEncryption? encryption = null;
        if (Encrypt)
        {
            var names = Storage.Crypt.CryptNameEncryption.Standard;
            if (EncryptNames is not null && !OptionNames.TryParseEnum(EncryptNames, out names))
            {
                throw new CliUsageException($"--encrypt-names: '{EncryptNames}' is not a valid value. Use one of: standard, off.");
            }

            var password = context.GetEnvironmentVariable(Storage.SideEncryption.PasswordVariable);
            if (string.IsNullOrEmpty(password))
            {
                throw new CliUsageException($"--encrypt needs the password in the {Storage.SideEncryption.PasswordVariable} environment variable (and a salt password, if any, in {Storage.SideEncryption.SaltPasswordVariable}); it is never taken from the command line.");
            }

            encryption = new Storage.SideEncryption(password!, context.GetEnvironmentVariable(Storage.SideEncryption.SaltPasswordVariable), names);
        }

        return (remote ?? Storage.SideOptions.Default).WithEncryption(encryption).WithCompression(level);
    }

    /// <summary>--compress zstd or zstd:LEVEL (1-22).</summary>
    public static int ParseCompress(string value)
    {
        var parts = value.Split(':');
        if (!string.Equals(parts[0], "zstd", StringComparison.OrdinalIgnoreCase) || parts.Length > 2)
        {
            throw new CliUsageException($"--compress: '{value}' is not a valid value. Use zstd or zstd:LEVEL (LEVEL 1-22, default 3).");
        }

        if (parts.Length == 1)
        {
            return Storage.Compression.ZstdStorageProvider.DefaultLevel;
        }

        if (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var level) || level < 1 || level > 22)
        {
            throw new CliUsageException($"--compress: the level '{parts[1]}' is not a number from 1 to 22 (3 is zstd's default).");
        }

        return level;
    }

    /// <summary>
    /// A root as typed: a remote one (<c>sftp://…</c>) in its canonical form, checked by the engine (a malformed one
    /// throws its <see cref="SyncEngineException"/>: exit 2); anything else a local path, made absolute against the
    /// current folder.
    /// </summary>
    public static string ResolveRoot(CliContext context, string? root, string what, out bool remote)
    {
        remote = false;
        if (root is not null && root.Contains("://", StringComparison.Ordinal))
        {
            var spec = Storage.ProviderSpec.Parse(root);
            if (!spec.IsLocal)
            {
                remote = true;
                return spec.ToString();
            }
        }

        return ResolvePath(context, root, what);
    }

    /// <summary>
    /// The S3 side's options: --s3-endpoint (checked by the engine: an http:// or https:// URL) and --s3-region; the
    /// environment (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_REGION) and the credentials (the AWS SDK's standard
    /// chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, AWS_PROFILE, the shared credentials file) are
    /// read by the engine when the side opens. There is no option for a secret.
    /// </summary>
    private Storage.SideOptions S3Side()
    {
        var side = new Storage.SideOptions { S3Endpoint = S3Endpoint, S3Region = S3Region };
        Storage.ProviderFactory.S3Options(side, Environment.GetEnvironmentVariable); // a malformed endpoint or region: exit 2 now
        return side;
    }

    /// <summary>
    /// The SFTP side's options: --sftp-key files (each must exist), --sftp-known-hosts (else the engine's default
    /// ~/.ssh/known_hosts), --sftp-accept-new-host, and the password from <see cref="PasswordVariable"/> only.
    /// </summary>
    private Storage.SideOptions SftpSide(CliContext context)
    {
        var keys = new List<string>();
        foreach (var key in SftpKeys)
        {
            var path = ResolvePath(context, key, "--sftp-key");
            if (!File.Exists(path))
            {
                throw new CliUsageException($"--sftp-key: the key file '{path}' does not exist.");
            }

            keys.Add(path);
        }

        var password = context.GetEnvironmentVariable(PasswordVariable);
        return new Storage.SideOptions
        {
            KeyFiles = keys,
            KnownHostsFile = SftpKnownHosts is null ? null : ResolvePath(context, SftpKnownHosts, "--sftp-known-hosts"),
            AcceptNewHostKey = SftpAcceptNewHost,
            Password = string.IsNullOrEmpty(password) ? null : password,
        };
    }

    /// <summary>A path as typed, made absolute against the current folder.</summary>
    public static string ResolvePath(CliContext context, string? path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CliUsageException($"{what} is empty: give a folder path.");
        }

        try
        {
            return Path.GetFullPath(path, context.CurrentDirectory);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliUsageException($"{what} '{path}' is not a valid path: {ex.Message}");
        }
    }

    /// <summary>A sync mode by name or alias; the error names --mode and lists every accepted value.</summary>
    public static SyncMode ParseMode(string value)
    {
        if (OptionNames.TryParseSyncMode(value, out var mode))
        {
            return mode;
        }

        throw new CliUsageException($"--mode: '{value}' is not a valid mode. Use one of: {ValueList<SyncMode>()}; or an alias: {string.Join(", ", ModeAliases())} (case-insensitive; '-' and '_' optional).");
    }

    /// <summary>An engine enum by name (case-insensitive, '-' and '_' optional); the error names the option.</summary>
    public static T ParseEnum<T>(string value, string option)
        where T : struct, Enum
    {
        if (OptionNames.TryParseEnum<T>(value, out var result))
        {
            return result;
        }

        throw new CliUsageException($"{option}: '{value}' is not a valid value. Use one of: {ValueList<T>()} (case-insensitive; '-' and '_' optional).");
    }

    /// <summary>The kebab-case values of an enum, in declaration order: <c>two-way, source-to-destination, …</c>.</summary>
    public static string ValueList<T>()
        where T : struct, Enum
    {
        var names = new List<string>();
        foreach (T value in Enum.GetValues(typeof(T)))
        {
            names.Add(OptionNames.Kebab(value));
        }

        return string.Join(", ", names);
    }

    /// <summary>The engine's mode aliases, sorted.</summary>
    public static IEnumerable<string> ModeAliases() => OptionNames.SyncModeAliases.OrderBy(a => a, StringComparer.Ordinal);
}
