using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;

using SyncEngine.TestSupport;

namespace SyncEngine.Core.Tests;

/// <summary>The shared temporary pair (<see cref="TempSyncFolders"/>) run through Core directly.</summary>
public sealed class TestPair : TempSyncFolders
{
    public TestPair()
        : base("se-test-", new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc))
    {
    }

    /// <summary>A pair under another folder (for example tmpfs, for what only it can store).</summary>
    public TestPair(string under)
        : base("se-test-", new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc), under)
    {
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
}
