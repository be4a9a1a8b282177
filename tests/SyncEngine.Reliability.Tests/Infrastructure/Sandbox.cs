using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using SyncEngine.Control;
using SyncEngine.Storage;

namespace SyncEngine.Reliability.Tests.Infrastructure;

/// <summary>Outcome of one run: the summary and every per-action result.</summary>
public sealed record RunOutcome(SyncSummary Summary, List<SyncResult> Results, SyncPlan Plan)
{
    public SyncResult For(string path) => Results.Single(r => r.RelativePath == path);

    public IEnumerable<SyncResult> Failed => Results.Where(r => r.Status == SyncResultStatus.Failed);
}

/// <summary>
/// A source, a destination and a state folder under a fresh temporary folder, plus a canary file beside them:
/// tests check the engine wrote nothing outside these.
/// </summary>
public sealed class Sandbox : IDisposable
{
    private static readonly DateTime BaseTime = new(2024, 3, 1, 8, 0, 0, DateTimeKind.Utc);
    private int _tick;

    public Sandbox(string? under = null)
    {
        Root = Path.Combine(under ?? Path.GetTempPath(), "se-rel-" + Guid.NewGuid().ToString("N").Substring(0, 10));
        Source = Path.Combine(Root, "src");
        Destination = Path.Combine(Root, "dst");
        StateDir = Path.Combine(Root, "state");
        Directory.CreateDirectory(Source);
        Directory.CreateDirectory(Destination);
        File.WriteAllText(Path.Combine(Root, "canary.txt"), "outside the roots");
    }

    public string Root { get; }

    public string Source { get; }

    public string Destination { get; }

    public string StateDir { get; }

    public string SideRoot(SyncSide side) => side == SyncSide.Source ? Source : Destination;

    public string Full(SyncSide side, string relative) => Path.Combine(SideRoot(side), relative.Replace('/', Path.DirectorySeparatorChar));

    public DateTime NextTime() => BaseTime.AddMinutes(Interlocked.Increment(ref _tick));

    public void Write(SyncSide side, string relative, string content, DateTime? mtime = null) =>
        WriteBytes(side, relative, System.Text.Encoding.UTF8.GetBytes(content), mtime);

    public void WriteBytes(SyncSide side, string relative, byte[] content, DateTime? mtime = null)
    {
        var path = Full(side, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        File.SetLastWriteTimeUtc(path, mtime ?? NextTime());
    }

    public string? Read(SyncSide side, string relative)
    {
        var path = Full(side, relative);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    public bool Exists(SyncSide side, string relative) => File.Exists(Full(side, relative));

    public void Delete(SyncSide side, string relative) => File.Delete(Full(side, relative));

    /// <summary>Every file of a side (relative '/' path → content), the engine's own folder excluded.</summary>
    public SortedDictionary<string, string> Tree(SyncSide side)
    {
        var root = SideRoot(side);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
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

    /// <summary>Leftover temporary files anywhere under a side.</summary>
    public List<string> TempLeftovers(SyncSide side) =>
        Directory.EnumerateFiles(SideRoot(side), PathRules.TempPrefix + "*", SearchOption.AllDirectories).ToList();

    /// <summary>Contents of every file in a side's trash.</summary>
    public List<string> TrashContents(SyncSide side)
    {
        var trash = Path.Combine(SideRoot(side), ".syncengine", "trash");
        return Directory.Exists(trash) ? Directory.EnumerateFiles(trash, "*", SearchOption.AllDirectories).Select(File.ReadAllText).ToList() : new List<string>();
    }

    /// <summary>Every content (SHA-256) on both sides and in both trashes.</summary>
    public HashSet<string> AllContentHashes()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var side in new[] { Source, Destination })
        {
            foreach (var f in Directory.EnumerateFiles(side, "*", SearchOption.AllDirectories))
            {
                set.Add(Sha(f));
            }
        }

        return set;
    }

    public static string Sha(string file)
    {
        using var s = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(s));
    }

    /// <summary>Everything under the sandbox root that is not a root or the state folder (the canary and anything the engine must not write).</summary>
    public List<string> Outside() =>
        Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, p).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(p => !(p is "src" or "dst" or "state") && !p.StartsWith("src/", StringComparison.Ordinal) && !p.StartsWith("dst/", StringComparison.Ordinal) && !p.StartsWith("state/", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();

    public SyncPair Pair(SyncMode mode = SyncMode.TwoWay) =>
        new(Source, Destination) { Mode = mode, StatePath = StateDir, RetryDelay = TimeSpan.FromMilliseconds(5) };

    public static SyncPair With(SyncPair p, int? retryCount = null, TimeSpan? retryDelay = null, bool? useTrash = null, IReadOnlyList<string>? ignore = null,
                                string? statePath = null, ConflictResolution? conflict = null, int? transferLimit = null) =>
        new(p.Source, p.Destination)
        {
            Mode = p.Mode,
            StatePath = statePath ?? p.StatePath,
            RetryCount = retryCount ?? p.RetryCount,
            RetryDelay = retryDelay ?? p.RetryDelay,
            UseTrash = useTrash ?? p.UseTrash,
            IgnorePatterns = ignore ?? p.IgnorePatterns,
            ConflictResolution = conflict ?? p.ConflictResolution,
            TransferLimit = transferLimit ?? p.TransferLimit,
            CompareMode = p.CompareMode,
            InitialSyncPreference = p.InitialSyncPreference,
        };

    /// <summary>Opens a session (optionally over decorated providers), plans, executes and returns everything.</summary>
    public static RunOutcome Run(SyncPair pair, IStorageProvider? source = null, IStorageProvider? destination = null, bool force = false,
                                 SyncController? controller = null, Action<SyncProgressEvent>? onEvent = null)
    {
        var results = new List<SyncResult>();
        source ??= new LocalStorageProvider(pair.Source);
        destination ??= new LocalStorageProvider(pair.Destination);
        using var session = SyncSession.Open(pair, source, destination);
        var plan = session.Plan();
        var exec = session.BeginExecute(plan.Actions, new ExecuteOptions
        {
            Force = force,
            Controller = controller,
            Progress = e =>
            {
                if (e.Type == SyncEventType.FileComplete && e.Result is not null)
                {
                    lock (results)
                    {
                        results.Add(e.Result);
                    }
                }

                onEvent?.Invoke(e);
            },
        });
        foreach (var a in plan.Actions)
        {
            exec.Post(a);
        }

        exec.Complete();
        var summary = exec.Wait();
        return new RunOutcome(summary, results, plan);
    }

    /// <summary>Plans through a session over the given providers (takes the lock, changes nothing).</summary>
    public static SyncPlan PlanOnly(SyncPair pair, IStorageProvider? source = null, IStorageProvider? destination = null)
    {
        using var session = SyncSession.Open(pair, source ?? new LocalStorageProvider(pair.Source), destination ?? new LocalStorageProvider(pair.Destination));
        return session.Plan();
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
