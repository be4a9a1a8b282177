using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Storage;

namespace SyncEngine.TestSupport;

/// <summary>The operations of a storage provider that a <see cref="FaultRule"/> can target.</summary>
public enum FaultOp
{
    Enumerate,
    Stat,
    OpenRead,
    /// <summary>A Read call on a stream returned by OpenRead.</summary>
    Read,
    BeginWrite,
    /// <summary>A Write call on a staged write's stream.</summary>
    Write,
    Commit,
    Move,
    PreserveCopy,
    Delete,
    ComputeHash,
    RemoveEmptyParents,
    /// <summary>The folder syncs made before journal lines are written (path "").</summary>
    FlushCompletedWrites,
}

/// <summary>
/// One injected fault: when <see cref="Op"/> is called on a path <see cref="Match"/> accepts, wait <see cref="Delay"/>,
/// run <see cref="Before"/> (a side effect such as deleting or growing the file), then throw what <see cref="Throw"/> makes.
/// The rule fires at most <see cref="Times"/> times.
/// </summary>
public sealed class FaultRule
{
    private int _fired;

    public FaultOp Op { get; init; }

    public Func<string, bool> Match { get; init; } = _ => true;

    public Func<string, Exception>? Throw { get; init; }

    public Action<string>? Before { get; init; }

    public TimeSpan Delay { get; init; }

    public int Times { get; init; } = int.MaxValue;

    public int Fired => Volatile.Read(ref _fired);

    internal bool TryFire(string path)
    {
        if (!Match(path))
        {
            return false;
        }

        while (true)
        {
            var n = Volatile.Read(ref _fired);
            if (n >= Times)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _fired, n + 1, n) == n)
            {
                return true;
            }
        }
    }

    public static Func<string, bool> Path(string relative) => p => string.Equals(p, relative, StringComparison.Ordinal);
}

/// <summary>Exceptions shaped like the ones the operating system raises, for <see cref="FaultRule.Throw"/>.</summary>
public static class Faults
{
    /// <summary>ENOSPC as .NET on Linux reports it (HResult = errno 28).</summary>
    public static Exception DiskFull(string path) => new IOException($"No space left on device : '{path}' (injected)", 28);

    /// <summary>ERROR_SHARING_VIOLATION as .NET on Windows reports it.</summary>
    public static Exception SharingViolation(string path) =>
        new IOException($"The process cannot access the file '{path}' because it is being used by another process (injected).", unchecked((int)0x80070020));

    /// <summary>A generic I/O error (a flaky network share, a USB disk hiccup).</summary>
    public static Exception Io(string path) => new IOException($"Input/output error : '{path}' (injected)");

    /// <summary>Permission denied.</summary>
    public static Exception Denied(string path) => new UnauthorizedAccessException($"Access to the path '{path}' is denied (injected).");
}

/// <summary>
/// A storage provider for tests that wraps another and fails chosen operations (<see cref="Rules"/>), injects listing
/// entries (<see cref="ExtraEntries"/>), hides entries, overrides capabilities, and logs every call.
/// Copies go through streams (the local fast path is switched off) so read and write faults apply.
/// </summary>
public sealed class FaultyStorageProvider : IStorageProvider, IDurableStorage, ITemporaryFileNaming
{
    private readonly IStorageProvider _inner;

    public FaultyStorageProvider(IStorageProvider inner, StorageCapabilities? capabilities = null)
    {
        _inner = inner;
        Capabilities = capabilities ?? inner.Capabilities;
    }

    public List<FaultRule> Rules { get; } = new();

    /// <summary>Entries yielded after the real listing (hostile names, duplicates).</summary>
    public List<StorageEntry> ExtraEntries { get; } = new();

    /// <summary>Real entries left out of the listing.</summary>
    public Func<string, bool>? Hide { get; set; }

    /// <summary>Issues reported at the start of every listing (for example "folder cannot be read").</summary>
    public List<(string Path, string Reason)> ListingIssues { get; } = new();

    /// <summary>Whether copies may use the local fast path (File.Copy) instead of the streams the rules watch.</summary>
    public bool LocalFastPath { get; set; }

    /// <summary>Every call made, in order: (operation, path).</summary>
    public ConcurrentQueue<(FaultOp Op, string Path, DateTime Utc)> Calls { get; } = new();

    /// <summary>How many injected faults fired (rules whose <see cref="FaultRule.Throw"/> was raised).</summary>
    public int FaultsThrown => _thrown;

    private int _thrown;

    public int CallCount(FaultOp op, string path) => Calls.Count(c => c.Op == op && c.Path == path);

    public string Root => _inner.Root;

    public StorageCapabilities Capabilities { get; }

    public bool RootExists() => _inner.RootExists();

    public void CreateRoot() => _inner.CreateRoot();

    internal void Apply(FaultOp op, string path)
    {
        Calls.Enqueue((op, path, DateTime.UtcNow));
        foreach (var rule in Rules)
        {
            if (rule.Op != op || !rule.TryFire(path))
            {
                continue;
            }

            if (rule.Delay > TimeSpan.Zero)
            {
                Thread.Sleep(rule.Delay);
            }

            rule.Before?.Invoke(path);
            if (rule.Throw is not null)
            {
                Interlocked.Increment(ref _thrown);
                throw rule.Throw(path);
            }
        }
    }

