using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Storage;

namespace SyncEngine.TestSupport;

/// <summary>
/// A source, a destination and a state folder under a fresh temporary folder, with the ways every test project
/// shapes and reads them. Each test project derives its own pair from it (how it runs the engine differs: Core
/// directly, the CLI in-process or as a child, the PowerShell adapters, decorated providers).
/// </summary>
public abstract class TempSyncFolders : IDisposable
{
    private readonly DateTime _baseTime;
    private readonly Func<string, SyncSide, IStorageProvider?>? _viewFactory;
    private readonly IStorageProvider?[] _views = new IStorageProvider?[2];
    private int _tick;

    /// <summary>
    /// Set by a test class whose side is stored other than as plain files (an encrypted destination): folders made
    /// while it is set read and write that side through the provider it returns (root folder, side), or as plain
    /// files where it returns null. Flows with the test (AsyncLocal), so parallel classes do not see each other's.
    /// </summary>
    public static readonly AsyncLocal<Func<string, SyncSide, IStorageProvider?>?> SideViews = new();

    /// <param name="prefix">The temporary folder's name prefix (which test project made it, when one is left over).</param>
    /// <param name="baseTime">The first of the distinct modification times <see cref="NextTime"/> hands out.</param>
    protected TempSyncFolders(string prefix, DateTime baseTime, string? under = null)
    {
        _baseTime = baseTime;
        _viewFactory = SideViews.Value;
        Root = Path.Combine(under ?? Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N").Substring(0, 10));
        Source = Path.Combine(Root, "src");
        Destination = Path.Combine(Root, "dst");
        StateDir = Path.Combine(Root, "state");
        Directory.CreateDirectory(Source);
        Directory.CreateDirectory(Destination);
    }

    public string Root { get; }

    public string Source { get; }

    /// <summary>The provider a side is read and written through (<see cref="SideViews"/>), or null for plain files.</summary>
    public IStorageProvider? View(SyncSide side)
    {
        if (_viewFactory is null)
        {
            return null;
        }

        var i = side == SyncSide.Source ? 0 : 1;
        return _views[i] ??= _viewFactory(SideRoot(side), side);
    }

    public string Destination { get; }

    public string StateDir { get; }

    public string SideRoot(SyncSide side) => side == SyncSide.Source ? Source : Destination;

    /// <summary>
    /// The local path of a file of a side: where the side stores it, so that through a routed decorator
    /// (<see cref="SideViews"/>) it is the stored (encrypted, compressed) file whose time and identity are the file's.
    /// </summary>
    public string FullPath(SyncSide side, string relative) => Path.Combine(SideRoot(side), StoredPath(side, relative).Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The stored relative path of a file through the side's decorators (the path itself for plain files).</summary>
    public string StoredPath(SyncSide side, string relative)
    {
        var view = View(side);
        if (view is Storage.Compression.ZstdStorageProvider zstd)
        {
            view = zstd.Inner;
            relative = relative.EndsWith(".zst", StringComparison.Ordinal) || view.Stat(relative + ".zst") is not null ? relative + ".zst" : relative;
        }

        return view is Storage.Crypt.CryptStorageProvider crypt ? crypt.StoredPath(relative) : relative;
    }

    /// <summary>A new modification time, a minute after the last one handed out (so a ±2 s window never blurs two).</summary>
    public DateTime NextTime() => _baseTime.AddMinutes(Interlocked.Increment(ref _tick));

    /// <summary>Writes a file (its folders made as needed) with <paramref name="mtime"/> or the next distinct time.</summary>
    public void Write(SyncSide side, string relative, string content, DateTime? mtime = null) =>
        WriteBytes(side, relative, System.Text.Encoding.UTF8.GetBytes(content), mtime);

    public void WriteBytes(SyncSide side, string relative, byte[] content, DateTime? mtime = null)
    {
        if (View(side) is { } view)
        {
            using var write = view.BeginWrite(relative);
            if (write is ILengthAwareWrite sized)
            {
                sized.ExpectedLength = content.Length;
            }

            write.Stream.Write(content, 0, content.Length);
            write.Commit(mtime ?? NextTime(), overwrite: true);
            return;
        }

        var path = FullPath(side, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        File.SetLastWriteTimeUtc(path, mtime ?? NextTime());
    }

    /// <summary>The same content at the same time on both sides.</summary>
    public void WriteBoth(string relative, string content)
    {
        var t = NextTime();
        Write(SyncSide.Source, relative, content, t);
        Write(SyncSide.Destination, relative, content, t);
    }

    public bool Exists(SyncSide side, string relative) => View(side) is { } view ? view.Stat(relative) is not null : File.Exists(FullPath(side, relative));

    public void Delete(SyncSide side, string relative)
    {
        if (View(side) is { } view)
        {
            view.Delete(relative);
            return;
        }

        File.Delete(FullPath(side, relative));
    }

    public void Rename(SyncSide side, string from, string to)
    {
        if (View(side) is { } view)
        {
            view.Move(from, to, overwrite: false);
            return;
        }

        var target = FullPath(side, to);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(FullPath(side, from), target);
    }

    public string? Read(SyncSide side, string relative)
    {
        if (View(side) is { } view)
        {
            return view.Stat(relative) is null ? null : ReadThrough(view, relative);
        }

        var path = FullPath(side, relative);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>Every file of a side (relative '/' path → content), the engine's own folder excluded.</summary>
    public SortedDictionary<string, string> Tree(SyncSide side)
    {
        var root = SideRoot(side);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (View(side) is { } view && Directory.Exists(root))
        {
            foreach (var e in view.Enumerate(_ => true, _ => { }, CancellationToken.None))
            {
                if (e.Kind == Storage.EntryKind.File && !e.Path.StartsWith(".syncengine/", StringComparison.Ordinal))
                {
                    result[e.Path] = ReadThrough(view, e.Path);
                }
            }

            return result;
        }

        if (!Directory.Exists(root))
        {
            return result;
        }

        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/');
            if (!rel.StartsWith(".syncengine/", StringComparison.Ordinal))
            {
                result[rel] = File.ReadAllText(f);
            }
        }

        return result;
    }

    /// <summary>A side's trash folder.</summary>
    public string TrashFolder(SyncSide side) => Path.Combine(SideRoot(side), ".syncengine", "trash");

    /// <summary>Contents of every file in a side's trash.</summary>
    public List<string> TrashContents(SyncSide side)
    {
        var trash = TrashFolder(side);
        if (View(side) is { } view)
        {
            return TrashFiles(side).Select(f => ReadThrough(view, ".syncengine/trash/" + f)).ToList();
        }

        return Directory.Exists(trash) ? Directory.EnumerateFiles(trash, "*", SearchOption.AllDirectories).Select(File.ReadAllText).ToList() : new List<string>();
    }

    /// <summary>Files in a side's trash, relative ('/') to the trash folder.</summary>
    public List<string> TrashFiles(SyncSide side)
    {
        var trash = TrashFolder(side);
        var viewed = View(side);
        var zstd = viewed as Storage.Compression.ZstdStorageProvider;
        if ((zstd?.Inner ?? viewed) is Storage.Crypt.CryptStorageProvider crypt)
        {
            const string prefix = ".syncengine/trash/";
            return Directory.Exists(trash)
                ? Directory.EnumerateFiles(trash, "*", SearchOption.AllDirectories)
                    .Select(f => crypt.PlaintextPath(prefix + Path.GetRelativePath(trash, f).Replace('\\', '/')))
                    .Where(p => p is not null)
                    .Select(p => p!.Substring(prefix.Length))
                    .Select(p => zstd is not null && p.EndsWith(".zst", StringComparison.Ordinal) ? p.Substring(0, p.Length - 4) : p)
                    .ToList()
                : new List<string>();
        }

        return Directory.Exists(trash)
            ? Directory.EnumerateFiles(trash, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(trash, f).Replace('\\', '/')).ToList()
            : new List<string>();
    }

    private static string ReadThrough(IStorageProvider view, string relative)
    {
        using var stream = view.OpenRead(relative);
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public void Dispose()
    {
        foreach (var view in _views)
        {
            view?.Dispose();
        }

        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
