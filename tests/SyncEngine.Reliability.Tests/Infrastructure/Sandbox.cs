using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using SyncEngine.Control;
using SyncEngine.Storage;
using SyncEngine.TestSupport;

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
public sealed class Sandbox : TempSyncFolders
{
    public Sandbox(string? under = null)
        : base("se-rel-", new DateTime(2024, 3, 1, 8, 0, 0, DateTimeKind.Utc), under)
    {
        File.WriteAllText(Path.Combine(Root, "canary.txt"), "outside the roots");
    }

    public string Full(SyncSide side, string relative) => FullPath(side, relative);

    /// <summary>Leftover temporary files anywhere under a side.</summary>
    public List<string> TempLeftovers(SyncSide side) =>
        Directory.EnumerateFiles(SideRoot(side), PathRules.TempPrefix + "*", SearchOption.AllDirectories).ToList();

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
}
