using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace SyncEngine.Storage.Sftp;

/// <summary>
/// One folder on an SFTP server (SSH.NET) as a side of a pair. Host keys are checked against a known_hosts file;
/// login is by key file or by a password given to the constructor only (never logged, never in a message). Writes go
/// to a temporary name in the target's folder, get their modification time by setstat and are renamed into place with
/// <c>posix-rename@openssh.com</c> (replace) or a plain SFTP rename (which refuses an existing target). SFTP v3 keeps
/// whole seconds, so <see cref="StorageCapabilities.MtimePrecision"/> is one second. Symbolic links and special files
/// are listed as such and never followed. Concurrent operations share a small pool of connections; a dropped
/// connection is replaced for the next operation, and reads are retried once on a new one.
/// </summary>
public sealed class SftpStorageProvider : IStorageProvider, ITemporaryFileNaming
{
    private static readonly char[] Slash = { '/' };
    private static readonly DateTime Epoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime EndOfTime = Epoch.AddSeconds(uint.MaxValue);

    private static readonly StorageCapabilities SftpCapabilities = new()
    {
        CaseSensitive = true,
        WindowsNames = false,
        MtimePrecision = TimeSpan.FromSeconds(1),
        Rename = RenameSupport.Cheap,
        HasFolders = true,
        PosixPermissions = true,
    };

    private readonly string _remoteRoot;
    private readonly SftpSessionPool _pool;
    private readonly ConcurrentQueue<string> _leftovers = new();
    private readonly ConcurrentDictionary<string, byte> _createdFolders = new(StringComparer.Ordinal);
    private TemporaryNames _names = TemporaryNames.Unrecorded();

    /// <summary>Opens a folder on an SFTP server as one side of a pair (connects on first use).</summary>
    /// <param name="options">Server, user, key files, known_hosts file.</param>
    /// <param name="remoteRoot">The folder's absolute path on the server.</param>
    /// <param name="password">
    /// The password, when logging in by password: only from <c>SYNCENGINE_SFTP_PASSWORD</c> or a credential, never
    /// from a command line. Kept in memory for reconnecting, cleared on <see cref="Dispose"/>, never shown.
    /// </param>
    public SftpStorageProvider(SftpConnectionOptions options, string remoteRoot, string? password = null)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if (string.IsNullOrEmpty(options.Host) || string.IsNullOrEmpty(options.User) || options.Port is < 1 or > 65535)
        {
            throw new SyncEngineException("SyncSftpOptionsInvalid", SyncErrorKind.InvalidArgument,
                $"An SFTP side needs a host, a user and a port from 1 to 65535 (got '{options}').", options.ToString());
        }

        if (string.IsNullOrEmpty(options.KnownHostsFile))
        {
            throw new SyncEngineException("SyncSftpOptionsInvalid", SyncErrorKind.InvalidArgument,
                $"An SFTP side needs a known_hosts file to check the server's host key ({options}).", options.ToString());
        }

