using System;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Watch;

namespace SyncEngine.Core.Tests.Watch;

/// <summary>Change feeds: the real file-system watcher, the fall-back to polling, a kill and a restart.</summary>
public class WatchFeedTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static bool WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(25);
        }

        return condition();
    }

    [Fact]
    public void Past_the_system_watch_limit_a_local_side_is_polled_with_a_warning_and_its_changes_still_arrive()
    {
        using var t = new TestPair();
        var pair = new SyncPair(t.Source, t.Destination) { Mode = SyncMode.SourceToDestination, StatePath = t.StateDir };
        var limit = new IOException("The configured user limit (128) on the number of inotify watches has been reached, or the operating system failed to allocate a required resource.");
        using var w = new WatchRig(t, pair, failOnStart: (side, _) => side == SyncSide.Source ? limit : null);
        w.Start();

        Assert.True(w.Session.IsPolling(SyncSide.Source));
        Assert.False(w.Session.IsPolling(SyncSide.Destination));
        var warning = Assert.Single(w.TakeEvents(), e => e.Type == WatchEventType.Warning);
        Assert.Equal("SyncWatchLimitReached", warning.ErrorId);
        Assert.Contains("max_user_watches", warning.Message);

        t.Write(SyncSide.Source, "polled.txt", "found by listing");
        w.After(WatchOptions.DefaultPollInterval); // the poll reports it
        w.After(TimeSpan.FromSeconds(2)); // the quiet period ends
        Assert.Equal("found by listing", t.Read(SyncSide.Destination, "polled.txt"));
    }

    [Fact]
    public void The_file_system_watcher_reports_a_new_file_a_change_and_a_deletion()
    {
        using var t = new TestPair();
        var pair = new SyncPair(t.Source, t.Destination) { Mode = SyncMode.SourceToDestination, StatePath = t.StateDir };
        using var cancel = new CancellationTokenSource();
        using var w = WatchSession.Open(pair, new WatchOptions { Debounce = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) });
        var run = new Thread(() => w.Run(cancel.Token)) { IsBackground = true };
        run.Start();
        try
        {
            Assert.True(WaitFor(() => w.State == WatchState.Idle));
            File.WriteAllText(Path.Combine(t.Source, "live.txt"), "first");
            Assert.True(WaitFor(() => t.Read(SyncSide.Destination, "live.txt") == "first"));

            File.WriteAllText(Path.Combine(t.Source, "live.txt"), "second, longer");
            Assert.True(WaitFor(() => t.Read(SyncSide.Destination, "live.txt") == "second, longer"));

            Directory.CreateDirectory(Path.Combine(t.Source, "sub"));
            File.WriteAllText(Path.Combine(t.Source, "sub", "deep.txt"), "deep");
            Assert.True(WaitFor(() => t.Read(SyncSide.Destination, "sub/deep.txt") == "deep"));

            File.Delete(Path.Combine(t.Source, "live.txt"));
            Assert.True(WaitFor(() => !t.Exists(SyncSide.Destination, "live.txt")));
        }
        finally
        {
            cancel.Cancel();
            Assert.True(run.Join(Patience));
        }

        Assert.Equal(WatchState.Stopped, w.State);
    }

    [Fact]
    public void Each_batch_is_on_disk_when_it_ends_so_a_watch_that_never_ends_cleanly_loses_nothing()
    {
        using var t = new TestPair();
        var pair = new SyncPair(t.Source, t.Destination) { Mode = SyncMode.TwoWay, StatePath = t.StateDir };
        var w = new WatchRig(t, pair);
        w.Start();
        t.Write(SyncSide.Source, "a.txt", "a");
        t.Write(SyncSide.Destination, "b.txt", "b");
        w.Changed(SyncSide.Source, "a.txt");
        w.Changed(SyncSide.Destination, "b.txt");
        w.After(TimeSpan.FromSeconds(2));
        Assert.Equal(2, w.TakeResults().Count);

        // While the watch still holds the lock (as a killed process would have left it), the state on disk already
        // knows both copies: a plan (which takes no lock) finds nothing to do, and deletes nothing.
        var plan = SyncPlanner.Plan(pair);
        Assert.DoesNotContain(plan.Actions, a => a.Action != SyncActionType.NoAction);
        Assert.True(plan.Info.TrackedFileCount >= 2);
        w.Dispose();
    }
}
