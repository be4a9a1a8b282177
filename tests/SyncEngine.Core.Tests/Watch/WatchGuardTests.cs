using System;
using System.IO;
using System.Linq;
using SyncEngine.Watch;

namespace SyncEngine.Core.Tests.Watch;

/// <summary>Guards over time (issue 14 item 2): the rolling delete window, refusals that keep watching, vanished and emptied roots.</summary>
public class WatchGuardTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    private static SyncPair Mirror(TestPair t) => new(t.Source, t.Destination) { Mode = SyncMode.SourceToDestination, StatePath = t.StateDir };

    private static void Seed(TestPair t, int files)
    {
        for (var i = 0; i < files; i++)
        {
            t.Write(SyncSide.Source, $"f{i:00}.txt", "file " + i);
        }
    }

    private static int DestinationFiles(TestPair t) => Directory.EnumerateFiles(t.Destination, "f*.txt").Count();

    [Fact]
    public void Many_small_batches_of_deletions_trip_the_delete_guard_over_the_window_and_the_watch_goes_on()
    {
        using var t = new TestPair();
        Seed(t, 20);
        var pair = Mirror(t);
        using (var w = new WatchRig(t, pair))
        {
            w.Start();
            Assert.Equal(20, DestinationFiles(t));

            // Batches of 2 deletions (10 % each, under the 50 % limit of one run) every few minutes.
            var refusedAt = -1;
            for (var batch = 0; batch < 10 && refusedAt < 0; batch++)
            {
                for (var k = 0; k < 2; k++)
                {
                    var name = $"f{batch * 2 + k:00}.txt";
                    t.Delete(SyncSide.Source, name);
                    w.Changed(SyncSide.Source, name);
                }

                w.After(Quiet);
                if (w.TakeEvents().Any(e => e.Type == WatchEventType.BatchRefused && e.ErrorId == "SyncMassDeleteGuard"))
                {
                    refusedAt = batch;
                }

                w.After(TimeSpan.FromMinutes(3));
            }

            // After 10 deletions, 2 more make 12 of the 20 files the side held: more than half within the hour.
            Assert.Equal(5, refusedAt);
            Assert.Equal(10, DestinationFiles(t));
            Assert.NotEqual(WatchState.Stopped, w.Session.State);

            // The watch goes on: a new file is still copied (the refused deletions wait with it, and are refused again).
            t.Write(SyncSide.Source, "new.txt", "still watching");
            w.Changed(SyncSide.Source, "new.txt");
            w.After(Quiet);
            Assert.True(t.Exists(SyncSide.Destination, "new.txt") || w.TakeEvents().Any(e => e.Type == WatchEventType.BatchRefused));

            // Once the earlier deletions are older than the window, the waiting ones go ahead with the next change.
            w.After(TimeSpan.FromHours(1));
            t.Write(SyncSide.Source, "later.txt", "later");
            w.Changed(SyncSide.Source, "later.txt");
            w.After(Quiet);
            Assert.Equal(8, DestinationFiles(t));
            Assert.True(t.Exists(SyncSide.Destination, "later.txt"));
        }

        // No guard locks the pair: a plain sync runs afterwards.
        using var session = SyncSession.Open(pair);
        Assert.False(session.Run(null, new ExecuteOptions()).Cancelled);
    }

    [Fact]
    public void With_force_the_window_trips_nothing()
    {
        using var t = new TestPair();
        Seed(t, 20);
        using var w = new WatchRig(t, Mirror(t), force: true);
        w.Start();
        for (var batch = 0; batch < 8; batch++)
        {
            for (var k = 0; k < 2; k++)
            {
                var name = $"f{batch * 2 + k:00}.txt";
                t.Delete(SyncSide.Source, name);
                w.Changed(SyncSide.Source, name);
            }

            w.After(Quiet);
        }

        Assert.Equal(4, DestinationFiles(t));
        Assert.DoesNotContain(w.TakeEvents(), e => e.Type == WatchEventType.BatchRefused);
    }

    [Fact]
    public void A_source_root_that_vanishes_stops_syncing_at_once_and_a_full_rescan_follows_its_return()
    {
        using var t = new TestPair();
        Seed(t, 6);
        using var w = new WatchRig(t, new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir });
        w.Start();
        w.TakeEvents();

        // The drive is unplugged: its folder is gone, and the feed reports every file as deleted.
        var away = t.Source + "-unplugged";
        Directory.Move(t.Source, away);
        for (var i = 0; i < 6; i++)
        {
            w.Changed(SyncSide.Source, $"f{i:00}.txt");
        }

        w.After(Quiet);
        Assert.Equal(6, DestinationFiles(t));
        Assert.Equal(WatchState.SideUnavailable, w.Session.State);
        var lost = Assert.Single(w.TakeEvents(), e => e.Type == WatchEventType.SideUnavailable);
        Assert.Equal(SyncSide.Source, lost.Side);

        // An edit on the other side waits too.
        t.Write(SyncSide.Destination, "f00.txt", "edited while the source was away", t.NextTime());
        w.Changed(SyncSide.Destination, "f00.txt");
        w.After(Quiet);
        Assert.False(File.Exists(Path.Combine(t.Source, "f00.txt")));

        // Plugged in again: a full rescan; nothing was deleted anywhere, and the waiting edit is applied.
        Directory.Move(away, t.Source);
        w.After(TimeSpan.FromSeconds(1));
        w.After(TimeSpan.Zero);
        Assert.Contains(w.TakeEvents(), e => e.Type == WatchEventType.SideAvailable);
        Assert.Equal(6, DestinationFiles(t));
        Assert.Equal("edited while the source was away", t.Read(SyncSide.Source, "f00.txt"));
        Assert.Equal(6, Directory.EnumerateFiles(t.Source, "f*.txt").Count());
    }

    [Fact]
    public void A_destination_root_that_vanishes_stops_syncing_instead_of_recreating_it()
    {
        using var t = new TestPair();
        Seed(t, 3);
        using var w = new WatchRig(t, Mirror(t));
        w.Start();
        var away = t.Destination + "-unmounted";
        Directory.Move(t.Destination, away);
        t.Write(SyncSide.Source, "new.txt", "new");
        w.Changed(SyncSide.Source, "new.txt");
        w.After(Quiet);

        Assert.False(Directory.Exists(t.Destination)); // not recreated on whatever disk holds the mount point
        Assert.Contains(w.TakeEvents(), e => e.Type == WatchEventType.SideUnavailable && e.Side == SyncSide.Destination);
        Directory.Move(away, t.Destination);
        w.After(TimeSpan.FromSeconds(1));
        w.After(TimeSpan.Zero);
        Assert.Equal("new", t.Read(SyncSide.Destination, "new.txt"));
    }

    [Fact]
    public void An_emptied_source_root_is_refused_as_one_batch_and_deletes_nothing()
    {
        using var t = new TestPair();
        Seed(t, 4);
        using var w = new WatchRig(t, Mirror(t));
        w.Start();
        for (var i = 0; i < 4; i++)
        {
            t.Delete(SyncSide.Source, $"f{i:00}.txt");
            w.Changed(SyncSide.Source, $"f{i:00}.txt");
        }

        w.After(Quiet);
        Assert.Equal(4, DestinationFiles(t));
        var refused = Assert.Single(w.TakeEvents(), e => e.Type == WatchEventType.BatchRefused);
        Assert.Equal("SyncRootEmptied", refused.ErrorId);
    }
}
