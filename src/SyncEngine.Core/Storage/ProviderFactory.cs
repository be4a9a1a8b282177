using System;
using System.Collections.Generic;
using System.IO;
using SyncEngine.Storage.S3;
using SyncEngine.Storage.Sftp;

namespace SyncEngine.Storage;

/// <summary>Builds the provider for a root: a local folder, an SFTP folder or an S3 bucket (or prefix).</summary>
public static class ProviderFactory
{
    /// <summary>The private key files tried, in this order, when an SFTP side names none and has no password.</summary>
    internal static readonly string[] DefaultKeyNames = { "id_ed25519", "id_ecdsa", "id_rsa" };

    /// <summary>
    /// Opens the side a spec names. Local: a <see cref="LocalStorageProvider"/> on the folder. SFTP: an
    /// <see cref="SftpStorageProvider"/> (it connects on first use, so host key and login errors come from the first
    /// operation), logging in as the spec's user or else the local user name, as ssh does. S3: an
    /// <see cref="S3StorageProvider"/> (nothing is sent before the first operation, so a missing bucket, refused
    /// credentials or an unreachable endpoint come from it) with the endpoint, region and addressing of
    /// <see cref="S3Options"/>, and the credential of the options or else the AWS SDK's standard chain.
    /// </summary>
    /// <param name="spec">The root.</param>
    /// <param name="options">Key files, known_hosts file and password for a remote root; null for the defaults.</param>
    public static IStorageProvider Open(ProviderSpec spec, SideOptions? options = null)
    {
        if (spec is null)
        {
            throw new ArgumentNullException(nameof(spec));
        }

        options ??= SideOptions.Default;
        var stored = OpenStored(spec, options);
        try
        {
            return Decorate(stored, spec, options);
        }
        catch
        {
            stored.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The side as the engine sees it: compressed (zstd), then encrypted (rclone crypt), as the options ask. A local
    /// side (remote ones are not asked: opening one sends nothing) that holds a key check (<see cref="Crypt.CryptStorageProvider"/>) opened without encryption is refused
    /// (<c>SyncCryptPasswordMissing</c>), so its ciphertext is never synced as if it were the files; one that holds
    /// the compression marker opened without compression is refused too (<c>SyncCompressOptionMissing</c>).
    /// </summary>
    internal static IStorageProvider Decorate(IStorageProvider stored, ProviderSpec spec, SideOptions options)
    {
        var side = stored;
        if (options.Encryption is { } crypt)
        {
            side = new Crypt.CryptStorageProvider(side, crypt.Password, crypt.SaltPassword, crypt.Names);
        }
        else if (spec.IsLocal && stored.Stat(Crypt.CryptStorageProvider.CheckPath) is not null)
        {
            throw new SyncEngineException("SyncCryptPasswordMissing", SyncErrorKind.InvalidArgument,
                $"The side {spec.Display} is encrypted (it holds {PathRules.EngineFolder}/crypt-check.bin): sync it with --encrypt (-Encrypt) and its password in {SideEncryption.PasswordVariable} (or -Password/-CryptCredential). Nothing was changed.", spec.Display);
        }

        if (options.CompressionLevel is { } level)
        {
            side = new Compression.ZstdStorageProvider(side, level);
        }
        else if (spec.IsLocal && side.Stat(Compression.ZstdStorageProvider.MarkerPath) is not null)
        {
            throw new SyncEngineException("SyncCompressOptionMissing", SyncErrorKind.InvalidArgument,
                $"The side {spec.Display} is stored compressed (it holds {Compression.ZstdStorageProvider.MarkerPath}): sync it with --compress (-Compress), or its .zst files would be synced as files of their own. Nothing was changed.", spec.Display);
        }

        return side;
    }

    private static IStorageProvider OpenStored(ProviderSpec spec, SideOptions options)
    {
        switch (spec.Kind)
        {
            case ProviderKind.Local:
                return new LocalStorageProvider(spec.Path);
            case ProviderKind.Sftp:
                return new SftpStorageProvider(SftpOptions(spec, options), spec.Path, options.Password);
            case ProviderKind.S3:
                return new S3StorageProvider(S3Options(options, Environment.GetEnvironmentVariable), spec.Bucket!, spec.Path, S3Credentials(options));
            default:
                throw new SyncEngineException("SyncProviderNotSupported", SyncErrorKind.InvalidArgument,
                    $"The root '{spec.Display}' is of a kind this version of SyncEngine cannot sync.", spec.Display);
        }
    }

    /// <summary>
    /// The connection options of an S3 root: endpoint from the options, else <c>AWS_ENDPOINT_URL_S3</c>, else
    /// <c>AWS_ENDPOINT_URL</c> (else AWS); region from the options, else <c>AWS_REGION</c>, else
    /// <c>AWS_DEFAULT_REGION</c>, else <c>us-east-1</c>; path-style addressing from the options, else on for a custom
    /// endpoint. A malformed endpoint or region is <c>SyncS3OptionsInvalid</c> (InvalidArgument).
    /// </summary>
    public static S3ConnectionOptions S3Options(SideOptions options, Func<string, string?> environment)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if (environment is null)
        {
            throw new ArgumentNullException(nameof(environment));
        }

        string? Env(string name) => environment(name) is { Length: > 0 } v ? v.Trim() : null;
        var fromOption = options.S3Endpoint is { Length: > 0 };
        var endpoint = fromOption ? options.S3Endpoint!.Trim() : Env("AWS_ENDPOINT_URL_S3") ?? Env("AWS_ENDPOINT_URL");
        if (endpoint is not null)
        {
            var where = fromOption ? "--s3-endpoint" : Env("AWS_ENDPOINT_URL_S3") is not null ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL";
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https") || uri.Host.Length == 0
                || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new SyncEngineException("SyncS3OptionsInvalid", SyncErrorKind.InvalidArgument,
                    $"The S3 endpoint '{PathRules.Printable(uri is null || string.IsNullOrEmpty(uri.UserInfo) ? endpoint : "(a URL with a user name or secret in it)")}' ({where}) is not an http:// or https:// URL without a query or user part.", where);
            }

            endpoint = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        }

        var region = options.S3Region is { Length: > 0 } r ? r.Trim() : Env("AWS_REGION") ?? Env("AWS_DEFAULT_REGION") ?? "us-east-1";
        foreach (var c in region)
        {
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            {
                throw new SyncEngineException("SyncS3OptionsInvalid", SyncErrorKind.InvalidArgument,
                    $"The S3 region '{PathRules.Printable(region)}' is not a region name (lowercase letters, digits and '-', such as us-east-1).", region);
            }
        }

        return new S3ConnectionOptions
        {
            Endpoint = endpoint,
            Region = region,
            PathStyle = options.S3PathStyle,
        };
    }

