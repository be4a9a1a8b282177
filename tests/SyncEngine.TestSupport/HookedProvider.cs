using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using SyncEngine.Storage;

namespace SyncEngine.TestSupport;

/// <summary>
/// A decorator over a real <see cref="IStorageProvider"/> (normally <see cref="LocalStorageProvider"/>) that counts
/// content reads, tracks how many writes and moves run at once, and can inject failures or block an operation.
/// </summary>
public sealed class HookedProvider : IStorageProvider, IDurableStorage, ITemporaryFileNaming
{
    private readonly IStorageProvider _inner;
    private int _writesInFlight;
    private int _movesInFlight;
    private int _maxWrites;
    private int _maxMoves;
    private int _openReads;
    private int _stats;
    private int _hashes;
    private int _beginWrites;

    public HookedProvider(IStorageProvider inner) => _inner = inner;

    public HookedProvider(string root)
        : this(new LocalStorageProvider(root))
    {
    }

    /// <summary>Paths handed to <see cref="ComputeHash"/>, in call order.</summary>
    public ConcurrentQueue<string> HashedPaths { get; } = new();

    /// <summary>Paths opened for reading or asked for their local path (a copy's content read), in call order.</summary>
    public ConcurrentQueue<string> ReadPaths { get; } = new();

    /// <summary>Paths written (BeginWrite), in call order.</summary>
    public ConcurrentQueue<string> WrittenPaths { get; } = new();

    public int OpenReadCount => Volatile.Read(ref _openReads);

    public int ComputeHashCount => Volatile.Read(ref _hashes);

    public int BeginWriteCount => Volatile.Read(ref _beginWrites);

    /// <summary>Every way the engine can get at a file's bytes.</summary>
    public int ContentAccessCount => OpenReadCount + ComputeHashCount;

    public int MaxConcurrentWrites => Volatile.Read(ref _maxWrites);

    public int MaxConcurrentMoves => Volatile.Read(ref _maxMoves);

    /// <summary>Called with the path at the start of BeginWrite; throw to make it fail.</summary>
    public Action<string>? OnBeginWrite { get; set; }

    /// <summary>Called with the path just before a staged write is committed; throw to make the commit fail.</summary>
    public Action<string>? OnCommit { get; set; }

    /// <summary>Called with (from, to) before a move.</summary>
    public Action<string, string>? OnMove { get; set; }

    /// <summary>Called after a version was kept (trash or conflict copy), with the path and the copy's path.</summary>
    public Action<string, string>? OnPreserveCopy { get; set; }

    /// <summary>When true, <see cref="TryGetLocalPath"/> returns null so copies go through <see cref="OpenRead"/>.</summary>
    public bool HideLocalPaths { get; set; }

    /// <summary>Makes <see cref="ComputeHash"/> throw <see cref="NotSupportedException"/>, as a side that cannot hash.</summary>
    public bool HashUnavailable { get; set; }

    public string Root => _inner.Root;

    public StorageCapabilities Capabilities => _inner.Capabilities;

    public bool RootExists() => _inner.RootExists();

    public void CreateRoot() => _inner.CreateRoot();

    /// <summary>Folders a listing walked into (the engine's folder filter said yes), in call order.</summary>
    public ConcurrentQueue<string> ListedFolders { get; } = new();

    public IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken) =>
        _inner.Enumerate(
            folder =>
            {
                var walk = includeFolder(folder);
                if (walk)
                {
                    ListedFolders.Enqueue(folder);
                }

                return walk;
            },
            onIssue,
            cancellationToken);

    /// <summary>Stat calls on the user's files (the engine's own folder not counted).</summary>
    public int StatCount => Volatile.Read(ref _stats);

    public StorageEntry? Stat(string path)
    {
        if (!path.StartsWith(PathRules.EngineFolder + "/", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _stats);
        }

        return _inner.Stat(path);
    }

    /// <summary>Reads of the engine's own files (the trash ledger in <c>.syncengine/</c>) are not counted: only the user's files are.</summary>
    public Stream OpenRead(string path)
    {
        if (!path.StartsWith(PathRules.EngineFolder + "/", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _openReads);
            ReadPaths.Enqueue(path);
        }

        return _inner.OpenRead(path);
    }

    public IStagedWrite BeginWrite(string path)
    {
        Interlocked.Increment(ref _beginWrites);
        WrittenPaths.Enqueue(path);
        OnBeginWrite?.Invoke(path);
        var n = Interlocked.Increment(ref _writesInFlight);
        RaiseMax(ref _maxWrites, n);
        try
        {
            return new HookedWrite(this, path, _inner.BeginWrite(path));
        }
        catch
        {
            Interlocked.Decrement(ref _writesInFlight);
            throw;
        }
    }

    public void Move(string fromPath, string toPath, bool overwrite)
    {
        var n = Interlocked.Increment(ref _movesInFlight);
        RaiseMax(ref _maxMoves, n);
        try
        {
            OnMove?.Invoke(fromPath, toPath);
            _inner.Move(fromPath, toPath, overwrite);
        }
        finally
        {
            Interlocked.Decrement(ref _movesInFlight);
        }
    }

    public void PreserveCopy(string path, string copyPath)
    {
        _inner.PreserveCopy(path, copyPath);
        OnPreserveCopy?.Invoke(path, copyPath);
    }

    public void Delete(string path) => _inner.Delete(path);

    public void RemoveEmptyParents(string path) => _inner.RemoveEmptyParents(path);

    public string ComputeHash(string path, CancellationToken cancellationToken)
    {
        if (HashUnavailable)
        {
            throw new NotSupportedException("this side cannot compute content hashes");
        }

        Interlocked.Increment(ref _hashes);
        HashedPaths.Enqueue(path);
        return _inner.ComputeHash(path, cancellationToken);
    }

    public void CleanUp(CancellationToken cancellationToken) => _inner.CleanUp(cancellationToken);

    /// <inheritdoc />
    public IReadOnlyList<string> ListEngineFolders(string engineFolder) => _inner.ListEngineFolders(engineFolder);

    /// <inheritdoc />
    public void DeleteEngineFolder(string engineFolder, CancellationToken cancellationToken) => _inner.DeleteEngineFolder(engineFolder, cancellationToken);

    public void UseTemporaryNames(TemporaryNames names) => (_inner as ITemporaryFileNaming)?.UseTemporaryNames(names);

    public void FlushCompletedWrites() => (_inner as IDurableStorage)?.FlushCompletedWrites();

    public void Dispose() => _inner.Dispose();

    private static void RaiseMax(ref int max, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref max)) < value)
        {
            if (Interlocked.CompareExchange(ref max, value, seen) == seen)
            {
                return;
            }
        }
    }

    private sealed class HookedWrite : ILocalStagedWrite
    {
        private readonly HookedProvider _owner;
        private readonly string _path;
        private readonly IStagedWrite _inner;
        private int _disposed;

        public HookedWrite(HookedProvider owner, string path, IStagedWrite inner)
        {
            _owner = owner;
            _path = path;
            _inner = inner;
        }

        public Stream Stream => _inner.Stream;

        public string? LocalTempPath => _owner.HideLocalPaths ? null : (_inner as ILocalStagedWrite)?.LocalTempPath;

        public int? Permissions { get => _inner.Permissions; set => _inner.Permissions = value; }

        public StorageEntry Commit(DateTime lastWriteTimeUtc, bool overwrite)
        {
            _owner.OnCommit?.Invoke(_path);
            return _inner.Commit(lastWriteTimeUtc, overwrite);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref _owner._writesInFlight);
            }

            _inner.Dispose();
        }
    }
}
