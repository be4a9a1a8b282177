using System;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security;
using SyncEngine.Storage;

namespace SyncEngine.PowerShell.Pipeline;

/// <summary>
/// A PSCredential's user name and password as the pair parameters hold it, without PowerShell's types (the adapter is
/// tested without a runspace). The password stays a SecureString.
/// </summary>
internal sealed class SideCredential
{
    public SideCredential(string? userName, SecureString password)
    {
        UserName = userName;
        Password = password ?? throw new ArgumentNullException(nameof(password));
    }

    /// <summary>The user name, or null or empty for none.</summary>
    public string? UserName { get; }

    /// <summary>The password.</summary>
    public SecureString Password { get; }

    /// <summary>Never the password.</summary>
    public override string ToString() => "credential for " + (string.IsNullOrEmpty(UserName) ? "(no user)" : UserName);
}

/// <summary>
/// The PSCredentials given to New-SyncPair (or an inline Get-SyncPlan/Invoke-Sync) for the remote sides of a pair,
/// kept beside the pair object for this PowerShell process only: never in the pair's properties, its options, the
/// pair registry's state folders or the pair's state. The password stays a SecureString until a side is opened
/// (<see cref="OpenSides"/>); a pair without a credential for a remote side logs in with
/// <see cref="PasswordVariable"/> when it is set, else with its key files.
/// </summary>
internal static class PairCredentials
{
    /// <summary>The environment variable an SFTP password is read from when no credential is given, as the CLI reads it.</summary>
    public const string PasswordVariable = "SYNCENGINE_SFTP_PASSWORD";

    private static readonly ConditionalWeakTable<SyncPair, Sides> Table = new();

    private static readonly ConditionalWeakTable<SyncPair, CryptSecret> Crypt = new();

    /// <summary>
    /// Remembers that a pair's destination is encrypted, with its password and salt password as SecureStrings (null:
    /// read from SYNCENGINE_CRYPT_PASSWORD and SYNCENGINE_CRYPT_PASSWORD2 when the side is opened).
    /// </summary>
    public static void AttachEncryption(SyncPair pair, SecureString? password, SecureString? saltPassword, Storage.Crypt.CryptNameEncryption names)
    {
        Crypt.Remove(pair);
        Crypt.Add(pair, new CryptSecret(password, saltPassword, names));
    }

    /// <summary>Whether a pair's destination was made encrypted (-Encrypt).</summary>
    public static bool IsEncrypted(SyncPair pair) => Crypt.TryGetValue(pair, out _);

    /// <summary>
    /// The destination's encryption options as the side is opened: the attached SecureStrings, else the environment
    /// variables. Null when the pair is not encrypted. Throws SyncCryptPasswordMissing when no password is found.
    /// </summary>
    public static SideEncryption? EncryptionOf(SyncPair pair, Func<string, string?> environment)
    {
        if (!Crypt.TryGetValue(pair, out var secret))
        {
            return null;
        }

        var password = secret.Password is null ? environment(SideEncryption.PasswordVariable) : new NetworkCredential(string.Empty, secret.Password).Password;
        var salt = secret.SaltPassword is null ? environment(SideEncryption.SaltPasswordVariable) : new NetworkCredential(string.Empty, secret.SaltPassword).Password;
        return new SideEncryption(password ?? "", salt, secret.Names);
    }

    /// <summary>Remembers the credentials of a pair's sides (nulls for sides without one).</summary>
    public static void Attach(SyncPair pair, SideCredential? source, SideCredential? destination)
    {
        if (source is null && destination is null)
        {
            return;
        }

        Table.Remove(pair);
        Table.Add(pair, new Sides(source, destination));
    }

    /// <summary>The credential kept for one side of a pair, or null.</summary>
    public static SideCredential? Get(SyncPair pair, SyncSide side) =>
        Table.TryGetValue(pair, out var sides) ? side == SyncSide.Source ? sides.Source : sides.Destination : null;

