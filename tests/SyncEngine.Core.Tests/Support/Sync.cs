using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using SyncEngine.Storage;

namespace SyncEngine.Core.Tests.Support;

/// <summary>Everything one run reported.</summary>
public sealed class RunRecord
{
    public SyncSummary Summary { get; set; } = null!;

    public SyncPlan Plan { get; set; } = null!;

    public ConcurrentQueue<SyncProgressEvent> Events { get; } = new();

    public List<SyncResult> Results => Events.Where(e => e.Type == SyncEventType.FileComplete && e.Result is not null).Select(e => e.Result!).ToList();

    public SyncResult ResultFor(string path) => Assert.Single(Results, r => r.RelativePath == path);
}

/// <summary>Helpers shared by the semantic tests (TestPair.cs belongs to the lead; these are additions beside it).</summary>
public static class Sync
{
    /// <summary>A pair over the test folders with every option the tests vary. Retries are fast so failures show quickly.</summary>
    public static SyncPair PairOf(
        TestPair t,
        SyncMode mode = SyncMode.TwoWay,
        CompareMode compare = CompareMode.HashThenMtime,
        ConflictResolution conflicts = ConflictResolution.NewestWins,
        InitialSyncPreference initial = InitialSyncPreference.Merge,
        IReadOnlyList<string>? ignore = null,
        int transferLimit = 4,
        int operationLimit = 8,
        double maxDeletePercent = SyncPair.DefaultMaxDeletePercent,
        bool useTrash = true,
        int retryCount = 0,
        string? statePath = null) =>
        new(t.Source, t.Destination)
        {
            Mode = mode,
            CompareMode = compare,
            ConflictResolution = conflicts,
            InitialSyncPreference = initial,
            IgnorePatterns = ignore ?? Array.Empty<string>(),
            TransferLimit = transferLimit,
            OperationLimit = operationLimit,
            MaxDeletePercent = maxDeletePercent,
            UseTrash = useTrash,
            RetryCount = retryCount,
            RetryDelay = TimeSpan.FromMilliseconds(5),
            StatePath = statePath ?? t.StateDir,
        };

    /// <summary>Opens a session (optionally over decorated providers), plans, executes everything and records all events.</summary>
    public static RunRecord Run(SyncPair pair, IStorageProvider? source = null, IStorageProvider? destination = null, PlanOptions? planOptions = null,
                                bool force = false, Control.SyncController? controller = null)
    {
        var record = new RunRecord();
        using var session = SyncSession.Open(pair, source, destination);
        var plan = session.Plan(WithProgress(planOptions, record));
        record.Plan = plan;
        var exec = session.BeginExecute(plan.Actions, new ExecuteOptions { Force = force, Progress = record.Events.Enqueue, Controller = controller });
        foreach (var a in plan.Actions)
        {
            exec.Post(a);
        }

        exec.Complete();
        record.Summary = exec.Wait();
        return record;
    }

    public static PlanOptions WithProgress(PlanOptions? options, RunRecord record) => new()
    {
        IncludeUnchanged = options?.IncludeUnchanged ?? false,
        ConflictHandler = options?.ConflictHandler,
        Reseed = options?.Reseed ?? false,
        Progress = e =>
        {
            record.Events.Enqueue(e);
            options?.Progress?.Invoke(e);
        },
    };

    /// <summary>"UploadNew a.txt", "RenameDestination old.txt -> new.txt": one line per visible action, in plan order.</summary>
    public static string[] Describe(IEnumerable<SyncAction> actions) => actions.Select(Describe).ToArray();

    public static string Describe(SyncAction a) => a.PreviousPath is null ? $"{a.Action} {a.RelativePath}" : $"{a.Action} {a.PreviousPath} -> {a.RelativePath}";

    /// <summary>Asserts a plan has no visible action, naming the ones it has when it fails.</summary>
    public static void NoVisibleActions(SyncPlan plan) => Assert.Equal(Array.Empty<string>(), Describe(plan.Visible()));

    public static string[] VisibleSorted(SyncPlan plan) => Describe(plan.Visible()).OrderBy(s => s, StringComparer.Ordinal).ToArray();