    /// <summary>The credential of an S3 side's options (access key id and secret), or null for the SDK's standard chain.</summary>
    internal static Amazon.Runtime.AWSCredentials? S3Credentials(SideOptions options)
    {
        if (options.S3AccessKeyId is null)
        {
            return null;
        }

        if (options.S3AccessKeyId.Length == 0 || string.IsNullOrEmpty(options.Password))
        {
            throw new SyncEngineException("SyncS3OptionsInvalid", SyncErrorKind.InvalidArgument,
                "An S3 credential needs the access key id as its user name and the secret access key as its password.");
        }

        return new Amazon.Runtime.BasicAWSCredentials(options.S3AccessKeyId, options.Password);
    }

    /// <summary>The connection options of an SFTP root: host (an IPv6 address without its brackets), port, user, keys, known_hosts.</summary>
    internal static SftpConnectionOptions SftpOptions(ProviderSpec spec, SideOptions options)
    {
        var host = spec.Host ?? "";
        if (host.Length > 1 && host[0] == '[' && host[host.Length - 1] == ']')
        {
            host = host.Substring(1, host.Length - 2);
        }

        return new SftpConnectionOptions
        {
            Host = host,
            Port = spec.Port,
            User = string.IsNullOrEmpty(spec.User) ? Environment.UserName : spec.User!,
            PrivateKeyFiles = options.KeyFiles.Count > 0 ? options.KeyFiles : options.Password is null ? DefaultKeyFiles() : Array.Empty<string>(),
            KnownHostsFile = string.IsNullOrEmpty(options.KnownHostsFile) ? DefaultKnownHostsFile() : options.KnownHostsFile!,
            AcceptNewHostKey = options.AcceptNewHostKey,
        };
    }

    /// <summary>The per-user known_hosts file, <c>~/.ssh/known_hosts</c>, as OpenSSH reads it.</summary>
    public static string DefaultKnownHostsFile() => Path.Combine(Home(), ".ssh", "known_hosts");

    /// <summary>The usual private key files (<c>~/.ssh/id_ed25519</c>, <c>id_ecdsa</c>, <c>id_rsa</c>) that exist.</summary>
    internal static IReadOnlyList<string> DefaultKeyFiles()
    {
        var found = new List<string>();
        foreach (var name in DefaultKeyNames)
        {
            var path = Path.Combine(Home(), ".ssh", name);
            if (File.Exists(path))
            {
                found.Add(path);
            }
        }

        return found;
    }

    private static string Home()
    {
        var home = Environment.GetEnvironmentVariable("HOME");
        return string.IsNullOrEmpty(home) ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) : home!;
    }
}
