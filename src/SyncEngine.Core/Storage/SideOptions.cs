using System;
using System.Collections.Generic;

namespace SyncEngine.Storage;

/// <summary>
/// How to reach one side of a pair when its root is remote (<see cref="ProviderSpec"/>): for an <c>sftp://</c> root
/// the key files, the known_hosts file, whether a new host key may be added, and a password; for an <c>s3://</c> root
/// the endpoint, region, addressing and, from a credential, an access key and its secret. A local root needs none
/// of it. A front end fills it from its own options and credentials; <see cref="ProviderFactory"/> reads it.
/// </summary>
/// <remarks>
/// The password is never shown: <see cref="ToString"/> says only whether one is set, and neither the pair, its state
/// nor any message holds it.
/// </remarks>
public sealed class SideOptions
{
    /// <summary>No key file, the default known_hosts file, no new host keys, no password.</summary>
    public static SideOptions Default { get; } = new();

    /// <summary>
    /// SFTP: private key files (OpenSSH, PEM or PuTTY format, without a passphrase) tried in order. Empty means the
    /// usual <c>~/.ssh/id_ed25519</c>, <c>id_ecdsa</c> and <c>id_rsa</c> that exist, when no <see cref="Password"/>
    /// is given either.
    /// </summary>
    public IReadOnlyList<string> KeyFiles { get; init; } = Array.Empty<string>();

    /// <summary>SFTP: the OpenSSH known_hosts file the host key is checked against; null means <c>~/.ssh/known_hosts</c>.</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>
    /// SFTP: adds the key of a host the known_hosts file does not list at all (OpenSSH's
    /// <c>StrictHostKeyChecking=accept-new</c>); a changed key is refused all the same.
    /// </summary>
    public bool AcceptNewHostKey { get; init; }

    /// <summary>
    /// SFTP: the password, when logging in by password: only from an environment variable
    /// (<c>SYNCENGINE_SFTP_PASSWORD</c>) or a credential, never from a command line. Never shown or stored.
    /// </summary>
    public string? Password { get => password; init => password = value; }

    private string? password;

    /// <summary>
    /// S3: the store's URL (<c>https://s3.example.net</c>, <c>http://127.0.0.1:7480</c>); null means
    /// <c>AWS_ENDPOINT_URL_S3</c>, else <c>AWS_ENDPOINT_URL</c>, else AWS itself.
    /// </summary>
    public string? S3Endpoint { get; init; }

    /// <summary>S3: the region requests are signed for; null means <c>AWS_REGION</c>, else <c>AWS_DEFAULT_REGION</c>, else <c>us-east-1</c>.</summary>
    public string? S3Region { get; init; }

    /// <summary>S3: path-style addressing; null means on for a custom endpoint, off for AWS.</summary>
    public bool? S3PathStyle { get; init; }

    /// <summary>
    /// S3: the access key id of a credential (a PowerShell <c>-Credential</c>'s user name); its secret is
    /// <see cref="Password"/>. Null means the AWS SDK's standard chain (environment, profile, shared credentials file).
    /// </summary>
    public string? S3AccessKeyId { get => s3AccessKeyId; init => s3AccessKeyId = value; }

    private string? s3AccessKeyId;

    /// <summary>
    /// Encryption at rest (any side): the side's files are stored in rclone's crypt format
    /// (<see cref="Crypt.CryptStorageProvider"/>); null stores them as they are.
    /// </summary>
    public SideEncryption? Encryption { get => encryption; init => encryption = value; }

    private SideEncryption? encryption;

    /// <summary>
    /// Compression at rest (any side): files that shrink are stored as zstd frames at this level (1-22; 3 is zstd's
    /// default), before any encryption (<see cref="Compression.ZstdStorageProvider"/>); null stores them as they are.
    /// </summary>
    public int? CompressionLevel { get => compressionLevel; init => compressionLevel = value; }

    private int? compressionLevel;