    /// <summary>A tree literal: ("a.txt", "A"), ("b/c.txt", "C").</summary>
    public static SortedDictionary<string, string> Tree(params (string Path, string Content)[] files)
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (p, c) in files)
        {
            d[p] = c;
        }

        return d;
    }

    public static string Full(TestPair t, SyncSide side, string relative) => t.FullPath(side, relative);

    /// <summary>The engine's own view of a file's identity (inode / file id).</summary>
    public static ulong FileId(TestPair t, SyncSide side, string relative)
    {
        if (t.View(side) is { } view)
        {
            var stored = view.Stat(relative);
            Assert.NotNull(stored);
            return stored!.FileId;
        }

        using var p = new LocalStorageProvider(t.SideRoot(side));
        var e = p.Stat(relative);
        Assert.NotNull(e);
        return e!.FileId;
    }

    public static DateTime Mtime(TestPair t, SyncSide side, string relative) => File.GetLastWriteTimeUtc(Full(t, side, relative));

    public static void SetMtime(TestPair t, SyncSide side, string relative, DateTime utc) => File.SetLastWriteTimeUtc(Full(t, side, relative), utc);

    /// <summary>Every file under a root, the engine folder included, as '/' relative paths.</summary>
    public static List<string> AllFiles(string root) =>
        Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/')).OrderBy(s => s, StringComparer.Ordinal).ToList()
            : new List<string>();

    /// <summary>Files whose name marks them as an engine temporary file.</summary>
    public static List<string> TempFiles(string root) => AllFiles(root).Where(p => p.Split('/').Last().StartsWith(PathRules.TempPrefix, StringComparison.Ordinal)).ToList();

    /// <summary>
    /// The keys the pair's state holds: the snapshot with the journal replayed, as the next run reads it (the tree
    /// files alone may lag behind while the journal carries the latest runs).
    /// </summary>
    public static SortedSet<string> StateKeys(string stateDir, SyncSide side = SyncSide.Source)
    {
        var state = EffectiveState(stateDir);
        if (state is null)
        {
            var file = Path.Combine(stateDir, side == SyncSide.Source ? "source_tree.json" : "destination_tree.json");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            return new SortedSet<string>(doc.RootElement.GetProperty("files").EnumerateObject().Select(p => p.Name), StringComparer.Ordinal);
        }

        return new SortedSet<string>(state.Records.Keys, StringComparer.Ordinal);
    }

    /// <summary>One recorded version of the state (snapshot + journal), as the JSON a tree file holds for it, or null.</summary>
    public static JsonElement? StateEntry(string stateDir, SyncSide side, string key)
    {
        var state = EffectiveState(stateDir);
        if (state is null)
        {
            var file = Path.Combine(stateDir, side == SyncSide.Source ? "source_tree.json" : "destination_tree.json");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            return doc.RootElement.GetProperty("files").TryGetProperty(key, out var v) ? v.Clone() : null;
        }

        if (!state.Records.TryGetValue(key, out var rec))
        {
            return null;
        }

        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            SyncEngine.State.StateStore.WriteVersion(w, side == SyncSide.Source ? rec.Source : rec.Destination, key);
        }

        using var entry = JsonDocument.Parse(ms.ToArray());
        return entry.RootElement.Clone();
    }

    /// <summary>The state as the next run loads it (null when there is no sync_metadata.json to name the pair).</summary>
    internal static SyncEngine.State.PairState? EffectiveState(string stateDir)
    {
        var meta = Path.Combine(stateDir, "sync_metadata.json");
        if (!File.Exists(meta))
        {
            return null;
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(meta));
        var pair = new SyncPair(doc.RootElement.GetProperty("source").GetString()!, doc.RootElement.GetProperty("destination").GetString()!) { StatePath = stateDir };
        var load = SyncEngine.State.StateStore.Load(stateDir, pair);
        Assert.False(load.Unreadable, load.Warning);
        return load.State ?? new SyncEngine.State.PairState(pair.Id, pair.Source, pair.Destination);
    }

    /// <summary>Trash contents sorted, for order-free comparison.</summary>
    public static string[] Trash(TestPair t, SyncSide side) => t.TrashContents(side).OrderBy(s => s, StringComparer.Ordinal).ToArray();

    public static SyncEngineException ThrowsSync(Action action, string errorId)
    {
        var ex = Assert.ThrowsAny<SyncEngineException>(action);
        Assert.Equal(errorId, ex.ErrorId);
        return ex;
    }
}