    /// <summary>
    /// The options one remote side is opened with: the pair's own (key files, known_hosts, accept-new) plus the
    /// password, from the side's credential or else <paramref name="environmentPassword"/>. Null when the side is
    /// local or there is no password: the engine then opens the side from the pair as it is.
    /// </summary>
    public static SideOptions? OptionsWithPassword(SyncPair pair, SyncSide side, string? environmentPassword)
    {
        var spec = side == SyncSide.Source ? pair.SourceSpec : pair.DestinationSpec;
        if (spec.IsLocal)
        {
            return null;
        }

        var credential = Get(pair, side);
        if (spec.Kind == ProviderKind.S3)
        {
            // An S3 credential: the access key id as the user name, the secret access key as the password. Without
            // one the engine opens the side from the pair (the AWS SDK's credential chain).
            if (credential is null)
            {
                return null;
            }

            var s3 = (side == SyncSide.Source ? pair.SourceOptions : pair.DestinationOptions) ?? SideOptions.Default;
            return s3.WithPassword(new NetworkCredential(string.Empty, credential.Password).Password, credential.UserName ?? "");
        }

        var password = credential is null ? environmentPassword : new NetworkCredential(string.Empty, credential.Password).Password;
        if (string.IsNullOrEmpty(password))
        {
            return null;
        }

        var options = (side == SyncSide.Source ? pair.SourceOptions : pair.DestinationOptions) ?? SideOptions.Default;
        return options.WithPassword(password);
    }

    /// <summary>
    /// Opens the remote sides that log in with a password (credential or <see cref="PasswordVariable"/>); null for a
    /// side the engine opens from the pair itself. The caller owns the providers.
    /// </summary>
    public static (IStorageProvider? Source, IStorageProvider? Destination) OpenSides(SyncPair pair)
    {
        var environmentPassword = Environment.GetEnvironmentVariable(PasswordVariable);
        var sourceOptions = OptionsWithPassword(pair, SyncSide.Source, environmentPassword);
        var destinationOptions = OptionsWithPassword(pair, SyncSide.Destination, environmentPassword);
        if (EncryptionOf(pair, Environment.GetEnvironmentVariable) is { } encryption)
        {
            var options = destinationOptions ?? pair.DestinationOptions ?? SideOptions.Default;
            destinationOptions = options.WithEncryption(encryption);
        }

        if (sourceOptions is null && destinationOptions is null)
        {
            return (null, null);
        }

        pair.Validate();
        var source = sourceOptions is null ? null : ProviderFactory.Open(pair.SourceSpec, sourceOptions);
        try
        {
            return (source, destinationOptions is null ? null : ProviderFactory.Open(pair.DestinationSpec, destinationOptions));
        }
        catch
        {
            source?.Dispose();
            throw;
        }
    }

    /// <summary>Plans a pair (Get-SyncPlan, -WhatIf) with its sides opened as <see cref="OpenSides"/> says.</summary>
    public static SyncPlan Plan(SyncPair pair, PlanOptions options, System.Threading.CancellationToken cancellationToken)
    {
        var (source, destination) = OpenSides(pair);
        return SyncPlanner.Plan(pair, source, destination, options, cancellationToken);
    }

    /// <summary>Opens a watch on a pair (Invoke-Sync -Watch) with its sides opened as <see cref="OpenSides"/> says.</summary>
    public static Watch.WatchSession OpenWatch(SyncPair pair, Watch.WatchOptions options)
    {
        var (source, destination) = OpenSides(pair);
        try
        {
            return Watch.WatchSession.Open(pair, options, source, destination);
        }
        catch
        {
            source?.Dispose();
            destination?.Dispose();
            throw;
        }
    }

    /// <summary>Opens a session on a pair (Invoke-Sync) with its sides opened as <see cref="OpenSides"/> says.</summary>
    public static SyncSession OpenSession(SyncPair pair)
    {
        var (source, destination) = OpenSides(pair);
        if (source is null && destination is null)
        {
            return SyncSession.Open(pair);
        }

        try
        {
            return SyncSession.Open(pair, source, destination);
        }
        catch
        {
            source?.Dispose();
            destination?.Dispose();
            throw;
        }
    }

    private sealed class CryptSecret
    {
        public CryptSecret(SecureString? password, SecureString? saltPassword, Storage.Crypt.CryptNameEncryption names)
        {
            Password = password;
            SaltPassword = saltPassword;
            Names = names;
        }

        public SecureString? Password { get; }

        public SecureString? SaltPassword { get; }

        public Storage.Crypt.CryptNameEncryption Names { get; }

        public override string ToString() => "encryption secret";
    }

    private sealed class Sides
    {
        public Sides(SideCredential? source, SideCredential? destination)
        {
            Source = source;
            Destination = destination;
        }

        public SideCredential? Source { get; }

        public SideCredential? Destination { get; }
    }
}
