using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;

namespace SyncEngine.Core.Tests;

/// <summary>A source, a destination and a state folder under a fresh temporary folder, with helpers to shape and read them.</summary>
public sealed class TestPair : IDisposable
{
    private static readonly DateTime BaseTime = new(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private int _tick;

    public TestPair()
    {
        Root = Path.Combine(Path.GetTempPath(), "se-test-" + Guid.NewGuid().ToString("N").Substring(0, 10));
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

    /// <summary>Writes a file with a distinct, increasing modification time (minutes apart, so ±2 s never blurs them).</summary>
    public void Write(SyncSide side, string relative, string content, DateTime? mtime = null)
    {
        var path = Path.Combine(SideRoot(side), relative.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, mtime ?? BaseTime.AddMinutes(Interlocked.Increment(ref _tick)));
    }

    public void WriteBoth(string relative, string content)
    {
        var t = BaseTime.AddMinutes(Interlocked.Increment(ref _tick));
        Write(SyncSide.Source, relative, content, t);
        Write(SyncSide.Destination, relative, content, t);
    }

    public void Delete(SyncSide side, string relative) => File.Delete(Path.Combine(SideRoot(side), relative.Replace('/', Path.DirectorySeparatorChar)));

    public void Rename(SyncSide side, string from, string to)
    {
        var target = Path.Combine(SideRoot(side), to.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(Path.Combine(SideRoot(side), from.Replace('/', Path.DirectorySeparatorChar)), target);
    }

    public string? Read(SyncSide side, string relative)
    {
        var path = Path.Combine(SideRoot(side), relative.Replace('/', Path.DirectorySeparatorChar));
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
            if (rel.StartsWith(".syncengine/", StringComparison.Ordinal))
            {
                continue;
            }

            result[rel] = File.ReadAllText(f);
        }

        return result;
    }

    /// <summary>Contents of every file in a side's trash.</summary>
    public List<string> TrashContents(SyncSide side)
    {
        var trash = Path.Combine(SideRoot(side), ".syncengine", "trash");
        return Directory.Exists(trash) ? Directory.EnumerateFiles(trash, "*", SearchOption.AllDirectories).Select(File.ReadAllText).ToList() : new List<string>();
    }

    public SyncPair Pair(SyncMode mode = SyncMode.TwoWay) => new(Source, Destination) { Mode = mode, StatePath = StateDir };

    public SyncPlan Plan(SyncPair pair, PlanOptions? options = null) => SyncPlanner.Plan(pair, options);

    /// <summary>Plans and executes; returns the summary and every result.</summary>
    public (SyncSummary Summary, List<SyncResult> Results) Sync(SyncPair pair, bool force = false, PlanOptions? planOptions = null)
    {
        var results = new List<SyncResult>();
        using var session = SyncSession.Open(pair);
        var summary = session.Run(planOptions, new ExecuteOptions
        {
            Force = force,
            Progress = e =>
            {
                if (e.Type == SyncEventType.FileComplete && e.Result is not null)
                {
                    lock (results)
                    {
                        results.Add(e.Result);
                    }
                }
            },
        });
        return (summary, results);
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
}
