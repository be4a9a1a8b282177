using System;
using System.Collections.Generic;
using System.IO;
using SyncEngine.Storage.Sftp;

namespace SyncEngine.Storage;

/// <summary>Builds the provider for a root: a local folder or an SFTP folder (S3 comes with the next issue).</summary>
public static class ProviderFactory
{
    /// <summary>The private key files tried, in this order, when an SFTP side names none and has no password.</summary>
    internal static readonly string[] DefaultKeyNames = { "id_ed25519", "id_ecdsa", "id_rsa" };

    /// <summary>
    /// Opens the side a spec names. Local: a <see cref="LocalStorageProvider"/> on the folder. SFTP: an
    /// <see cref="SftpStorageProvider"/> (it connects on first use, so host key and login errors come from the first
    /// operation), logging in as the spec's user or else the local user name, as ssh does. S3 throws
    /// <see cref="SyncEngineException"/> <c>SyncProviderNotSupported</c> (InvalidArgument).
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
    /// side that holds a key check (<see cref="Crypt.CryptStorageProvider"/>) opened without encryption is refused
    /// (<c>SyncCryptPasswordMissing</c>), so its ciphertext is never synced as if it were the files.
    /// </summary>
    internal static IStorageProvider Decorate(IStorageProvider stored, ProviderSpec spec, SideOptions options)
    {
        var side = stored;
        if (options.Encryption is { } crypt)
        {
            side = new Crypt.CryptStorageProvider(side, crypt.Password, crypt.SaltPassword, crypt.Names);
        }
        else if (spec.IsLocal && File.Exists(Path.Combine(spec.Path, PathRules.EngineFolder, "crypt-check.bin")))
        {
            throw new SyncEngineException("SyncCryptPasswordMissing", SyncErrorKind.InvalidArgument,
                $"The side {spec.Display} is encrypted (it holds {PathRules.EngineFolder}/crypt-check.bin): sync it with --encrypt (-Encrypt) and its password in {SideEncryption.PasswordVariable} (or -Password/-CryptCredential). Nothing was changed.", spec.Display);
        }

        if (options.CompressionLevel is { } level)
        {
            side = new Compression.ZstdStorageProvider(side, level);
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
            default:
                throw new SyncEngineException("SyncProviderNotSupported", SyncErrorKind.InvalidArgument,
                    $"The root '{spec.Display}' is an S3 bucket, and this version of SyncEngine cannot sync S3 yet: give a local folder or an sftp:// root.", spec.Display);
        }
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
