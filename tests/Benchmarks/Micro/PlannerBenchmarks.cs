using System;
using System.Collections.Generic;
using System.IO;
using BenchmarkDotNet.Attributes;
using SyncEngine.Storage;

namespace SyncEngine.Benchmarks.Micro;

/// <summary>
/// The planner's hot paths on synthetic in-memory trees: a first plan (no state: every path new), and a
/// no-change plan against a recorded state (the S2/S7 path: listing matched record by record).
/// </summary>
[MemoryDiagnoser]
public class PlannerBenchmarks
{
    private string _scratch = "";
    private SyncPair _pair = null!;
    private List<StorageEntry> _entries = null!;

    [Params(10_000, 100_000)]
    public int Files { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scratch = Path.Combine(Path.GetTempPath(), "se-micro-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(_scratch);
        _entries = new List<StorageEntry>(Files);
        var t0 = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        for (var i = 0; i < Files; i++)
        {
            _entries.Add(new StorageEntry($"d{i / 100:D4}/f{i:D7}.dat", EntryKind.File, 1024, t0 + i, (ulong)(i + 1)));
        }

        _pair = new SyncPair(Path.Combine(_scratch, "src"), Path.Combine(_scratch, "dst")) { StatePath = Path.Combine(_scratch, "state"), Mode = SyncMode.SourceToDestination };

        // Record a state in which both sides hold every file: run record-only actions through a session.
        using var session = SyncSession.Open(_pair, Side("src"), Side("dst"));
        var plan = session.Plan();
        var exec = session.BeginExecute(plan.Actions);
        foreach (var a in plan.Actions)
        {
            exec.Post(a);
        }

        exec.Wait();
    }

    private MemoryProvider Side(string name) => new(Path.Combine(_scratch, name), _entries);

    [Benchmark(Description = "no-change plan with state")]
    public int NoChangePlan()
    {
        using var session = SyncSession.Open(_pair, Side("src"), Side("dst"));
        return session.Plan().Actions.Count;
    }

    [Benchmark(Description = "first plan, destination empty")]
    public int FirstPlan()
    {
        var pair = new SyncPair(_pair.Source, _pair.Destination) { StatePath = Path.Combine(_scratch, "state-empty-" + Guid.NewGuid().ToString("N")), Mode = SyncMode.SourceToDestination };
        using var session = SyncSession.Open(pair, Side("src"), new MemoryProvider(Path.Combine(_scratch, "dst"), Array.Empty<StorageEntry>()));
        return session.Plan().Actions.Count;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
