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
    public string? Password { get; init; }

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
    public string? S3AccessKeyId { get; init; }

    /// <summary>The options for messages: what is set, and whether a password or secret is set (never the secret itself).</summary>
    public override string ToString() =>
        "keys: " + (KeyFiles.Count == 0 ? "(default)" : string.Join(", ", KeyFiles))
        + "; known_hosts: " + (KnownHostsFile ?? "(default)")
        + (AcceptNewHostKey ? "; accept new host key" : "")
        + (S3Endpoint is null ? "" : "; s3 endpoint: " + S3Endpoint)
        + (S3Region is null ? "" : "; s3 region: " + S3Region)
        + (S3PathStyle is null ? "" : "; s3 path style: " + (S3PathStyle.Value ? "on" : "off"))
        + (S3AccessKeyId is null ? "" : "; s3 credential: set")
        + (Password is null ? "" : "; password: set");
}