    public IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken)
    {
        Apply(FaultOp.Enumerate, "");
        foreach (var (path, reason) in ListingIssues)
        {
            onIssue(new ScanIssue(SyncSide.Source, path, reason));
        }

        foreach (var e in _inner.Enumerate(includeFolder, onIssue, cancellationToken))
        {
            if (Hide is not null && Hide(e.Path))
            {
                continue;
            }

            yield return e;
        }

        foreach (var e in ExtraEntries)
        {
            yield return e;
        }
    }

    public StorageEntry? Stat(string path)
    {
        Apply(FaultOp.Stat, path);
        return _inner.Stat(path);
    }

    public Stream OpenRead(string path)
    {
        Apply(FaultOp.OpenRead, path);
        return new WatchedStream(this, path, _inner.OpenRead(path), FaultOp.Read);
    }

    public IStagedWrite BeginWrite(string path)
    {
        Apply(FaultOp.BeginWrite, path);
        return new WatchedWrite(this, path, _inner.BeginWrite(path));
    }

    public void Move(string fromPath, string toPath, bool overwrite)
    {
        Apply(FaultOp.Move, fromPath);
        _inner.Move(fromPath, toPath, overwrite);
    }

    public void PreserveCopy(string path, string copyPath)
    {
        Apply(FaultOp.PreserveCopy, path);
        _inner.PreserveCopy(path, copyPath);
    }

    public void Delete(string path)
    {
        Apply(FaultOp.Delete, path);
        _inner.Delete(path);
    }

    public void RemoveEmptyParents(string path)
    {
        Apply(FaultOp.RemoveEmptyParents, path);
        _inner.RemoveEmptyParents(path);
    }

    public string ComputeHash(string path, CancellationToken cancellationToken)
    {
        Apply(FaultOp.ComputeHash, path);
        return _inner.ComputeHash(path, cancellationToken);
    }

    public void CleanUp(CancellationToken cancellationToken) => _inner.CleanUp(cancellationToken);

    /// <inheritdoc />
    public IReadOnlyList<string> ListEngineFolders(string engineFolder) => _inner.ListEngineFolders(engineFolder);

    /// <inheritdoc />
    public void DeleteEngineFolder(string engineFolder, CancellationToken cancellationToken) => _inner.DeleteEngineFolder(engineFolder, cancellationToken);

    public void UseTemporaryNames(TemporaryNames names) => (_inner as ITemporaryFileNaming)?.UseTemporaryNames(names);

    public void FlushCompletedWrites()
    {
        Apply(FaultOp.FlushCompletedWrites, "");
        (_inner as IDurableStorage)?.FlushCompletedWrites();
    }

    public void Dispose() => _inner.Dispose();

    private sealed class WatchedWrite : ILocalStagedWrite
    {
        private readonly FaultyStorageProvider _owner;
        private readonly string _path;
        private readonly IStagedWrite _inner;
        private WatchedStream? _stream;

        public WatchedWrite(FaultyStorageProvider owner, string path, IStagedWrite inner)
        {
            _owner = owner;
            _path = path;
            _inner = inner;
        }

        public Stream Stream => _stream ??= new WatchedStream(_owner, _path, _inner.Stream, FaultOp.Write);

        public string? LocalTempPath => _owner.LocalFastPath ? (_inner as ILocalStagedWrite)?.LocalTempPath : null;

        public int? Permissions { get => _inner.Permissions; set => _inner.Permissions = value; }

        public StorageEntry Commit(DateTime lastWriteTimeUtc, bool overwrite)
        {
            _owner.Apply(FaultOp.Commit, _path);
            return _inner.Commit(lastWriteTimeUtc, overwrite);
        }

        public void Dispose() => _inner.Dispose();
    }

    /// <summary>A stream whose Read or Write calls pass through the rules first.</summary>
    private sealed class WatchedStream : Stream
    {
        private readonly FaultyStorageProvider _owner;
        private readonly string _path;
        private readonly Stream _inner;
        private readonly FaultOp _op;

        public WatchedStream(FaultyStorageProvider owner, string path, Stream inner, FaultOp op)
        {
            _owner = owner;
            _path = path;
            _inner = inner;
            _op = op;
        }

        public override bool CanRead => _inner.CanRead;

        public override bool CanSeek => _inner.CanSeek;

        public override bool CanWrite => _inner.CanWrite;

        public override long Length => _inner.Length;

        public override long Position
        {
            get => _inner.Position;
            set => _inner.Position = value;
        }

        public override void Flush() => _inner.Flush();

        public override int Read(byte[] buffer, int offset, int count)
        {
            _owner.Apply(_op, _path);
            return _inner.Read(buffer, offset, count);
        }

        public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);

        public override void SetLength(long value) => _inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count)
        {
            _owner.Apply(_op, _path);
            _inner.Write(buffer, offset, count);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
