using System;
using System.Collections.Generic;
using System.Globalization;

namespace SyncEngine.Storage.Sftp;

/// <summary>
/// How to reach an SFTP server: host, port, user, key files, known_hosts file and the pool size. A password is not
/// an option here: it is given to <see cref="SftpStorageProvider"/>'s constructor only, so options can be shown or
/// logged without a secret in them.
/// </summary>
public sealed class SftpConnectionOptions
{
    /// <summary>The server's host name or address.</summary>
    public string Host { get; init; } = "";

    /// <summary>The server's port (22 by default).</summary>
    public int Port { get; init; } = 22;

    /// <summary>The user to log in as.</summary>
    public string User { get; init; } = "";

    /// <summary>Private key files (OpenSSH, PEM or PuTTY format, without a passphrase) tried in order.</summary>
    public IReadOnlyList<string> PrivateKeyFiles { get; init; } = Array.Empty<string>();

    /// <summary>
    /// The OpenSSH known_hosts file the server's host key is checked against (the front end's default is
    /// <c>~/.ssh/known_hosts</c>). A host it does not list is refused unless <see cref="AcceptNewHostKey"/>.
    /// </summary>
    public string KnownHostsFile { get; init; } = "";

    /// <summary>
    /// Adds the key of a host the known_hosts file does not list at all, as OpenSSH's
    /// <c>StrictHostKeyChecking=accept-new</c>; a changed key is refused all the same.
    /// </summary>
    public bool AcceptNewHostKey { get; init; }

    /// <summary>The most SSH connections kept open at once for concurrent transfers (4 by default).</summary>
    public int MaxSessions { get; init; } = 4;

    /// <summary>How long connecting (TCP, key exchange, login) may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one SFTP request may wait for the server's answer.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary><c>user@host</c>, with <c>:port</c> when it is not 22.</summary>
    public override string ToString() =>
        User + "@" + Host + (Port == 22 ? "" : ":" + Port.ToString(CultureInfo.InvariantCulture));
}
