using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using SyncEngine.Storage;

namespace SyncEngine.Watch;

/// <summary>Where change feeds report (any thread).</summary>
internal interface IChangeSink
{
    /// <summary>Something at or below this relative path ('/'-separated, as the side names it) changed.</summary>
    void Changed(SyncSide side, string relativePath);

    /// <summary>The feed may have missed changes (queue overflow, a watcher error): both sides must be listed in full.</summary>
    void RescanNeeded(SyncSide side, string reason);

    /// <summary>The feed cannot go on; <paramref name="watchLimit"/> when the system's limit on watches was reached.</summary>
    void FeedFailed(SyncSide side, Exception error, bool watchLimit);
}

/// <summary>One side's source of change reports.</summary>
internal interface IChangeFeed : IDisposable
{
    SyncSide Side { get; }

    /// <summary>True for a feed that lists the side at an interval (<see cref="Poll"/>); false for one that is told.</summary>
    bool IsPolling { get; }

    /// <summary>Starts reporting. May throw (an IOException when the system's watch limit is reached).</summary>
    void Start();

    /// <summary>Lists the side and reports what differs from the listing before (polling feeds; on the watch's own thread).</summary>
    void Poll(CancellationToken cancellationToken);
}

/// <summary>What makes a side's feed (tests give their own).</summary>
internal delegate IChangeFeed ChangeFeedFactory(SyncSide side, IStorageProvider provider, string? localRoot, bool polling, IChangeSink sink);

/// <summary>
/// A local side's feed: a <see cref="FileSystemWatcher"/> over the whole tree (inotify on Linux, ReadDirectoryChangesW
/// on Windows, FSEvents on macOS). The engine's own folder at the root is not reported.
/// </summary>
internal sealed class FileSystemFeed : IChangeFeed
{
    private readonly string _root;
    private readonly IChangeSink _sink;
    private FileSystemWatcher? _watcher;

    public FileSystemFeed(SyncSide side, string root, IChangeSink sink)
    {
        Side = side;
        _root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        _sink = sink;
    }

    public SyncSide Side { get; }

    public bool IsPolling => false;

    public void Start()
    {
        var watcher = new FileSystemWatcher(_root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            InternalBufferSize = 64 * 1024,
        };
        watcher.Changed += OnChanged;
        watcher.Created += OnChanged;
        watcher.Deleted += OnChanged;
        watcher.Renamed += OnRenamed;
        watcher.Error += OnError;
        try
        {
            watcher.EnableRaisingEvents = true;
        }
        catch
        {
            watcher.Dispose();
            throw;
        }

        _watcher = watcher;
    }

    public void Poll(CancellationToken cancellationToken)
    {
    }

    public void Dispose()
    {
        var watcher = Interlocked.Exchange(ref _watcher, null);
        if (watcher is not null)
        {
            watcher.EnableRaisingEvents = false;
            watcher.Dispose();
        }
    }

    /// <summary>Whether an error says the system's limit on watches (or watcher instances) was reached.</summary>
    internal static bool IsWatchLimit(Exception ex) =>
        ex is IOException && ex is not InternalBufferOverflowException && ex.Message.IndexOf("inotify", StringComparison.OrdinalIgnoreCase) >= 0;

    private void OnChanged(object sender, FileSystemEventArgs e) => Report(e.FullPath);

    private void OnRenamed(object sender, RenamedEventArgs e)
    {
        // Both names in one report, so the batch sees the delete and the create together and pairs them as a rename.
        Report(e.OldFullPath);
        Report(e.FullPath);
    }

    private void OnError(object sender, ErrorEventArgs e)
    {
        var ex = e.GetException();
        if (ex is InternalBufferOverflowException)
        {
            _sink.RescanNeeded(Side, "the change queue overflowed");
        }
        else if (IsWatchLimit(ex))
        {
            _sink.FeedFailed(Side, ex, watchLimit: true);
        }
        else
        {
            _sink.FeedFailed(Side, ex, watchLimit: false);
        }
    }

    private void Report(string? fullPath)
    {
        var relative = Relative(fullPath);
        if (relative is null)
        {
            return;
        }

        if (relative.Length == 0)
        {
            _sink.RescanNeeded(Side, "the root itself changed");
            return;
        }

        var first = relative.IndexOf('/');
        var top = first < 0 ? relative : relative.Substring(0, first);
        if (string.Equals(top, PathRules.EngineFolder, StringComparison.Ordinal))
        {
            return; // the engine's trash and temporary files
        }

        _sink.Changed(Side, relative);
    }

    private string? Relative(string? fullPath)
    {
        if (string.IsNullOrEmpty(fullPath))
        {
            return null;
        }

        var comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (string.Equals(fullPath!.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar), _root, comparison))
        {
            return "";
        }

        if (fullPath.Length <= _root.Length + 1 || !fullPath.StartsWith(_root, comparison)
            || (fullPath[_root.Length] != Path.DirectorySeparatorChar && fullPath[_root.Length] != Path.AltDirectorySeparatorChar))
        {
            return null;
        }

        var relative = fullPath.Substring(_root.Length + 1);
        if (Path.DirectorySeparatorChar != '/')
        {
            relative = relative.Replace(Path.DirectorySeparatorChar, '/');
        }

        if (Path.AltDirectorySeparatorChar != '/')
        {
            relative = relative.Replace(Path.AltDirectorySeparatorChar, '/');
        }

        return relative.TrimEnd('/');
    }
}

/// <summary>
/// A side polled at an interval (remote sides; a local side whose watcher could not be set up): each poll lists the
/// side and reports every path whose size, time or identity differs from the poll before, and every path gone.
/// </summary>
internal sealed class PollingFeed : IChangeFeed
{
    private readonly IStorageProvider _provider;
    private readonly IChangeSink _sink;
    private Dictionary<string, (long Size, long Mtime, ulong Id)>? _last;

    public PollingFeed(SyncSide side, IStorageProvider provider, IChangeSink sink)
    {
        Side = side;
        _provider = provider;
        _sink = sink;
    }

    public SyncSide Side { get; }

    public bool IsPolling => true;

    /// <summary>Takes the first listing (the one later polls compare with).</summary>
    public void Start() => _last = List(CancellationToken.None);

    public void Poll(CancellationToken cancellationToken)
    {
        var now = List(cancellationToken);
        if (now is null)
        {
            return; // the root is not there: the watch notices and stops syncing the side
        }

        var before = _last;
        _last = now;
        if (before is null)
        {
            _sink.RescanNeeded(Side, "the root is back");
            return;
        }

        foreach (var kv in now)
        {
            if (!before.TryGetValue(kv.Key, out var old) || old != kv.Value)
            {
                _sink.Changed(Side, kv.Key);
            }
        }

        foreach (var key in before.Keys)
        {
            if (!now.ContainsKey(key))
            {
                _sink.Changed(Side, key);
            }
        }
    }

    public void Dispose()
    {
    }

    private Dictionary<string, (long, long, ulong)>? List(CancellationToken cancellationToken)
    {
        if (!_provider.RootExists())
        {
            return null;
        }

        var result = new Dictionary<string, (long, long, ulong)>(StringComparer.Ordinal);
        foreach (var entry in _provider.Enumerate(_ => true, _ => { }, cancellationToken))
        {
            if (entry.Kind == EntryKind.File)
            {
                result[entry.Path] = (entry.Size, entry.MtimeTicks, entry.FileId);
            }
        }

        return result;
    }
}
