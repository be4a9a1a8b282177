using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Storage;

namespace SyncEngine.TestSupport;

/// <summary>
/// A side held in memory: files (content, modification time, identity) and real folders, with the capabilities a
/// test asks for (case-insensitive names, a coarse modification-time precision, no folders of its own). It keeps
/// the contract's promises the way a remote side must: a write is invisible until it is committed, a commit or move
/// without overwrite refuses an existing target, identities survive a rename. Thread-safe (one lock).
/// With <see cref="StorageCapabilities.MtimeInListing"/> false it behaves like an object store: its listing gives a
/// store time of its own (a counter, as S3's LastModified) and a version tag, and only <see cref="Stat"/> gives a
/// file's own time; with <see cref="ListsMd5"/> its entries carry the content's MD5 as an S3 single-part ETag does.
/// </summary>
public sealed class InMemoryStorageProvider : IStorageProvider
{
    private readonly object _gate = new();
    private readonly Dictionary<string, MemoryFile> _files;
    private readonly HashSet<string> _folders;
    private readonly StringComparer _names;
    private ulong _nextId = 1;
    private long _storeClock = 638_000_000_000_000_000;
    private bool _rootExists;
    private int _stats;
    private int _moves;
    private int _hashes;
    private int _emptyParents;

    /// <summary>Whether entries carry the content's MD5 (<see cref="HashAlgorithms.Md5"/>), as an S3 store lists ETags.</summary>
    public bool ListsMd5 { get; set; }

    /// <summary>Calls of <see cref="Stat"/> so far.</summary>
    public int StatCount => Volatile.Read(ref _stats);

    /// <summary>Calls of <see cref="Move"/> so far.</summary>
    public int MoveCount => Volatile.Read(ref _moves);

    /// <summary>Calls of <see cref="ComputeHash"/> so far.</summary>
    public int ComputeHashCount => Volatile.Read(ref _hashes);

    /// <summary>Calls of <see cref="RemoveEmptyParents"/> so far.</summary>
    public int RemoveEmptyParentsCount => Volatile.Read(ref _emptyParents);