    /// <summary>A copy of these options with <see cref="CompressionLevel"/> set (null: no compression).</summary>
    public SideOptions WithCompression(int? level)
    {
        var copy = (SideOptions)MemberwiseClone();
        copy.compressionLevel = level;
        return copy;
    }

    /// <summary>A copy of these options that logs in with this password (SFTP) and, for S3, this access key id.</summary>
    public SideOptions WithPassword(string? password, string? s3AccessKeyId = null)
    {
        var copy = (SideOptions)MemberwiseClone();
        copy.password = password;
        copy.s3AccessKeyId = s3AccessKeyId ?? S3AccessKeyId;
        return copy;
    }

    /// <summary>A copy of these options with <see cref="Encryption"/> set (null: stored as is).</summary>
    public SideOptions WithEncryption(SideEncryption? encryption)
    {
        var copy = (SideOptions)MemberwiseClone();
        copy.encryption = encryption;
        return copy;
    }

    /// <summary>The options for messages: what is set, and whether a password or secret is set (never a secret itself).</summary>
    public override string ToString() =>
        "keys: " + (KeyFiles.Count == 0 ? "(default)" : string.Join(", ", KeyFiles))
        + "; known_hosts: " + (KnownHostsFile ?? "(default)")
        + (AcceptNewHostKey ? "; accept new host key" : "")
        + (S3Endpoint is null ? "" : "; s3 endpoint: " + S3Endpoint)
        + (S3Region is null ? "" : "; s3 region: " + S3Region)
        + (S3PathStyle is null ? "" : "; s3 path style: " + (S3PathStyle.Value ? "on" : "off"))
        + (S3AccessKeyId is null ? "" : "; s3 credential: set")
        + (Password is null ? "" : "; password: set")
        + (Encryption is null ? "" : "; " + Encryption)
        + (CompressionLevel is null ? "" : "; zstd level " + CompressionLevel.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>
/// How a side is encrypted at rest: rclone's crypt format with a password, an optional salt password (rclone's
/// <c>password2</c>) and a name encryption mode. Front ends fill it from <c>SYNCENGINE_CRYPT_PASSWORD</c> /
/// <c>SYNCENGINE_CRYPT_PASSWORD2</c> or a PowerShell SecureString/credential, never from a command line. The
/// passwords are never shown: <see cref="ToString"/> names the mode only.
/// </summary>
public sealed class SideEncryption
{
    /// <summary>The environment variable the password is read from.</summary>
    public const string PasswordVariable = "SYNCENGINE_CRYPT_PASSWORD";

    /// <summary>The environment variable the salt password is read from.</summary>
    public const string SaltPasswordVariable = "SYNCENGINE_CRYPT_PASSWORD2";

    /// <summary>Creates the options; the password must not be empty.</summary>
    public SideEncryption(string password, string? saltPassword = null, Crypt.CryptNameEncryption names = Crypt.CryptNameEncryption.Standard)
    {
        if (string.IsNullOrEmpty(password))
        {
            throw new SyncEngineException("SyncCryptPasswordMissing", SyncErrorKind.InvalidArgument,
                $"Encryption needs a password: set {PasswordVariable} (and {SaltPasswordVariable} for a salt password) or give -Password/-CryptCredential. It is never taken from a command line.");
        }

        Password = password;
        SaltPassword = string.IsNullOrEmpty(saltPassword) ? null : saltPassword;
        Names = names;
    }

    /// <summary>The password (rclone's <c>password</c>).</summary>
    public string Password { get; }

    /// <summary>The salt password (rclone's <c>password2</c>), or null for rclone's default salt.</summary>
    public string? SaltPassword { get; }

    /// <summary>How names are stored.</summary>
    public Crypt.CryptNameEncryption Names { get; }

    /// <summary>"encrypted (names standard)" and whether a salt password is set; never a password.</summary>
    public override string ToString() => "encrypted (names " + (Names == Crypt.CryptNameEncryption.Standard ? "standard" : "off") + (SaltPassword is null ? "" : ", salt password set") + ")";
}
