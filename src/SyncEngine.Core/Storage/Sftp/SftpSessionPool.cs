using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace SyncEngine.Storage.Sftp;

/// <summary>
/// A small pool of SFTP connections to one server, shared by the engine's concurrent workers. An operation takes
/// the least busy connection; a new one is opened (up to <see cref="SftpConnectionOptions.MaxSessions"/>) while every
/// open one is in use. SSH.NET's client sends requests from several threads over one connection, so a full pool is
/// shared, never waited for. A connection found dropped is left out and closed; the next operation opens another.
/// Every connection checks the server's host key against the known_hosts file before it logs in.
/// </summary>
internal sealed class SftpSessionPool : IDisposable
{
    private readonly SftpConnectionOptions _options;
    private readonly byte[]? _password;
    private readonly object _gate = new();
    private readonly List<Slot> _slots = new();
    private readonly object _keysGate = new();
    private List<PrivateKeyFile>? _keys;
    private readonly object _execGate = new();
    private SshClient? _exec;
    private bool _disposed;

    public SftpSessionPool(SftpConnectionOptions options, string? password)
    {
        _options = options;
        _password = password is null ? null : Encoding.UTF8.GetBytes(password);
    }

    /// <summary>How many connections are open (for tests).</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate)
            {
                return _slots.Count(s => !s.Broken && s.Client is not null);
            }
        }
    }

    /// <summary>A connection for one operation (or one open stream); dispose to give it back.</summary>
    public Lease Rent()
    {
        Slot slot;
        lock (_gate)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(SftpStorageProvider));
            }

            Slot? best = null;
            foreach (var s in _slots)
            {
                if (!s.Broken && (best is null || s.Users < best.Users))
                {
                    best = s;
                }
            }

            var live = _slots.Count(s => !s.Broken);
            if (best is null || (best.Users > 0 && live < Math.Max(1, _options.MaxSessions)))
            {
                best = new Slot();
                _slots.Add(best);
            }

            slot = best;
            slot.Users++;
        }

        try
        {
            lock (slot.ConnectGate)
            {
                if (slot.Client is null)
                {
                    slot.Client = Connect();
                }
            }
        }
        catch
        {
            Release(slot, broken: true);
            throw;
        }

        return new Lease(this, slot);
    }

    /// <summary>Whether an exception means the connection is gone (so it is left out and the next operation reconnects).</summary>
    public static bool IsDropped(Exception ex, SftpClient client) =>
        ex is SshConnectionException or SocketException or ObjectDisposedException or SshOperationTimeoutException
        || (ex is SshException or InvalidOperationException && !client.IsConnected);

    private void Release(Slot slot, bool broken)
    {
        SftpClient? close = null;
        lock (_gate)
        {
            slot.Users--;
            if (broken)
            {
                slot.Broken = true;
            }

            if (slot.Broken && slot.Users <= 0)
            {
                _slots.Remove(slot);
                close = slot.Client;
                slot.Client = null;
            }
        }

        Close(close);
    }

    private static void Close(BaseClient? client)
    {
        if (client is null)
        {
            return;
        }

        try
        {
            client.Dispose();
        }
        catch (Exception ex) when (ex is SshException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// Runs one command on the server through an exec channel of a separate SSH connection (opened on first use,
    /// checked against the known_hosts file like every other): its standard input is closed at once, and the answer
    /// is the exit status and standard output, or null when the server runs no command (no shell, no exec channel,
    /// a timeout) or the connection fails. Only for commands that change nothing on the server.
    /// </summary>
    public (int? Exit, string Output)? Exec(string command, TimeSpan timeout)
    {
        SshClient client;
        try
        {
            lock (_execGate)
            {
                if (_disposed)
                {
                    throw new ObjectDisposedException(nameof(SftpStorageProvider));
                }

                if (_exec is { IsConnected: false })
                {
                    Close(_exec);
                    _exec = null;
                }

                _exec ??= Connect(info => new SshClient(info));
                client = _exec;
            }
        }
        catch (SyncEngineException)
        {
            return null;
        }

        try
        {
            using var run = client.CreateCommand(command);
            run.CommandTimeout = timeout;
            var pending = run.BeginExecute();
            run.CreateInputStream().Dispose(); // EOF: a command that reads its input ends instead of waiting
            run.EndExecute(pending);
            return (run.ExitStatus, run.Result);
        }
        catch (Exception ex) when (ex is SshException or SocketException or ObjectDisposedException or InvalidOperationException or System.IO.IOException)
        {
            lock (_execGate)
            {
                if (ReferenceEquals(_exec, client) && (!client.IsConnected || ex is SshOperationTimeoutException))
                {
                    Close(client);
                    _exec = null;
                }
            }

            return null;
        }
    }

    private SftpClient Connect() => Connect(info => new SftpClient(info) { OperationTimeout = _options.OperationTimeout });

    private T Connect<T>(Func<ConnectionInfo, T> create)
        where T : BaseClient
    {
        var target = _options.ToString();
        var methods = new List<AuthenticationMethod>();
        var keys = LoadKeys();
        if (keys.Count > 0)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(_options.User, keys.ToArray()));
        }

        if (_password is not null)
        {
            methods.Add(new PasswordAuthenticationMethod(_options.User, _password));
        }

        if (methods.Count == 0)
        {
            throw new SyncEngineException("SyncSftpNoCredentials", SyncErrorKind.InvalidArgument,
                $"No way to log in to {target}: give a private key file or a password (SYNCENGINE_SFTP_PASSWORD or a credential).", target);
        }

        var info = new ConnectionInfo(_options.Host, _options.Port, _options.User, methods.ToArray())
        {
            Timeout = _options.ConnectTimeout,
        };
        OfferOnlyKnownKeyTypes(info);

        var client = create(info);
        HostKeyVerdict? verdict = null;
        byte[]? presented = null;
        Exception? checkFailure = null;
        client.HostKeyReceived += (_, e) =>
        {
            try
            {
                presented = e.HostKey;
                var found = KnownHosts.Check(_options.KnownHostsFile, _options.Host, _options.Port, e.HostKey);
                if (found == HostKeyVerdict.Unknown && _options.AcceptNewHostKey)
                {
                    KnownHosts.Append(_options.KnownHostsFile, _options.Host, _options.Port, e.HostKey);
                    found = KnownHosts.Check(_options.KnownHostsFile, _options.Host, _options.Port, e.HostKey);
                }

                verdict = found;
                e.CanTrust = found == HostKeyVerdict.Known;
            }
            catch (Exception ex) when (ex is SyncEngineException or System.IO.IOException or UnauthorizedAccessException)
            {
                checkFailure = ex;
                e.CanTrust = false;
            }
        };

        try
        {
            client.Connect();
            return client;
        }
        catch (Exception ex) when (ex is SshException or SocketException or System.IO.IOException or InvalidOperationException or ProxyException)
        {
            Close(client);
            if (checkFailure is SyncEngineException engine)
            {
                throw engine;
            }

            if (checkFailure is not null)
            {
                throw new SyncEngineException("SyncSftpKnownHostsUnreadable", SyncErrorKind.InvalidArgument,
                    $"The known_hosts file '{_options.KnownHostsFile}' cannot be used: {checkFailure.Message}", _options.KnownHostsFile, checkFailure);
            }

            if (verdict is { } v && v != HostKeyVerdict.Known && presented is not null)
            {
                throw HostKeyError(v, presented);
            }

            if (ex is SshAuthenticationException)
            {
                throw new SyncEngineException("SyncSftpLoginRefused", SyncErrorKind.PermissionDenied,
                    $"{target} refused the login ({ex.Message}). Check the user, the key file and that its public key is in the server's authorized_keys.", target, ex);
            }

            throw new SyncEngineException("SyncSftpConnectFailed", SyncErrorKind.IOError,
                $"Cannot connect to {target}: {ex.Message}", target, ex);
        }
    }

    /// <summary>
    /// Where the known_hosts file lists keys for this host, only algorithms of those key types are offered, as
    /// OpenSSH prefers them: a server that also has a key of another type shows the known one, and anything else
    /// is a changed key. Host certificates are never offered (no certificate authority is configured).
    /// </summary>
    private void OfferOnlyKnownKeyTypes(ConnectionInfo info)
    {
        var known = KnownHosts.KnownKeyTypes(_options.KnownHostsFile, _options.Host, _options.Port);
        foreach (var name in info.HostKeyAlgorithms.Keys.ToList())
        {
            var certificate = name.EndsWith("-cert-v01@openssh.com", StringComparison.Ordinal);
            var type = name is "rsa-sha2-512" or "rsa-sha2-256" ? "ssh-rsa" : name;
            if (certificate || (known.Count > 0 && !known.Contains(type)))
            {
                info.HostKeyAlgorithms.Remove(name);
            }
        }
    }

    private SyncEngineException HostKeyError(HostKeyVerdict verdict, byte[] blob)
    {
        var target = _options.ToString();
        var name = KnownHosts.HostName(_options.Host, _options.Port);
        var key = KnownHosts.KeyTypeOf(blob) + " key " + KnownHosts.Fingerprint(blob);
        var file = _options.KnownHostsFile;
        return verdict switch
        {
            HostKeyVerdict.Changed => new SyncEngineException("SyncSftpHostKeyChanged", SyncErrorKind.InvalidArgument,
                $"The host key of {target} has CHANGED: it presented the {key}, and '{file}' lists another key for '{name}'. Someone may be " +
                "intercepting the connection; nothing was changed. If the server's key was replaced on purpose, check the new fingerprint with " +
                $"its administrator and remove the old entry (ssh-keygen -R '{name}' -f '{file}').", target),
            HostKeyVerdict.Revoked => new SyncEngineException("SyncSftpHostKeyRevoked", SyncErrorKind.InvalidArgument,
                $"The host key of {target} ({key}) is marked @revoked in '{file}': refused; nothing was changed.", target),
            _ => new SyncEngineException("SyncSftpHostKeyUnknown", SyncErrorKind.InvalidArgument,
                $"The host key of {target} is not known: it presented the {key}, and '{file}' has no entry for '{name}'; nothing was changed. " +
                "Check the fingerprint with the server's administrator, then add it (connect once with ssh) or run again with the option that accepts a new host key.", target),
        };
    }

    private List<PrivateKeyFile> LoadKeys()
    {
        lock (_keysGate)
        {
            if (_keys is not null)
            {
                return _keys;
            }

            var keys = new List<PrivateKeyFile>();
            foreach (var path in _options.PrivateKeyFiles)
            {
                try
                {
                    keys.Add(new PrivateKeyFile(path));
                }
                catch (SshPassPhraseNullOrEmptyException ex)
                {
                    throw new SyncEngineException("SyncSftpKeyUnusable", SyncErrorKind.InvalidArgument,
                        $"The SSH key file '{path}' is protected by a passphrase, which SyncEngine does not ask for: use a key without one for this pair.", path, ex);
                }
                catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException or SshException or ArgumentException or FormatException or NotSupportedException)
                {
                    throw new SyncEngineException("SyncSftpKeyUnusable", SyncErrorKind.InvalidArgument,
                        $"The SSH key file '{path}' cannot be used: {ex.Message}", path, ex);
                }
            }

            _keys = keys;
            return keys;
        }
    }

    public void Dispose()
    {
        List<Slot> slots;
        lock (_gate)
        {
            _disposed = true;
            slots = _slots.ToList();
            _slots.Clear();
        }

        foreach (var slot in slots)
        {
            Close(slot.Client);
            slot.Client = null;
        }

        lock (_execGate)
        {
            Close(_exec);
            _exec = null;
        }

        lock (_keysGate)
        {
            foreach (var key in _keys ?? new List<PrivateKeyFile>())
            {
                key.Dispose();
            }

            _keys = null;
        }

        if (_password is not null)
        {
            Array.Clear(_password, 0, _password.Length);
        }
    }

    internal sealed class Slot
    {
        public object ConnectGate { get; } = new();

        public SftpClient? Client { get; set; }

        public int Users { get; set; }

        public bool Broken { get; set; }
    }

    /// <summary>One use of a pooled connection.</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly SftpSessionPool _pool;
        private readonly Slot _slot;
        private bool _broken;
        private int _released;

        public Lease(SftpSessionPool pool, Slot slot)
        {
            _pool = pool;
            _slot = slot;
            Client = slot.Client!;
        }

        public SftpClient Client { get; }

        /// <summary>Marks the connection dropped: it is closed once no one uses it, and not handed out again.</summary>
        public void MarkBroken() => _broken = true;

        public void Dispose()
        {
            if (System.Threading.Interlocked.Exchange(ref _released, 1) == 0)
            {
                _pool.Release(_slot, _broken);
            }
        }
    }
}