    /// <summary>Paths of every file on the side (committed), sorted.</summary>
    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_gate)
            {
                return _files.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
            }
        }
    }

    /// <summary>Creates an empty side.</summary>
    public InMemoryStorageProvider(string root = "memory://side", StorageCapabilities? capabilities = null, bool rootExists = true)
    {
        Root = root;
        Capabilities = capabilities ?? new StorageCapabilities();
        _names = Capabilities.CaseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;
        _files = new Dictionary<string, MemoryFile>(_names);
        _folders = new HashSet<string>(_names);
        _rootExists = rootExists;
    }

    /// <inheritdoc />
    public string Root { get; }

    /// <inheritdoc />
    public StorageCapabilities Capabilities { get; }

    /// <summary>Number of files (committed) on the side.</summary>
    public int FileCount
    {
        get
        {
            lock (_gate)
            {
                return _files.Count;
            }
        }
    }

    /// <summary>Puts a file on the side directly (test set-up), creating its folders.</summary>
    public void Put(string path, byte[] content, DateTime lastWriteTimeUtc)
    {
        PathRules.EnsureRelative(path);
        lock (_gate)
        {
            EnsureFolders(path);
            var id = _files.TryGetValue(path, out var old) ? old.Id : _nextId++;
            _files.Remove(path);
            _files[path] = new MemoryFile(path, content, Truncate(lastWriteTimeUtc.Ticks), id) { StoreTicks = ++_storeClock };
        }
    }

    /// <summary>A file's content, or null when there is none.</summary>
    public byte[]? Get(string path)
    {
        lock (_gate)
        {
            return _files.TryGetValue(path, out var file) ? (byte[])file.Content.Clone() : null;
        }
    }

    /// <inheritdoc />
    public bool RootExists()
    {
        lock (_gate)
        {
            return _rootExists;
        }
    }

    /// <inheritdoc />
    public void CreateRoot()
    {
        lock (_gate)
        {
            _rootExists = true;
        }
    }

    /// <inheritdoc />
    public IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken)
    {
        List<StorageEntry> snapshot;
        List<string> folders;
        lock (_gate)
        {
            if (!_rootExists)
            {
                throw new DirectoryNotFoundException($"'{Root}' does not exist.");
            }

            snapshot = _files.Values.Select(f => Entry(f, listing: true)).ToList();
            folders = _folders.ToList();
        }

        // Without folders of its own, a store still implies every prefix of a key, and those are what the
        // engine prunes on.
        if (!Capabilities.HasFolders)
        {
            var implied = new HashSet<string>(_names);
            foreach (var entry in snapshot)
            {
                for (var folder = PathRules.Parent(entry.Path); folder.Length > 0; folder = PathRules.Parent(folder))
                {
                    implied.Add(folder);
                }
            }

            folders = implied.ToList();
        }

        // A folder is visited (and may be pruned) before anything below it, as a disk listing does.
        var pruned = new List<string>();
        foreach (var folder in folders.OrderBy(f => f.Count(c => c == '/')).ThenBy(f => f, StringComparer.Ordinal))
        {
            if (pruned.Any(p => IsUnder(folder, p)))
            {
                continue;
            }

            if (!includeFolder(folder))
            {
                pruned.Add(folder);
            }
        }

        foreach (var entry in snapshot.OrderBy(e => e.Path, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!pruned.Any(p => IsUnder(entry.Path, p)))
            {
                yield return entry;
            }
        }
    }

    /// <inheritdoc />
    public StorageEntry? Stat(string path)
    {
        PathRules.EnsureRelative(path);
        Interlocked.Increment(ref _stats);
        lock (_gate)
        {
            return _files.TryGetValue(path, out var file) ? Entry(file, listing: false) : null;
        }
    }

    /// <summary>A file's entry: its own time, or in a listing of a store that does not list it, the store's time and a tag.</summary>
    private StorageEntry Entry(MemoryFile f, bool listing)
    {
        var hashes = ListsMd5 ? ContentHashes.Of(HashAlgorithms.Md5, f.Md5) : null;
        var tag = Capabilities.MtimeInListing ? null : f.Md5 + "@" + f.StoreTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mtime = listing && !Capabilities.MtimeInListing ? f.StoreTicks : f.MtimeTicks;
        return new StorageEntry(f.Path, EntryKind.File, f.Content.LongLength, mtime, Capabilities.MtimeInListing ? f.Id : 0, hashes) { VersionTag = tag };
    }

    /// <inheritdoc />
    public Stream OpenRead(string path)
    {
        PathRules.EnsureRelative(path);
        lock (_gate)
        {
            if (!_files.TryGetValue(path, out var file))
            {
                throw new FileNotFoundException($"'{path}' does not exist on {Root}.", path);
            }

            // The content as it was when opened: a later commit replaces the array, never changes it.
            return new MemoryStream(file.Content, writable: false);
        }
    }

    /// <inheritdoc />
    public IStagedWrite BeginWrite(string path)
    {
        PathRules.EnsureRelative(path);
        return new StagedWrite(this, path);
    }

    /// <inheritdoc />
    public void Move(string fromPath, string toPath, bool overwrite)
    {
        PathRules.EnsureRelative(fromPath);
        PathRules.EnsureRelative(toPath);
        Interlocked.Increment(ref _moves);
        if (Capabilities.Rename == RenameSupport.None)
        {
            throw new NotSupportedException($"{Root} cannot rename ('{fromPath}' -> '{toPath}').");
        }

        lock (_gate)
        {
            if (!_files.TryGetValue(fromPath, out var file))
            {
                throw new FileNotFoundException($"'{fromPath}' does not exist on {Root}.", fromPath);
            }

            var caseOnly = _names.Equals(fromPath, toPath);
            if (!caseOnly && _files.ContainsKey(toPath) && !overwrite)
            {
                throw Exists(toPath);
            }

            _files.Remove(fromPath);
            _files.Remove(toPath);
            EnsureFolders(toPath);
            _files[toPath] = file with { Path = toPath, StoreTicks = ++_storeClock };
        }
    }

    /// <inheritdoc />
    public void PreserveCopy(string path, string copyPath)
    {
        PathRules.EnsureRelative(path);
        PathRules.EnsureRelative(copyPath);
        lock (_gate)
        {
            if (!_files.TryGetValue(path, out var file))
            {
                throw new FileNotFoundException($"'{path}' does not exist on {Root}.", path);
            }

            if (_files.ContainsKey(copyPath))
            {
                throw Exists(copyPath);
            }

            EnsureFolders(copyPath);
            _files[copyPath] = file with { Path = copyPath, Id = _nextId++, StoreTicks = ++_storeClock };
        }
    }

    /// <inheritdoc />
    public void Delete(string path)
    {
        PathRules.EnsureRelative(path);
        lock (_gate)
        {
            _files.Remove(path);
        }
    }

    /// <inheritdoc />
    public void RemoveEmptyParents(string path)
    {
        Interlocked.Increment(ref _emptyParents);
        lock (_gate)
        {
            for (var folder = PathRules.Parent(path); folder.Length > 0; folder = PathRules.Parent(folder))
            {
                var prefix = folder + "/";
                if (_files.Keys.Any(k => k.StartsWith(prefix, Comparison)) || _folders.Any(f => f.StartsWith(prefix, Comparison)))
                {
                    return;
                }

                _folders.Remove(folder);
            }
        }
    }

    /// <inheritdoc />
    public string ComputeHash(string path, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _hashes);
        using var stream = OpenRead(path);
        return Hashing.Sha256Hex(stream, cancellationToken);
    }

    /// <inheritdoc />
    public void CleanUp(CancellationToken cancellationToken)
    {
        // Nothing is left behind: an uncommitted write never reaches the side.
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListEngineFolders(string engineFolder)
    {
        var prefix = PathRules.EngineFolder + "/" + engineFolder + "/";
        lock (_gate)
        {
            // A folder holding files, or (with folders of its own) an empty one: either way a name under the prefix.
            return _files.Keys.Concat(_folders)
                .Where(k => k.StartsWith(prefix, Comparison) && k.Length > prefix.Length)
                .Select(k => k.Substring(prefix.Length).Split('/')[0])
                .Where(n => _files.Keys.Concat(_folders).Any(k => k.StartsWith(prefix + n + "/", Comparison)) || _folders.Contains(prefix + n))
                .Distinct(_names)
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToList();
        }
    }

    /// <inheritdoc />
    public void DeleteEngineFolder(string engineFolder, CancellationToken cancellationToken)
    {
        var folder = PathRules.EngineFolder + "/" + engineFolder;
        PathRules.EnsureRelative(folder);
        lock (_gate)
        {
            foreach (var k in _files.Keys.Where(k => k.StartsWith(folder + "/", Comparison)).ToList())
            {
                _files.Remove(k);
            }

            _folders.RemoveWhere(f => _names.Equals(f, folder) || f.StartsWith(folder + "/", Comparison));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private StringComparison Comparison => Capabilities.CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    private bool IsUnder(string path, string folder) => path.StartsWith(folder + "/", Comparison);

    private long Truncate(long ticks)
    {
        var precision = Math.Max(1, Capabilities.MtimePrecision.Ticks);
        return ticks - (ticks % precision);
    }

    private void EnsureFolders(string path)
    {
        if (!Capabilities.HasFolders)
        {
            return;
        }

        for (var folder = PathRules.Parent(path); folder.Length > 0; folder = PathRules.Parent(folder))
        {
            _folders.Add(folder);
        }
    }

    private static IOException Exists(string path) => new($"'{path}' already exists.") { HResult = 17 };

    private void Commit(string path, byte[] content, long mtimeTicks, bool overwrite, out StorageEntry entry)
    {
        lock (_gate)
        {
            if (_files.TryGetValue(path, out var old) && !overwrite)
            {
                throw Exists(path);
            }

            EnsureFolders(path);
            _files.Remove(path);
            var file = new MemoryFile(path, content, Truncate(mtimeTicks), _nextId++) { StoreTicks = ++_storeClock };
            _files[path] = file;
            entry = Entry(file, listing: false);
        }
    }

    private sealed record MemoryFile(string Path, byte[] Content, long MtimeTicks, ulong Id)
    {
        /// <summary>The store's own time of the last write (an object store's LastModified).</summary>
        public long StoreTicks { get; init; }

        public string Md5 { get; } = Md5Hex(Content);

        private static string Md5Hex(byte[] content)
        {
            using var md5 = System.Security.Cryptography.MD5.Create();
            return Hashing.ToHex(md5.ComputeHash(content));
        }
    }

    private sealed class StagedWrite : IStagedWrite
    {
        private readonly InMemoryStorageProvider _owner;
        private readonly string _path;
        private readonly MemoryStream _buffer = new();
        private bool _done;

        public StagedWrite(InMemoryStorageProvider owner, string path)
        {
            _owner = owner;
            _path = path;
        }

        public Stream Stream => _buffer;

        /// <summary>Accepted and not kept: the in-memory side declares no POSIX permissions.</summary>
        public int? Permissions { get; set; }

        public StorageEntry Commit(DateTime lastWriteTimeUtc, bool overwrite)
        {
            if (_done)
            {
                throw new InvalidOperationException($"The write of '{_path}' was already committed or abandoned.");
            }

            _owner.Commit(_path, _buffer.ToArray(), lastWriteTimeUtc.Ticks, overwrite, out var entry);
            _done = true;
            return entry;
        }

        public void Dispose()
        {
            _done = true;
            _buffer.Dispose();
        }
    }
}
