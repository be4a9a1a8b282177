using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace SyncEngine.PowerShell.Tests;

/// <summary>A source, a destination and a state folder under a fresh temporary folder.</summary>
internal sealed class AdapterTestPair : IDisposable
{
    private static readonly DateTime BaseTime = new(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private static int _tick;

    public AdapterTestPair()
    {
        Root = Path.Combine(Path.GetTempPath(), "se-ps-" + Guid.NewGuid().ToString("N").Substring(0, 10));
        Source = Path.Combine(Root, "src");
        Destination = Path.Combine(Root, "dst");
        StateDir = Path.Combine(Root, "state");
        Directory.CreateDirectory(Source);
        Directory.CreateDirectory(Destination);
    }

    public string Root { get; }

    public string Source { get; }

    public string Destination { get; }

    public string StateDir { get; }

    public string SideRoot(SyncSide side) => side == SyncSide.Source ? Source : Destination;

    public string FullPath(SyncSide side, string relative) => Path.Combine(SideRoot(side), relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Writes a file with a distinct, increasing modification time (minutes apart).</summary>
    public void Write(SyncSide side, string relative, string content, DateTime? mtime = null)
    {
        var path = FullPath(side, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, mtime ?? NextTime());
    }

    public void WriteBoth(string relative, string content)
    {
        var t = NextTime();
        Write(SyncSide.Source, relative, content, t);
        Write(SyncSide.Destination, relative, content, t);
    }

    public void Delete(SyncSide side, string relative) => File.Delete(FullPath(side, relative));

    public void Rename(SyncSide side, string from, string to)
    {
        var target = FullPath(side, to);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(FullPath(side, from), target);
    }

    public string? Read(SyncSide side, string relative)
    {
        var path = FullPath(side, relative);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>Every file of a side (relative '/' path → content), the engine's own folder excluded.</summary>
    public SortedDictionary<string, string> Tree(SyncSide side)
    {
        var root = SideRoot(side);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
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

    public SyncPair Pair(SyncMode mode = SyncMode.TwoWay, ConflictResolution conflicts = ConflictResolution.NewestWins, string? name = null, int retryCount = 0) =>
        new(Source, Destination)
        {
            Mode = mode,
            ConflictResolution = conflicts,
            StatePath = StateDir,
            Name = name!,
            RetryCount = retryCount,
            RetryDelay = TimeSpan.FromMilliseconds(1),
        };

    /// <summary>Syncs with the engine directly (to set up a state), everything approved.</summary>
    public SyncSummary SyncDirect(SyncPair pair)
    {
        using var session = SyncSession.Open(pair);
        return session.Run(null, new ExecuteOptions());
    }

    public void Dispose()
    {
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

    private static DateTime NextTime() => BaseTime.AddMinutes(Interlocked.Increment(ref _tick));
}