        _remoteRoot = NormalizeRoot(remoteRoot, options);
        Options = options;
        Root = "sftp://" + options + _remoteRoot;
        _pool = new SftpSessionPool(options, password);
    }

    /// <inheritdoc />
    public string Root { get; }

    /// <summary>How the server is reached (no secret in it).</summary>
    public SftpConnectionOptions Options { get; }

    /// <summary>The root folder's absolute path on the server.</summary>
    public string RemoteRoot => _remoteRoot;

    /// <summary>How many connections the pool holds open now (for tests and diagnostics).</summary>
    public int OpenConnections => _pool.OpenConnections;

    /// <inheritdoc />
    public StorageCapabilities Capabilities => SftpCapabilities;


    /// <inheritdoc />
    public void UseTemporaryNames(TemporaryNames names) => _names = names;

    private static string NormalizeRoot(string remoteRoot, SftpConnectionOptions options)
    {
        var root = remoteRoot ?? "";
        var trimmed = root.Length > 1 ? root.TrimEnd('/') : root;
        var problem = trimmed.Length == 0 || trimmed[0] != '/' ? "it is not an absolute path"
            : trimmed.Length > 1 ? PathRules.ValidateRelative(trimmed.Substring(1)) : null;
        if (problem is not null)
        {
            throw new SyncEngineException("SyncSftpRootInvalid", SyncErrorKind.InvalidArgument,
                $"The SFTP folder '{PathRules.Printable(root)}' on {options} cannot be used: {problem}.", root);
        }

        return trimmed;
    }

    /// <summary>The server path of a relative path, refusing one that would leave the root.</summary>
    private string Remote(string relative)
    {
        PathRules.EnsureRelative(relative);
        return _remoteRoot == "/" ? "/" + relative : _remoteRoot + "/" + relative;
    }

    private string RemoteFolder(string relativeFolder) => relativeFolder.Length == 0 ? _remoteRoot : Remote(relativeFolder);

    private string Shown(string relative) => Root + "/" + relative;

    /// <summary>
    /// Runs one request on a pooled connection, mapping SSH.NET's errors to the IO exceptions the engine handles. A
    /// dropped connection is left out of the pool; an <paramref name="idempotent"/> request is then tried once more on
    /// a new connection, any other fails (the engine retries the action or reports it, never records it as done).
    /// </summary>
    private T Use<T>(string relative, bool idempotent, Func<SftpClient, T> request)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var lease = _pool.Rent();
            try
            {
                return request(lease.Client);
            }
            catch (Exception ex) when (SftpSessionPool.IsDropped(ex, lease.Client))
            {
                lease.MarkBroken();
                if (!idempotent || attempt >= 1)
                {
                    throw new IOException($"The connection to {Options} was lost while working on '{Shown(relative)}': {ex.Message}", ex);
                }
            }
            catch (SshException ex)
            {
                throw Map(ex, relative);
            }
        }
    }

    private void Use(string relative, bool idempotent, Action<SftpClient> request) =>
        Use(relative, idempotent, c =>
        {
            request(c);
            return 0;
        });

    /// <summary>An SFTP status as the exception the engine expects for it.</summary>
    private Exception Map(SshException ex, string relative) => ex switch
    {
        SftpPathNotFoundException => new FileNotFoundException($"'{Shown(relative)}' does not exist.", Shown(relative), ex),
        SftpPermissionDeniedException => new UnauthorizedAccessException($"The server denied access to '{Shown(relative)}'.", ex),
        _ => new IOException($"The server refused an operation on '{Shown(relative)}': {ex.Message}", ex),
    };

    /// <summary>
    /// A failed write as the engine expects it. SFTP v3 has no "disk full" status (OpenSSH answers ENOSPC and EDQUOT
    /// with a bare "Failure"), so a failure while writing is taken for a full disk when the server's statvfs
    /// (statvfs@openssh.com) shows less than <see cref="FullBelowBytes"/> available for the file's folder: the engine
    /// then reports SyncDiskFull and does not retry the copy against a full disk.
    /// </summary>
    private Exception MapWrite(SshException ex, string relative, SftpClient client)
    {
        if (ex is SftpPathNotFoundException or SftpPermissionDeniedException || AvailableBytes(client, relative) is not < FullBelowBytes)
        {
            return Map(ex, relative);
        }

        return new IOException($"No space left on the server {Options} for '{Shown(relative)}': {ex.Message}", ex);
    }

    private const long FullBelowBytes = 1 << 20;

    /// <summary>The bytes available to this login in a file's folder on the server, or null when the server does not say.</summary>
    private long? AvailableBytes(SftpClient client, string relative)
    {
        try
        {
            var fs = client.GetStatus(RemoteFolder(PathRules.Parent(relative)));
            var unit = fs.FileSystemBlockSize != 0 ? fs.FileSystemBlockSize : fs.BlockSize;
            return fs.AvailableBlocks > (ulong)long.MaxValue / Math.Max(unit, 1UL) ? long.MaxValue : (long)(fs.AvailableBlocks * unit);
        }
        catch (Exception e) when (e is SshException or NotSupportedException or InvalidOperationException or IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public bool RootExists()
    {
        var attributes = Use("", idempotent: true, c => RawSftp.TryLStat(c, _remoteRoot));
        if (attributes is null)
        {
            return false;
        }

        // The root itself may be reached through a link (as a local root may); nothing below it is.
        return attributes.IsDirectory || (attributes.IsSymbolicLink && Use("", idempotent: true, c => RawSftp.CanList(c, _remoteRoot)));
    }

    /// <inheritdoc />
    public void CreateRoot()
    {
        var parts = _remoteRoot.Split(Slash, StringSplitOptions.RemoveEmptyEntries);
        var path = "";
        foreach (var part in parts)
        {
            path += "/" + part;
            var current = path;
            Use("", idempotent: true, c =>
            {
                if (RawSftp.TryLStat(c, current) is null)
                {
                    try
                    {
                        RawSftp.MkDir(c, current);
                    }
                    catch (SshException) when (RawSftp.TryLStat(c, current) is not null)
                    {
                        // Made meanwhile by someone else: fine.
                    }
                }
            });
        }
    }

    /// <inheritdoc />
    public IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken)
    {
        var side = SyncSide.Source; // The scanner rewrites the side of issues; the provider does not know it.
        var stack = new Stack<string>();
        stack.Push("");
        while (stack.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rel = stack.Pop();
            List<KeyValuePair<string, SftpFileAttributes>> items;
            try
            {
                var folder = RemoteFolder(rel);
                items = Use(rel, idempotent: true, c => RawSftp.List(c, folder));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                onIssue(new ScanIssue(side, rel.Length == 0 ? "." : rel, $"folder cannot be read: {ex.Message}", coversSubtree: true));
                continue;
            }

            foreach (var item in items)
            {
                var name = item.Key;
                var attributes = item.Value;
                if (name.IndexOf('\uFFFD') >= 0)
                {
                    var shown = rel.Length == 0 ? name : rel + "/" + name;
                    onIssue(new ScanIssue(side, shown, "name is not valid UTF-8: not synchronized", coversSubtree: attributes.IsDirectory));
                    continue;
                }

                var childRel = Admit(rel, name, side, onIssue);
                if (childRel is null)
                {
                    continue;
                }

                var entry = ToEntry(attributes, childRel);
                if (Route(entry, side, includeFolder, stack, onIssue))
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>
    /// The relative path of a listed name, or null when it is left out: the engine's own folder, a temporary file the
    /// pair's record says an interrupted run left (kept for clean-up), or a name that must not be used (reported).
    /// </summary>
    private string? Admit(string rel, string name, SyncSide side, Action<ScanIssue> onIssue) =>
        ListingRules.Admit(rel, name, side, Capabilities.CaseSensitive, _names, _leftovers, onIssue);

    private static bool Route(StorageEntry entry, SyncSide side, Func<string, bool> includeFolder, Stack<string> stack, Action<ScanIssue> onIssue) =>
        ListingRules.Route(entry, side, includeFolder, stack, onIssue);

    private static StorageEntry ToEntry(SftpFileAttributes a, string rel)
    {
        var kind = a.IsRegularFile ? EntryKind.File : a.IsDirectory ? EntryKind.Directory : a.IsSymbolicLink ? EntryKind.SymbolicLink : EntryKind.Special;
        var mtime = a.LastWriteTimeUtc.Kind == DateTimeKind.Utc ? a.LastWriteTimeUtc.Ticks : a.LastWriteTimeUtc.ToUniversalTime().Ticks;
        return new StorageEntry(rel, kind, kind == EntryKind.File ? a.Size : 0, kind == EntryKind.Directory ? 0 : mtime)
        {
            Permissions = kind == EntryKind.File ? PermissionsOf(a) : null,
        };
    }

    /// <summary>The rwx bits (<c>mode &amp; 0777</c>) of a listed file.</summary>
    internal static int PermissionsOf(SftpFileAttributes a) =>
        (a.OwnerCanRead ? 0x100 : 0) | (a.OwnerCanWrite ? 0x80 : 0) | (a.OwnerCanExecute ? 0x40 : 0)
        | (a.GroupCanRead ? 0x20 : 0) | (a.GroupCanWrite ? 0x10 : 0) | (a.GroupCanExecute ? 0x8 : 0)
        | (a.OthersCanRead ? 0x4 : 0) | (a.OthersCanWrite ? 0x2 : 0) | (a.OthersCanExecute ? 0x1 : 0);

    /// <summary>Makes a file just created readable and writable by its owner only (before any content is written), by fsetstat on its handle.</summary>
    private static void OwnerOnly(SftpClient client, SftpFileStream created) =>
        RawSftp.FSetStat(client, created.Handle, RawSftp.NewAttributes(null, 0x180));

    /// <inheritdoc />
    public StorageEntry? Stat(string path)
    {
        var remote = Remote(path);
        var attributes = Use(path, idempotent: true, c => RawSftp.TryLStat(c, remote));
        return attributes is { IsRegularFile: true } ? ToEntry(attributes, path) : null;
    }

    /// <inheritdoc />
    public Stream OpenRead(string path)
    {
        var remote = Remote(path);
        for (var attempt = 0; ; attempt++)
        {
            var lease = _pool.Rent();
            try
            {
                // SFTP's open follows a link at the last name: the name must be a regular file just before.
                if (RawSftp.TryLStat(lease.Client, remote) is { IsRegularFile: false })
                {
                    throw new IOException($"'{Shown(path)}' is not a regular file on the server (a link, folder or special file): not read.");
                }

                var stream = RawSftp.Open(lease.Client, remote, FileMode.Open, FileAccess.Read);
                return new LeasedStream(stream, lease, this, path);
            }
            catch (Exception ex) when (SftpSessionPool.IsDropped(ex, lease.Client))
            {
                lease.MarkBroken();
                lease.Dispose();
                if (attempt >= 1)
                {
                    throw new IOException($"The connection to {Options} was lost while opening '{Shown(path)}': {ex.Message}", ex);
                }
            }
            catch (SshException ex)
            {
                lease.Dispose();
                throw Map(ex, path);
            }
            catch
            {
                lease.Dispose();
                throw;
            }
        }
    }

    /// <inheritdoc />
    public IStagedWrite BeginWrite(string path)
    {
        Remote(path);
        return new SftpStagedWrite(this, path);
    }

    /// <summary>A temporary name carrying this pair's and this run's tags (<see cref="TemporaryNames"/>).</summary>
    private string NewTempName() => _names.NewName();

    /// <summary>
    /// Makes sure a folder (relative) exists as a real folder, creating what is missing, once per run per folder. A
    /// folder on the way that is a symbolic link or a file is refused: nothing is written through a link.
    /// </summary>
    private void EnsureFolder(string relativeFolder)
    {
        if (relativeFolder.Length == 0 || _createdFolders.ContainsKey(relativeFolder))
        {
            return;
        }

        var parts = relativeFolder.Split('/');
        var rel = "";
        foreach (var part in parts)
        {
            rel = rel.Length == 0 ? part : rel + "/" + part;
            if (_createdFolders.ContainsKey(rel))
            {
                continue;
            }

            var remote = Remote(rel);
            var current = rel;
            Use(rel, idempotent: true, c =>
            {
                var a = RawSftp.TryLStat(c, remote);

                if (a is null)
                {
                    try
                    {
                        RawSftp.MkDir(c, remote);
                        return;
                    }
                    catch (SshException)
                    {
                        a = RawSftp.LStat(c, remote); // made meanwhile by another worker (or the error stands)
                    }
                }

                if (!a.IsDirectory)
                {
                    throw NoFollowFolders.Unsafe(relativeFolder, current);
                }
            });
            _createdFolders.TryAdd(rel, 0);
        }
    }

    /// <summary>Forgets that a folder (and those below it) was made, after it was removed.</summary>
    private void ForgetFolder(string relativeFolder)
    {
        foreach (var key in _createdFolders.Keys)
        {
            if (key == relativeFolder || key.StartsWith(relativeFolder + "/", StringComparison.Ordinal))
            {
                _createdFolders.TryRemove(key, out _);
            }
        }
    }

    /// <summary>A modification time as SFTP v3 keeps it (whole seconds from 1970 to 2106), or an error naming the file.</summary>
    private DateTime WholeSeconds(string relative, DateTime lastWriteTimeUtc)
    {
        var utc = lastWriteTimeUtc.Kind == DateTimeKind.Local ? lastWriteTimeUtc.ToUniversalTime() : DateTime.SpecifyKind(lastWriteTimeUtc, DateTimeKind.Utc);
        if (utc < Epoch || utc >= EndOfTime)
        {
            throw new IOException(string.Format(CultureInfo.InvariantCulture,
                "The modification time {0:o} of '{1}' cannot be kept over SFTP, which stores whole seconds from 1970 to 2106.", utc, Shown(relative)));
        }

        return new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }

    /// <summary>Sets a server file's modification time (and permission bits) by one setstat (no lstat first).</summary>
    private void SetTimeAndMode(string relative, string remote, DateTime lastWriteTimeUtc, int? permissions)
    {
        var attributes = RawSftp.NewAttributes(WholeSeconds(relative, lastWriteTimeUtc), permissions);
        Use(relative, idempotent: true, c => RawSftp.SetStat(c, remote, attributes));
    }

    /// <summary>
    /// Renames on the server: <c>posix-rename@openssh.com</c> to replace, a plain SFTP rename (which the server
    /// refuses when the target exists) otherwise.
    /// </summary>
    private void Rename(string fromRelative, string fromRemote, string toRelative, string toRemote, bool overwrite)
    {
        try
        {
            Use(fromRelative, idempotent: false, c =>
            {
                if (overwrite)
                {
                    RawSftp.PosixRename(c, fromRemote, toRemote);
                }
                else
                {
                    RawSftp.Rename(c, fromRemote, toRemote);
                }
            });
        }
        catch (IOException ex) when (ex is not FileNotFoundException && !overwrite && Stat(toRelative) is not null)
        {
            throw new IOException($"'{Shown(toRelative)}' already exists.", ex);
        }
        catch (NotSupportedException ex)
        {
            throw new IOException($"The server of {Options} cannot replace a file by renaming (no posix-rename@openssh.com extension): '{Shown(toRelative)}' was not written.", ex);
        }
    }

    /// <inheritdoc />
    public void Move(string fromPath, string toPath, bool overwrite)
    {
        var from = Remote(fromPath);
        var to = Remote(toPath);
        EnsureFolder(PathRules.Parent(toPath));
        Rename(fromPath, from, toPath, to, overwrite);
    }

    /// <inheritdoc />
    /// <remarks>
    /// SFTP has no hard links to offer (OpenSSH's <c>hardlink@openssh.com</c> is not reachable through SSH.NET), so the
    /// copy is streamed from the server and back: the copy is created exclusively, gets the original's time and
    /// permission bits, and is removed again if the copy fails.
    /// </remarks>
    public void PreserveCopy(string path, string copyPath)
    {
        var from = Remote(path);
        var to = Remote(copyPath);
        EnsureFolder(PathRules.Parent(copyPath));
        var original = Use(path, idempotent: true, c => RawSftp.LStat(c, from));
        if (!original.IsRegularFile)
        {
            throw new IOException($"'{Shown(path)}' is not a regular file.");
        }

        var created = false;
        try
        {
            using (var input = OpenRead(path))
            {
                using var lease = _pool.Rent();
                try
                {
                    using var output = RawSftp.Open(lease.Client, to, FileMode.CreateNew, FileAccess.Write);
                    created = true;
                    OwnerOnly(lease.Client, output);
                    input.CopyTo(output, 1 << 18);
                }
                catch (Exception ex) when (SftpSessionPool.IsDropped(ex, lease.Client))
                {
                    lease.MarkBroken();
                    throw new IOException($"The connection to {Options} was lost while copying '{Shown(path)}': {ex.Message}", ex);
                }
                catch (SshException ex)
                {
                    throw Map(ex, copyPath);
                }
            }

            SetTimeAndMode(copyPath, to, original.LastWriteTimeUtc, PermissionsOf(original));
        }
        catch when (created)
        {
            TryDelete(copyPath);
            throw;
        }

    }

    private void TryDelete(string relative)
    {
        try
        {
            Delete(relative);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
        {
        }
    }

    /// <inheritdoc />
    public void Delete(string path)
    {
        var remote = Remote(path);
        Use(path, idempotent: false, c =>
        {
            try
            {
                RawSftp.Remove(c, remote);
            }
            catch (SftpPathNotFoundException)
            {
                // Already gone, as the local side ignores ENOENT.
            }
        });
    }

    /// <inheritdoc />
    public void RemoveEmptyParents(string path)
    {
        var rel = PathRules.Parent(path);
        while (rel.Length > 0)
        {
            var remote = Remote(rel);
            try
            {
                // rmdir refuses a folder that is not empty, and a link: no listing needed.
                Use(rel, idempotent: false, c => RawSftp.RmDir(c, remote));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
            {
                return;
            }

            ForgetFolder(rel);
            rel = PathRules.Parent(rel);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Where the server runs commands and has <c>sha256sum</c> (probed once per provider), the hash is computed there,
    /// as rclone does, and no content crosses the network; otherwise, or when that run fails in any way, the file is
    /// read.
    /// </remarks>
    public string ComputeHash(string path, CancellationToken cancellationToken)
    {
        var remote = Remote(path);
        var computed = ServerSha256(path, remote);
        if (computed is not null)
        {
            return computed;
        }

        using var stream = OpenRead(path);
        return Hashing.Sha256Hex(stream, cancellationToken);
    }

    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>A name with every character the quoting must survive: the probe echoes it back through the login shell.</summary>
    private const string QuotingSample = "-a'b\\'c\"d\n$e`f` *?;&|<>(g)\\";

    private int _serverHashing; // 0 not probed yet, 1 the server hashes, -1 it does not

    private int _serverHashes;

    /// <summary>How many hashes the server computed (for tests).</summary>
    internal int ServerHashes => Volatile.Read(ref _serverHashes);

    /// <summary>
    /// The file's SHA-256 computed on the server by <c>sha256sum</c>, or null when that is not possible here (the
    /// caller then reads the file). Like <see cref="OpenRead"/>, only a regular file is hashed (sha256sum would follow
    /// a link). The output must be the one line sha256sum prints for exactly this path, else it is not used.
    /// </summary>
    private string? ServerSha256(string relative, string remote)
    {
        if (!ServerHashes256())
        {
            return null;
        }

        if (Use(relative, idempotent: true, c => RawSftp.TryLStat(c, remote)) is not { IsRegularFile: true })
        {
            return null;
        }

        var run = _pool.Exec("sha256sum -- " + ShellQuote(remote), Options.OperationTimeout);
        var hash = run is { Exit: 0 } done ? ParseSha256sumLine(done.Output, remote) : null;
        if (hash is not null)
        {
            Interlocked.Increment(ref _serverHashes);
        }

        return hash;
    }

    /// <summary>
    /// Whether the server hashes: asked once per provider. One exec runs a POSIX-shell <c>printf</c> of a sample
    /// full of quotes, a newline, a leading dash and shell syntax (so a login shell that would read our quoting
    /// otherwise is found out) and <c>sha256sum</c> of <c>/dev/null</c>; both answers must be exactly as expected.
    /// A server without a shell (<c>ForceCommand internal-sftp</c>), without <c>sha256sum</c>, or refusing exec
    /// channels answers otherwise, and its files are read.
    /// </summary>
    private bool ServerHashes256()
    {
        var known = Volatile.Read(ref _serverHashing);
        if (known != 0)
        {
            return known > 0;
        }

        var probe = _pool.Exec("printf '%s\\n' " + ShellQuote(QuotingSample) + " && sha256sum -- /dev/null", TimeSpan.FromSeconds(15));
        var works = probe is { Exit: 0 } p && p.Output == QuotingSample + "\n" + EmptySha256 + "  /dev/null\n";
        Interlocked.CompareExchange(ref _serverHashing, works ? 1 : -1, 0);
        return Volatile.Read(ref _serverHashing) > 0;
    }

    /// <summary>A word for a POSIX shell that stands for exactly <paramref name="text"/>: single quotes, a quote inside as <c>'\''</c>.</summary>
    internal static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''") + "'";

    /// <summary>
    /// The hash from sha256sum's output for one file, or null when the output is not exactly one line for
    /// <paramref name="remote"/>: 64 lowercase hex digits, two spaces (or space and <c>*</c>), the name. GNU sha256sum
    /// starts the line with a backslash when it escaped the name (<c>\\</c>, <c>\n</c>, <c>\r</c>).
    /// </summary>
    internal static string? ParseSha256sumLine(string output, string remote)
    {
        if (output.Length == 0 || output[output.Length - 1] != '\n' || output.IndexOf('\n') != output.Length - 1)
        {
            return null;
        }

        var line = output.Substring(0, output.Length - 1);
        var escaped = line.StartsWith("\\", StringComparison.Ordinal);
        if (escaped)
        {
            line = line.Substring(1);
        }

        if (line.Length < 66 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*'))
        {
            return null;
        }

        var hash = line.Substring(0, 64);
        if (hash.Any(ch => !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))))
        {
            return null;
        }

        var name = line.Substring(66);
        if (escaped)
        {
            var unescaped = new System.Text.StringBuilder(name.Length);
            for (var i = 0; i < name.Length; i++)
            {
                if (name[i] != '\\')
                {
                    unescaped.Append(name[i]);
                    continue;
                }

                if (++i >= name.Length)
                {
                    return null;
                }

                switch (name[i])
                {
                    case '\\': unescaped.Append('\\'); break;
                    case 'n': unescaped.Append('\n'); break;
                    case 'r': unescaped.Append('\r'); break;
                    default: return null;
                }
            }

            name = unescaped.ToString();
        }

        return string.Equals(name, remote, StringComparison.Ordinal) ? hash : null;
    }

    /// <inheritdoc />

    /// <inheritdoc />
    /// <remarks>
    /// As on a local side: only listed leftovers of this pair's interrupted runs are removed, and trash folders are
    /// aged by the time clean-up saw pass (the ledger <c>.syncengine/trash-ages.json</c> is kept on the server), never
    /// by one reading of the clock. The engine folder and its trash must be real folders; nothing is purged through a
    /// link, and a purge removes links it meets, never what they point to.
    /// </remarks>
    public void CleanUp(CancellationToken cancellationToken)
    {
        while (_leftovers.TryDequeue(out var rel))
        {
            if (_names.IsLeftover(PathRules.FileName(rel)))
            {
                TryDelete(rel);
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListEngineFolders(string engineFolder)
    {
        var relative = PathRules.EngineFolder + "/" + engineFolder;
        PathRules.EnsureRelative(relative);
        if (!AllRealFolders(relative))
        {
            return Array.Empty<string>();
        }

        var remote = Remote(relative);
        return Use(relative, idempotent: true, c => RawSftp.List(c, remote)
            .Where(f => f.Value.IsDirectory) // lstat: a link is never a folder here
            .Select(f => f.Key)
            .ToList());
    }

    /// <inheritdoc />
    public void DeleteEngineFolder(string engineFolder, CancellationToken cancellationToken)
    {
        var relative = PathRules.EngineFolder + "/" + engineFolder;
        PathRules.EnsureRelative(relative);
        if (!AllRealFolders(PathRules.Parent(relative)))
        {
            throw new IOException($"'{PathRules.Parent(relative)}' on {Root} is not a real folder; nothing in it is deleted.");
        }

        DeleteTree(relative, cancellationToken);
    }

    /// <summary>Whether the folder and every folder above it up to the root is a real folder (lstat), not a link.</summary>
    private bool AllRealFolders(string relative)
    {
        for (var folder = relative; folder.Length > 0; folder = PathRules.Parent(folder))
        {
            if (!IsRealFolder(folder))
            {
                return false;
            }
        }

        return true;
    }

    private bool IsRealFolder(string relative)
    {
        try
        {
            var remote = Remote(relative);
            return Use(relative, idempotent: true, c => RawSftp.TryLStat(c, remote) is { IsDirectory: true });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Removes a folder and everything in it, removing links as links (lstat listing), never following them.</summary>
    private void DeleteTree(string relative, CancellationToken cancellationToken)
    {
        var remote = Remote(relative);
        var items = Use(relative, idempotent: true, c => RawSftp.List(c, remote));
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var child = relative + "/" + item.Key;
            if (item.Value.IsDirectory)
            {
                DeleteTree(child, cancellationToken);
            }
            else
            {
                Delete(child);
            }
        }

        Use(relative, idempotent: false, c => RawSftp.RmDir(c, remote));
        ForgetFolder(relative);
    }

    /// <inheritdoc />
    public void Dispose() => _pool.Dispose();

    /// <summary>
    /// A server file stream that holds its pooled connection until disposed and reports SSH.NET's errors as IO
    /// errors (a dropped connection marks the connection for replacement).
    /// </summary>
    private sealed class LeasedStream : Stream
    {
        private readonly SftpFileStream _inner;
        private readonly SftpSessionPool.Lease _lease;
        private readonly SftpStorageProvider _owner;
        private readonly string _relative;
        private readonly bool _writing;
        private bool _disposed;

        public LeasedStream(SftpFileStream inner, SftpSessionPool.Lease lease, SftpStorageProvider owner, string relative)
        {
            // Whether this stream writes, fixed now: SftpFileStream.CanWrite turns false once it is disposed, and a
            // write the server refused (a full disk) may be reported only by the close in Dispose, still a write error.
            _writing = inner.CanWrite;
            _inner = inner;
            _lease = lease;
            _owner = owner;
            _relative = relative;
        }

        public SftpFileStream Inner => _inner;

        public override bool CanRead => _inner.CanRead;

        public override bool CanSeek => _inner.CanSeek;

        public override bool CanWrite => _inner.CanWrite;

        public override long Length => Guard(() => _inner.Length);

        public override long Position
        {
            get => _inner.Position;
            set => Guard(() => _inner.Position = value);
        }

        public override int Read(byte[] buffer, int offset, int count) => Guard(() => _inner.Read(buffer, offset, count));

        public override void Write(byte[] buffer, int offset, int count) => Guard(() =>
        {
            _inner.Write(buffer, offset, count);
            return 0;
        });

        public override void Flush() => Guard(() =>
        {
            _inner.Flush();
            return 0;
        });

        public override long Seek(long offset, SeekOrigin origin) => Guard(() => _inner.Seek(offset, origin));

        public override void SetLength(long value) => Guard(() =>
        {
            _inner.SetLength(value);
            return 0;
        });

        /// <summary>
        /// Ends a write: sends what is buffered, sets the attributes on the open handle (fsetstat), then sends fstat and
        /// close back to back (answered in order: one round trip) and gives the connection back. Returns the fstat.
        /// </summary>
        public SftpFileAttributes Finish(SftpFileAttributes attributes)
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(LeasedStream));
            }

            _disposed = true;
            try
            {
                return Guard(() =>
                {
                    _inner.Flush();
                    RawSftp.FSetStat(_lease.Client, _inner.Handle, attributes);
                    var stat = RawSftp.FStatAsync(_lease.Client, _inner.Handle);
                    try
                    {
                        _inner.Dispose();
                    }
                    catch
                    {
                        stat.ContinueWith(static t => _ = t.Exception, System.Threading.Tasks.TaskScheduler.Default);
                        throw;
                    }

                    return stat.GetAwaiter().GetResult();
                }, _writing);
            }
            catch
            {
                // Close the handle on the server if it is still open (the caller removes the temporary file).
                try
                {
                    _inner.Dispose();
                }
                catch (Exception ex) when (ex is SshException or IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
                {
                }

                throw;
            }
            finally
            {
                _lease.Dispose();
            }
        }

        private T Guard<T>(Func<T> operation) => Guard(operation, _writing);

        private T Guard<T>(Func<T> operation, bool writing)
        {
            try
            {
                return operation();
            }
            catch (Exception ex) when (SftpSessionPool.IsDropped(ex, _lease.Client))
            {
                _lease.MarkBroken();
                throw new IOException($"The connection to {_owner.Options} was lost while transferring '{_owner.Shown(_relative)}': {ex.Message}", ex);
            }
            catch (SshException ex)
            {
                throw writing ? _owner.MapWrite(ex, _relative, _lease.Client) : _owner.Map(ex, _relative);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                try
                {
                    Guard(() =>
                    {
                        _inner.Dispose();
                        return 0;
                    });
                }
                finally
                {
                    _lease.Dispose();
                }
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A file written under a temporary name in its target folder on the server, renamed into place on commit.</summary>
    private sealed class SftpStagedWrite : IStagedWrite
    {
        private readonly SftpStorageProvider _owner;
        private readonly string _relative;
        private string _tempRelative;
        private LeasedStream? _stream;
        private bool _created;
        private bool _committed;

        public SftpStagedWrite(SftpStorageProvider owner, string relative)
        {
            _owner = owner;
            _relative = relative;
            _tempRelative = TempBeside(owner.NewTempName());
        }

        private string TempBeside(string name)
        {
            var parent = PathRules.Parent(_relative);
            return parent.Length == 0 ? name : parent + "/" + name;
        }

        /// <inheritdoc />
        public int? Permissions { get; set; }

        /// <inheritdoc />

        /// <inheritdoc />
        public Stream Stream
        {
            get
            {
                if (_stream is null)
                {
                    _owner.EnsureFolder(PathRules.Parent(_relative));
                    try
                    {
                        _stream = Create();
                    }
                    catch (FileNotFoundException)
                    {
                        // The folder was removed since this run made it: make it again.
                        _owner.ForgetFolder(PathRules.Parent(_relative));
                        _owner.EnsureFolder(PathRules.Parent(_relative));
                        _stream = Create();
                    }

                    _created = true;
                }

                return _stream;
            }
        }

        private LeasedStream Create()
        {
            for (var attempt = 0; ; attempt++)
            {
                var remote = _owner.Remote(_tempRelative);
                var lease = _owner._pool.Rent();
                try
                {
                    var stream = RawSftp.Open(lease.Client, remote, FileMode.CreateNew, FileAccess.Write);
                    if (Permissions is not null)
                    {
                        // Owner-only while the content is written; the final bits are set on commit.
                        OwnerOnly(lease.Client, stream);
                    }

                    return new LeasedStream(stream, lease, _owner, _tempRelative);
                }
                catch (Exception ex) when (SftpSessionPool.IsDropped(ex, lease.Client))
                {
                    lease.MarkBroken();
                    lease.Dispose();
                    throw new IOException($"The connection to {_owner.Options} was lost while writing '{_owner.Shown(_relative)}': {ex.Message}", ex);
                }
                catch (SshException ex) when (ex is not SftpPathNotFoundException && ex is not SftpPermissionDeniedException && attempt < 3)
                {
                    // Something already has this temporary name (a user's file): take the next one.
                    lease.Dispose();
                    _tempRelative = TempBeside(_owner.NewTempName());
                }
                catch (SshException ex)
                {
                    lease.Dispose();
                    throw _owner.Map(ex, _relative);
                }
                catch
                {
                    lease.Dispose();
                    throw;
                }
            }
        }

        /// <inheritdoc />
        /// <remarks>
        /// Round trips: the last write, one fsetstat on the open handle (time and bits), fstat and close sent together,
        /// then the rename. The entry returned is the fstat of the file written (what the server keeps), taken before
        /// the rename, which changes neither size nor time.
        /// </remarks>
        public StorageEntry Commit(DateTime lastWriteTimeUtc, bool overwrite)
        {
            var stream = (LeasedStream)Stream;
            var whole = _owner.WholeSeconds(_relative, lastWriteTimeUtc);
            SftpFileAttributes written;
            try
            {
                written = stream.Finish(RawSftp.NewAttributes(whole, Permissions));
            }
            finally
            {
                _stream = null;
            }

            var tempRemote = _owner.Remote(_tempRelative);
            _owner.Rename(_tempRelative, tempRemote, _relative, _owner.Remote(_relative), overwrite);
            _committed = true;
            if (!written.IsRegularFile)
            {
                throw new IOException($"'{_owner.Shown(_relative)}' is not a regular file right after it was written.");
            }

            return ToEntry(written, _relative);
        }

        /// <inheritdoc />
        public void Dispose()
        {
            try
            {
                _stream?.Dispose();
            }
            catch (IOException)
            {
            }

            _stream = null;
            if (!_committed && _created)
            {
                _owner.TryDelete(_tempRelative);
            }
        }
    }
}
