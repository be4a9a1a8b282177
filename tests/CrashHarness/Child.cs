using System;
using System.Collections.Generic;

namespace SyncEngine.CrashHarness;

/// <summary>
/// The process the driver kills: one ordinary sync of one pair through <see cref="SyncSession.Run"/>.
/// It tells the driver how far it got on standard output: EXECUTING (the plan is made and the guards passed),
/// EXECUTED (every action finished; the state snapshot is about to be written), SAVED (the session is disposed).
/// </summary>
internal static class Child
{
    public static int Run(Dictionary<string, string> a)
    {
        var pair = PairFrom(a);
        try
        {
            SyncSummary summary;
            using (var session = SyncSession.Open(pair))
            {
                summary = session.Run(null, new ExecuteOptions
                {
                    Progress = e =>
                    {
                        if (e.Type == SyncEventType.SyncStart)
                        {
                            Console.Out.WriteLine("EXECUTING " + e.FilesTotal);
                        }
                    },
                });
                Console.Out.WriteLine("EXECUTED");
                Console.Out.Flush();
            }

            Console.Out.WriteLine("SAVED");
            Console.Out.WriteLine($"SUMMARY {summary.Outcome} ok={summary.Succeeded} failed={summary.Failed} skipped={summary.Skipped} stale={summary.Stale} conflicts={summary.Conflicts}");
            return summary.Failed > 0 ? 2 : 0;
        }
        catch (SyncEngineException ex)
        {
            Console.Out.WriteLine($"ERROR {ex.ErrorId}: {ex.Message}");
            return 3;
        }
    }

    public static SyncPair PairFrom(Dictionary<string, string> a) =>
        new(a["source"], a["destination"])
        {
            Mode = OptionNames.ParseSyncMode(a["mode"]),
            ConflictResolution = a.TryGetValue("conflict", out var c) ? OptionNames.Parse<ConflictResolution>(c, "conflict") : ConflictResolution.NewestWins,
            StatePath = a["state"],
            RetryDelay = TimeSpan.FromMilliseconds(20),
        };
}
