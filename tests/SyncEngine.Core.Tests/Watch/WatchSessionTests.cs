using System;
using System.IO;
using System.Linq;
using SyncEngine.Watch;

namespace SyncEngine.Core.Tests.Watch;

/// <summary>The watch (issue 14): batches over dirty paths, debounce, rescans, guards over time, sides that vanish.</summary>
public class WatchSessionTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    private static SyncPair PairOf(TestPair t, SyncMode mode = SyncMode.TwoWay) => new(t.Source, t.Destination) { Mode = mode, StatePath = t.StateDir };

    [Fact]
    public void The_first_full_sync_runs_at_start_and_a_reported_new_file_is_copied_once_the_quiet_period_ends()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "old.txt", "old");
        using var w = new WatchRig(t, PairOf(t));
        w.Start();
        Assert.Equal("old", t.Read(SyncSide.Destination, "old.txt"));
        w.TakeResults();

        t.Write(SyncSide.Source, "new.txt", "new");
        w.Changed(SyncSide.Source, "new.txt");
        w.After(TimeSpan.FromSeconds(1));
        Assert.False(t.Exists(SyncSide.Destination, "new.txt")); // still within the quiet period
        Assert.Equal(WatchState.Pending, w.Session.State);

        w.After(TimeSpan.FromSeconds(1));
        Assert.Equal("new", t.Read(SyncSide.Destination, "new.txt"));
        var r = Assert.Single(w.TakeResults());
        Assert.Equal(SyncActionType.UploadNew, r.Action);
        Assert.Equal(WatchState.Idle, w.Session.State);
    }

    [Fact]
    public void A_file_written_100_times_in_a_burst_is_copied_once()
    {
        using var t = new TestPair();
        using var w = new WatchRig(t, PairOf(t, SyncMode.SourceToDestination));
        w.Start();
        for (var i = 1; i <= 100; i++)
        {
            t.Write(SyncSide.Source, "busy.log", "version " + i);
            w.Changed(SyncSide.Source, "busy.log");
            w.After(TimeSpan.FromMilliseconds(50)); // 5 s of writes, never quiet for 2 s, within the 10 s maximum
        }

        Assert.Empty(w.TakeResults());
        w.After(Quiet);
        var r = Assert.Single(w.TakeResults());
        Assert.Equal(SyncActionType.UploadNew, r.Action);
        Assert.Equal("version 100", t.Read(SyncSide.Destination, "busy.log"));
    }

    [Fact]
    public void A_burst_that_never_pauses_is_flushed_at_the_maximum_delay()
    {
        using var t = new TestPair();
        using var w = new WatchRig(t, PairOf(t, SyncMode.SourceToDestination));
        w.Start();
        var copied = -1;
        for (var i = 0; i < 30 && copied < 0; i++)
        {
            t.Write(SyncSide.Source, $"f{i}.txt", "x");
            w.Changed(SyncSide.Source, $"f{i}.txt");
            w.After(TimeSpan.FromSeconds(1)); // a change every second: the 2 s quiet period never ends
            if (w.TakeResults().Count > 0)
            {
                copied = i;
            }
        }

        Assert.Equal(9, copied); // the batch went at 10 s after the first change
        Assert.True(t.Exists(SyncSide.Destination, "f9.txt"));
        Assert.False(t.Exists(SyncSide.Destination, "f10.txt"));
    }

    [Fact]
    public void A_rename_reported_as_a_delete_and_a_create_in_one_batch_is_replayed_as_a_rename()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "docs/a.txt", "content that is renamed");
        using var w = new WatchRig(t, PairOf(t));
        w.Start();
        w.TakeResults();

        t.Rename(SyncSide.Source, "docs/a.txt", "docs/b.txt");
        w.Changed(SyncSide.Source, "docs/a.txt"); // as two events (a move seen as delete + create), in one batch
        w.After(TimeSpan.FromMilliseconds(300));
        w.Changed(SyncSide.Source, "docs/b.txt");
        w.After(Quiet);

        var r = Assert.Single(w.TakeResults());
        Assert.Equal(SyncActionType.RenameDestination, r.Action);
        Assert.Equal("content that is renamed", t.Read(SyncSide.Destination, "docs/b.txt"));
        Assert.False(t.Exists(SyncSide.Destination, "docs/a.txt"));
    }

    [Fact]
    public void A_renamed_folder_reported_by_its_names_alone_moves_every_file_below_it()
    {
        using var t = new TestPair();
        for (var i = 0; i < 5; i++)
        {
            t.Write(SyncSide.Source, $"old/sub/f{i}.txt", "file " + i);
        }

        using var w = new WatchRig(t, PairOf(t));
        w.Start();
        w.TakeResults();

        Directory.Move(Path.Combine(t.Source, "old"), Path.Combine(t.Source, "new"));
        w.Changed(SyncSide.Source, "old");
        w.Changed(SyncSide.Source, "new");
        w.After(Quiet);

        var results = w.TakeResults();
        Assert.Equal(5, results.Count);
        Assert.All(results, r => Assert.Equal(SyncActionType.RenameDestination, r.Action));
        Assert.Equal("file 3", t.Read(SyncSide.Destination, "new/sub/f3.txt"));
        Assert.False(Directory.Exists(Path.Combine(t.Destination, "old", "sub")) && Directory.EnumerateFiles(Path.Combine(t.Destination, "old"), "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public void Only_the_dirty_paths_are_planned_until_a_rescan_lists_both_sides()
    {
        using var t = new TestPair();
        using var w = new WatchRig(t, PairOf(t, SyncMode.SourceToDestination));
        w.Start();
        t.Write(SyncSide.Source, "unreported.txt", "the feed missed this one");
        t.Write(SyncSide.Source, "reported.txt", "reported");
        w.Changed(SyncSide.Source, "reported.txt");
        w.After(Quiet);

        Assert.True(t.Exists(SyncSide.Destination, "reported.txt"));
        Assert.False(t.Exists(SyncSide.Destination, "unreported.txt"));

        // An overflowing event queue (or a watcher error) asks for a full rescan: the missed file is found.
        w.Sink.RescanNeeded(SyncSide.Source, "the change queue overflowed");
        w.After(TimeSpan.Zero);
        Assert.Equal("the feed missed this one", t.Read(SyncSide.Destination, "unreported.txt"));
        Assert.Contains(w.TakeEvents(), e => e.Type == WatchEventType.RescanRequested && e.Message!.Contains("overflowed"));
    }

    [Fact]
    public void The_periodic_rescan_finds_what_no_feed_reported()
    {
        using var t = new TestPair();
        using var w = new WatchRig(t, PairOf(t, SyncMode.SourceToDestination));
        w.Start();
        t.Write(SyncSide.Source, "silent.txt", "no event for me");
        w.After(TimeSpan.FromMinutes(9));
        Assert.False(t.Exists(SyncSide.Destination, "silent.txt"));
        w.After(TimeSpan.FromMinutes(1));
        Assert.Equal("no event for me", t.Read(SyncSide.Destination, "silent.txt"));
    }

    [Fact]
    public void Its_own_writes_coming_back_as_events_change_nothing_and_count_no_batch()
    {
        using var t = new TestPair();
        using var w = new WatchRig(t, PairOf(t));
        w.Start();
        t.Write(SyncSide.Source, "a.txt", "a");
        w.Changed(SyncSide.Source, "a.txt");
        w.After(Quiet);
        Assert.Single(w.TakeResults());
        var batches = w.Session.Batch;

        w.Changed(SyncSide.Destination, "a.txt"); // the echo of the copy the watch just made
        w.After(Quiet);
        Assert.Empty(w.TakeResults());
        Assert.Equal(batches, w.Session.Batch);
    }

    [Fact]
    public void Edits_on_both_sides_in_one_window_go_through_the_conflict_rules()
    {
        using var t = new TestPair();
        t.WriteBoth("both.txt", "base");
        using var w = new WatchRig(t, PairOf(t));
        w.Start();
        w.TakeResults();

        t.Write(SyncSide.Source, "both.txt", "source edit", t.NextTime());
        t.Write(SyncSide.Destination, "both.txt", "destination edit, newer", t.NextTime());
        w.Changed(SyncSide.Source, "both.txt");
        w.Changed(SyncSide.Destination, "both.txt");
        w.After(Quiet);

        Assert.Equal("destination edit, newer", t.Read(SyncSide.Source, "both.txt")); // NewestWins
        Assert.Single(w.TakeResults());
    }

    [Fact]
    public void Tracked_paths_outside_a_batch_count_as_unchanged_and_keep_their_records()
    {
        using var t = new TestPair();
        for (var i = 0; i < 5; i++)
        {
            t.Write(SyncSide.Source, $"kept/f{i}.txt", "kept " + i);
        }

        var pair = PairOf(t);
        using var w = new WatchRig(t, pair);
        w.Start();
        w.TakeResults();
        t.Write(SyncSide.Source, "one.txt", "one");
        w.Changed(SyncSide.Source, "one.txt");
        w.After(Quiet);
        Assert.Single(w.TakeResults());

        // The state on disk still knows every file (a batch over one path neither forgot nor re-planned the others).
        var plan = SyncPlanner.Plan(pair);
        Assert.Equal(6, plan.Info.TrackedFileCount);
        Assert.DoesNotContain(plan.Actions, a => a.Action != SyncActionType.NoAction);
    }
}
