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

    /// <summary>
    /// The watch the driver kills (<c>--child --watch</c>): a <see cref="Watch.WatchSession"/> on the pair with a short
    /// quiet period. It says WATCHING once its first full sync is over (for a restarted watch: once it resumed), BATCH
    /// when a batch starts, DONE per finished action, and with <c>--idle-exit MS</c> it stops by itself once it was
    /// idle with nothing pending that long (then SAVED, after the session is disposed).
    /// </summary>
    public static int RunWatch(Dictionary<string, string> a)
    {
        var pair = PairFrom(a);
        var idleExit = a.TryGetValue("idle-exit", out var ms) ? TimeSpan.FromMilliseconds(int.Parse(ms, System.Globalization.CultureInfo.InvariantCulture)) : (TimeSpan?)null;
        var gate = new object();
        var watching = false;
        void Say(string line)
        {
            lock (gate)
            {
                Console.Out.WriteLine(line);
                Console.Out.Flush();
            }
        }

        try
        {
            using var cancel = new System.Threading.CancellationTokenSource();
            Watch.WatchSession? session = null;
            var options = new Watch.WatchOptions
            {
                Debounce = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                Progress = e =>
                {
                    if (e.Type == SyncEventType.FileComplete && e.Result is { } r)
                    {
                        Say($"DONE {r.Status} {r.Action} {r.RelativePath}");
                    }
                },
                Events = e =>
                {
                    if (e.Type == Watch.WatchEventType.BatchStarted && watching)
                    {
                        Say($"BATCH {e.Batch} {e.Paths}");
                    }
                    else if (e.Type is Watch.WatchEventType.BatchRefused or Watch.WatchEventType.BatchFailed)
                    {
                        Say($"REFUSED {e.ErrorId}: {e.Message}");
                    }
                    else if (e.Type == Watch.WatchEventType.StateChanged && e.State == Watch.WatchState.Idle && !watching)
                    {
                        watching = true;
                        Say("WATCHING");
                    }
                },
            };
            session = Watch.WatchSession.Open(pair, options);
            using (session)
            {
                System.Threading.Timer? idle = null;
                if (idleExit is { } quiet)
                {
                    var since = DateTime.UtcNow;
                    idle = new System.Threading.Timer(_ =>
                    {
                        if (!watching || session.State != Watch.WatchState.Idle || session.Pending > 0)
                        {
                            since = DateTime.UtcNow;
                        }
                        else if (DateTime.UtcNow - since >= quiet)
                        {
                            cancel.Cancel();
                        }
                    }, null, 100, 100);
                }

                session.Run(cancel.Token);
                idle?.Dispose();
            }

            Say("SAVED");
            return 0;
        }
        catch (SyncEngineException ex)
        {
            Say($"ERROR {ex.ErrorId}: {ex.Message}");
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
