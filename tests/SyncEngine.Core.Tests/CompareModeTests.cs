using System;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>The five comparison modes of seed 000, the ±2 s tolerance, and the hash cache (DESIGN.md: "Comparison modes").</summary>
public class CompareModeTests
{
    private static readonly DateTime T0 = new(2024, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    private static decimal UnixSeconds(DateTime utc) => (utc - DateTime.UnixEpoch).Ticks / 10_000_000m;

    private static SyncPair Baseline(TestPair t, SyncMode mode, CompareMode compare, params (string Path, string Content)[] files)
    {
        foreach (var (p, c) in files)
        {
            t.Write(SyncSide.Source, p, c);
        }

        var pair = PairOf(t, mode, compare);
        Assert.Equal("Succeeded", Run(pair).Summary.Outcome);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        return pair;
    }

    // ---------- HASH_THEN_MTIME (default)

    [Fact]
    public void HashThenMtime_a_touched_file_is_not_copied_and_its_new_time_is_recorded()
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, CompareMode.HashThenMtime, ("f.txt", "unchanged content"), ("g.txt", "other"));
        var touched = Mtime(t, SyncSide.Source, "f.txt").AddHours(5);
        SetMtime(t, SyncSide.Source, "f.txt", touched);
        var destinationTime = Mtime(t, SyncSide.Destination, "f.txt");
        var destinationId = FileId(t, SyncSide.Destination, "f.txt");

        var run = Run(pair);

        NoVisibleActions(run.Plan);
        Assert.Equal(0, run.Summary.BytesTransferred);
        Assert.Equal(destinationTime, Mtime(t, SyncSide.Destination, "f.txt"));
        Assert.Equal(destinationId, FileId(t, SyncSide.Destination, "f.txt"));
        Assert.Empty(t.TrashContents(SyncSide.Destination));
        var recorded = StateEntry(t.StateDir, SyncSide.Source, "f.txt");
        Assert.NotNull(recorded);
        Assert.Equal(UnixSeconds(touched), recorded!.Value.GetProperty("mtime").GetDecimal());

        // Refreshed: the next run does not even hash it again.
        var src = new HookedProvider(t.Source);
        var dst = new HookedProvider(t.Destination);
        var next = Run(pair, src, dst);
        NoVisibleActions(next.Plan);
        Assert.Equal(0, src.ContentAccessCount);
        Assert.Equal(0, dst.ContentAccessCount);
    }

    [Fact]
    public void HashThenMtime_a_touched_file_whose_hash_the_first_sync_computed_is_not_copied()
    {
        using var t = new TestPair();
        // Equal content hours apart: the first sync has to hash both, so the state knows the hash.
        t.Write(SyncSide.Source, "f.txt", "equal content", T0);
        t.Write(SyncSide.Destination, "f.txt", "equal content", T0.AddHours(3));
        var pair = PairOf(t);
        Run(pair);
        SetMtime(t, SyncSide.Destination, "f.txt", T0.AddDays(1));

        var run = Run(pair);

        NoVisibleActions(run.Plan);
        Assert.Equal(T0, Mtime(t, SyncSide.Source, "f.txt"));
        NoVisibleActions(t.Plan(pair));
    }

    [Theory]
    [InlineData(SyncSide.Source)]
    [InlineData(SyncSide.Destination)]
    public void HashThenMtime_a_touch_on_one_side_never_beats_a_real_edit_on_the_other(SyncSide editedOn)
    {
        // Seed 000: "Modified" means different content than the last state; a touched file is "Same". So this is
        // "modified on one side", not a conflict, even though the touch is newer.
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, CompareMode.HashThenMtime, ("f.txt", "original"), ("g.txt", "other"));
        var touchedOn = editedOn == SyncSide.Source ? SyncSide.Destination : SyncSide.Source;
        t.Write(editedOn, "f.txt", "a real edit, longer");
        SetMtime(t, touchedOn, "f.txt", Mtime(t, editedOn, "f.txt").AddHours(1));

        var run = Run(pair);

        Assert.Equal(new[] { (editedOn == SyncSide.Source ? "UploadUpdate" : "DownloadUpdate") + " f.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal("a real edit, longer", t.Read(SyncSide.Source, "f.txt"));
        Assert.Equal("a real edit, longer", t.Read(SyncSide.Destination, "f.txt"));
    }

    [Fact]
    public void HashThenMtime_a_size_change_is_a_change_even_with_the_same_time()
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, CompareMode.HashThenMtime, ("f.txt", "abc"), ("g.txt", "other"));
        var time = Mtime(t, SyncSide.Source, "f.txt");
        t.Write(SyncSide.Source, "f.txt", "abcdef", time);

        var run = Run(pair);

        Assert.Equal(new[] { "UploadUpdate f.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal("abcdef", t.Read(SyncSide.Destination, "f.txt"));
    }

    [Fact]
    public void HashThenMtime_same_size_new_content_with_a_new_time_is_a_change()
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, CompareMode.HashThenMtime, ("f.txt", "abc"), ("g.txt", "other"));
        t.Write(SyncSide.Destination, "f.txt", "xyz");

        var run = Run(pair);

        Assert.Equal(new[] { "DownloadUpdate f.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal("xyz", t.Read(SyncSide.Source, "f.txt"));
        Assert.Equal(new[] { "abc" }, Trash(t, SyncSide.Source));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1500)]
    [InlineData(-1999)]
    [InlineData(3 * 3600 * 1000)]
    public void HashThenMtime_first_sync_treats_equal_content_as_equal_whatever_the_time_difference(int millisecondsApart)
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", "identical", T0);
        t.Write(SyncSide.Destination, "f.txt", "identical", T0.AddMilliseconds(millisecondsApart));
        var pair = PairOf(t);

        var run = Run(pair);

        NoVisibleActions(run.Plan);
        Assert.Equal(0, run.Summary.BytesTransferred);
        Assert.Equal(T0.AddMilliseconds(millisecondsApart), Mtime(t, SyncSide.Destination, "f.txt"));
        Assert.Equal(new[] { "f.txt" }, StateKeys(t.StateDir));
        NoVisibleActions(t.Plan(pair));
    }

    [Fact]
    public void HashThenMtime_first_sync_with_same_size_different_content_an_hour_apart_lets_the_newer_win()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", "older", T0);
        t.Write(SyncSide.Destination, "f.txt", "newer", T0.AddHours(1));
        var pair = PairOf(t);

        var run = Run(pair);

        var a = Assert.Single(run.Plan.Visible());
        Assert.Equal(SyncActionType.DownloadUpdate, a.Action);
        Assert.True(a.IsConflict);
        Assert.Equal("newer", t.Read(SyncSide.Source, "f.txt"));
        Assert.Equal(new[] { "older" }, Trash(t, SyncSide.Source));
    }

    [Theory]
    [InlineData(SyncMode.SourceToDestination, 1000)]
    [InlineData(SyncMode.SourceToDestination, 0)]
    [InlineData(SyncMode.DestinationToSource, -1500)]
    [InlineData(SyncMode.SourceBackup, 0)]
    public void HashThenMtime_first_sync_copies_different_same_size_content_with_close_mtimes(SyncMode mode, int destinationLaterByMs)
    {
        // Seed 000: equal size and close times are not proof; where both sides can be hashed, the hashes decide.
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", "source content", T0);
        t.Write(SyncSide.Destination, "f.txt", "destin content", T0.AddMilliseconds(destinationLaterByMs));
        var pair = PairOf(t, mode);

        var run = Run(pair);

        var upload = mode.AllowsUpload();
        Assert.Equal(new[] { (upload ? "UploadUpdate" : "DownloadUpdate") + " f.txt" }, Describe(run.Plan.Visible()));
        var winner = upload ? "source content" : "destin content";
        Assert.Equal(winner, t.Read(SyncSide.Source, "f.txt"));
        Assert.Equal(winner, t.Read(SyncSide.Destination, "f.txt"));
        Assert.Equal(new[] { upload ? "destin content" : "source content" }, Trash(t, upload ? SyncSide.Destination : SyncSide.Source));
        NoVisibleActions(t.Plan(pair));
    }

    [Fact]
    public void HashThenMtime_first_TwoWay_sync_reports_different_same_size_content_with_close_mtimes_as_a_conflict()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", "source content", T0);
        t.Write(SyncSide.Destination, "f.txt", "destin content", T0.AddMilliseconds(800));
        var pair = PairOf(t);

        var run = Run(pair);

        // Neither is newer (within the tolerance): reported, nothing overwritten, and still reported next time.
        Assert.Equal(new[] { "Conflict f.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal(1, run.Summary.Conflicts);
        Assert.Equal("source content", t.Read(SyncSide.Source, "f.txt"));
        Assert.Equal("destin content", t.Read(SyncSide.Destination, "f.txt"));
        Assert.Equal(new[] { "Conflict f.txt" }, Describe(t.Plan(pair).Visible()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HashThenMtime_different_same_size_edits_on_both_sides_are_a_conflict(bool baselineByUpload)
    {
        using var t = new TestPair();
        SyncPair pair;
        if (baselineByUpload)
        {
            pair = Baseline(t, SyncMode.TwoWay, CompareMode.HashThenMtime, ("f.txt", "base content"), ("g.txt", "other"));
        }
        else
        {
            // Equal on both sides with close times: the first sync records them as equal.
            t.Write(SyncSide.Source, "f.txt", "base content", T0);
            t.Write(SyncSide.Destination, "f.txt", "base content", T0.AddSeconds(1));
            pair = PairOf(t);
            NoVisibleActions(Run(pair).Plan);
        }

        var t1 = T0.AddDays(1);
        t.Write(SyncSide.Source, "f.txt", "source edit!", t1);
        t.Write(SyncSide.Destination, "f.txt", "destin edit!", t1.AddSeconds(1));

        var run = Run(pair);

        var a = Assert.Single(run.Plan.Visible());
        Assert.Equal(SyncActionType.Conflict, a.Action);
        Assert.DoesNotContain("same content", a.Reason, StringComparison.Ordinal);
        Assert.Equal("source edit!", t.Read(SyncSide.Source, "f.txt"));
        Assert.Equal("destin edit!", t.Read(SyncSide.Destination, "f.txt"));
        Assert.Equal(new[] { "Conflict f.txt" }, Describe(t.Plan(pair).Visible()));
    }

    [Theory]
    [InlineData(1000, false)]
    [InlineData(3 * 3600 * 1000, true)]
    public void HashThenMtime_where_a_side_cannot_hash_the_modification_time_decides(int destinationLaterByMs, bool differ)
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", "source content", T0);
        t.Write(SyncSide.Destination, "f.txt", "destin content", T0.AddMilliseconds(destinationLaterByMs));
        var pair = PairOf(t, SyncMode.SourceToDestination);
        var dst = new HookedProvider(t.Destination) { HashUnavailable = true };

        var run = Run(pair, null, dst);

        Assert.Equal(differ ? new[] { "UploadUpdate f.txt" } : Array.Empty<string>(), Describe(run.Plan.Visible()));
        Assert.Equal(differ ? "source content" : "destin content", t.Read(SyncSide.Destination, "f.txt"));
    }

    // ---------- SIZE_ONLY

    [Fact]
    public void SizeOnly_same_size_new_content_is_not_a_change()
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, CompareMode.SizeOnly, ("f.txt", "abc"), ("g.txt", "other"));
        t.Write(SyncSide.Source, "f.txt", "xyz");

        var run = Run(pair);

        NoVisibleActions(run.Plan);
        Assert.Equal("abc", t.Read(SyncSide.Destination, "f.txt"));
    }

    [Fact]
    public void SizeOnly_a_size_change_is_copied()
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, CompareMode.SizeOnly, ("f.txt", "abc"), ("g.txt", "other"));
        t.Write(SyncSide.Source, "f.txt", "abcd");

        var run = Run(pair);

        Assert.Equal(new[] { "UploadUpdate f.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal("abcd", t.Read(SyncSide.Destination, "f.txt"));
    }

    [Theory]
    [InlineData(CompareMode.SizeOnly)]
    [InlineData(CompareMode.HashOnly)]
    public void SizeOnly_and_HashOnly_differences_on_both_sides_are_unresolved_conflicts_in_TwoWay(CompareMode compare)
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, compare, ("f.txt", "base"), ("g.txt", "other"));
        t.Write(SyncSide.Source, "f.txt", "source edit");
        t.Write(SyncSide.Destination, "f.txt", "destination edit, newer"); // newer, yet time must not decide

        var run = Run(pair);

        var a = Assert.Single(run.Plan.Visible());
        Assert.Equal(SyncActionType.Conflict, a.Action);
        Assert.Equal("f.txt", a.RelativePath);
        Assert.Equal(1, run.Summary.Conflicts);
        Assert.Equal("Conflicts", run.Summary.Outcome);
        Assert.Equal(SyncResultStatus.Skipped, run.ResultFor("f.txt").Status);
        Assert.Equal("source edit", t.Read(SyncSide.Source, "f.txt"));
        Assert.Equal("destination edit, newer", t.Read(SyncSide.Destination, "f.txt"));
        Assert.Empty(t.TrashContents(SyncSide.Source));
        Assert.Empty(t.TrashContents(SyncSide.Destination));

        // Still a conflict next time: the state did not pretend it was resolved.
        Assert.Equal(new[] { "Conflict f.txt" }, Describe(t.Plan(pair).Visible()));
    }

    [Theory]
    [InlineData(CompareMode.SizeOnly)]
    [InlineData(CompareMode.HashOnly)]
    public void SizeOnly_and_HashOnly_differences_at_a_first_TwoWay_sync_are_conflicts(CompareMode compare)
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", "short", T0);
        t.Write(SyncSide.Destination, "f.txt", "much longer content", T0.AddHours(1));
        var pair = PairOf(t, SyncMode.TwoWay, compare);

        var run = Run(pair);

        Assert.Equal(new[] { "Conflict f.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal(1, run.Summary.Conflicts);
        Assert.Equal("short", t.Read(SyncSide.Source, "f.txt"));
        Assert.Equal("much longer content", t.Read(SyncSide.Destination, "f.txt"));
    }

    [Theory]
    [InlineData(CompareMode.SizeOnly, SyncMode.SourceToDestination)]
    [InlineData(CompareMode.HashOnly, SyncMode.SourceToDestination)]
    [InlineData(CompareMode.SizeOnly, SyncMode.DestinationBackup)]
    [InlineData(CompareMode.HashOnly, SyncMode.DestinationBackup)]
    public void SizeOnly_and_HashOnly_differences_in_one_way_modes_follow_the_direction(CompareMode compare, SyncMode mode)
    {
        using var t = new TestPair();
        var origin = mode.AllowsUpload() ? SyncSide.Source : SyncSide.Destination;
        t.Write(origin, "f.txt", "base");
        t.Write(origin, "g.txt", "other");
        var pair = PairOf(t, mode, compare);
        Run(pair);
        t.Write(SyncSide.Source, "f.txt", "source edit");
        t.Write(SyncSide.Destination, "f.txt", "destination edit, newer");

        var run = Run(pair);

        var winner = mode == SyncMode.SourceToDestination ? "source edit" : "destination edit, newer";
        Assert.Equal(new[] { (mode == SyncMode.SourceToDestination ? "UploadUpdate" : "DownloadUpdate") + " f.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal(winner, t.Read(SyncSide.Source, "f.txt"));
        Assert.Equal(winner, t.Read(SyncSide.Destination, "f.txt"));
        Assert.Equal(0, run.Summary.Conflicts);
    }

    // ---------- HASH_ONLY

    [Fact]
    public void HashOnly_a_touched_file_is_not_copied()
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, CompareMode.HashOnly, ("f.txt", "content"), ("g.txt", "other"));
        SetMtime(t, SyncSide.Destination, "f.txt", Mtime(t, SyncSide.Destination, "f.txt").AddDays(2));

        var run = Run(pair);

        NoVisibleActions(run.Plan);
        Assert.Equal(0, run.Summary.BytesTransferred);
        Assert.Empty(t.TrashContents(SyncSide.Source));
    }

    [Fact]
    public void HashOnly_new_content_is_copied()
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, CompareMode.HashOnly, ("f.txt", "abc"), ("g.txt", "other"));
        t.Write(SyncSide.Destination, "f.txt", "xyz");

        var run = Run(pair);

        Assert.Equal(new[] { "DownloadUpdate f.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal("xyz", t.Read(SyncSide.Source, "f.txt"));
    }

    [Fact]
    public void HashOnly_first_sync_compares_content_even_when_size_and_time_agree()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "same.txt", "abc", T0);
        t.Write(SyncSide.Destination, "same.txt", "abc", T0);
        t.Write(SyncSide.Source, "differs.txt", "abc", T0);
        t.Write(SyncSide.Destination, "differs.txt", "xyz", T0);
        var pair = PairOf(t, SyncMode.SourceToDestination, CompareMode.HashOnly);

        var run = Run(pair);

        Assert.Equal(new[] { "UploadUpdate differs.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal("abc", t.Read(SyncSide.Destination, "differs.txt"));
        Assert.Equal(new[] { "xyz" }, Trash(t, SyncSide.Destination));
    }

    // ---------- MTIME_ONLY

    [Theory]
    [InlineData(1900, false)]
    [InlineData(-1900, false)]
    [InlineData(2000, false)]
    [InlineData(3000, true)]
    [InlineData(-3000, true)]
    public void MtimeOnly_first_sync_uses_a_two_second_tolerance_and_the_newer_wins(int destinationLaterByMs, bool differ)
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", "source text", T0);
        t.Write(SyncSide.Destination, "f.txt", "destination text", T0.AddMilliseconds(destinationLaterByMs));
        var pair = PairOf(t, SyncMode.TwoWay, CompareMode.MtimeOnly);

        var run = Run(pair);

        if (!differ)
        {
            NoVisibleActions(run.Plan);
            Assert.Equal("source text", t.Read(SyncSide.Source, "f.txt"));
            Assert.Equal("destination text", t.Read(SyncSide.Destination, "f.txt"));
        }
        else
        {
            var expected = destinationLaterByMs > 0 ? "DownloadUpdate f.txt" : "UploadUpdate f.txt";
            Assert.Equal(new[] { expected }, Describe(run.Plan.Visible()));
            var winner = destinationLaterByMs > 0 ? "destination text" : "source text";
            Assert.Equal(winner, t.Read(SyncSide.Source, "f.txt"));
            Assert.Equal(winner, t.Read(SyncSide.Destination, "f.txt"));
        }

        NoVisibleActions(t.Plan(pair));
    }

    [Fact]
    public void MtimeOnly_ignores_a_size_change_without_a_time_change()
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, CompareMode.MtimeOnly, ("f.txt", "abc"), ("g.txt", "other"));
        t.Write(SyncSide.Source, "f.txt", "abcdef", Mtime(t, SyncSide.Source, "f.txt"));

        NoVisibleActions(Run(pair).Plan);
        Assert.Equal("abc", t.Read(SyncSide.Destination, "f.txt"));
    }

    [Fact]
    public void MtimeOnly_a_touched_file_is_copied()
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, CompareMode.MtimeOnly, ("f.txt", "abc"), ("g.txt", "other"));
        SetMtime(t, SyncSide.Source, "f.txt", Mtime(t, SyncSide.Source, "f.txt").AddMinutes(10));

        var run = Run(pair);

        Assert.Equal(new[] { "UploadUpdate f.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal(Mtime(t, SyncSide.Source, "f.txt"), Mtime(t, SyncSide.Destination, "f.txt"));
    }

    // ---------- SIZE_AND_MTIME

    [Fact]
    public void SizeAndMtime_a_touched_file_is_copied_and_same_size_same_time_edits_are_not_seen()
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.TwoWay, CompareMode.SizeAndMtime, ("touched.txt", "abc"), ("hidden.txt", "abc"), ("g.txt", "other"));
        SetMtime(t, SyncSide.Source, "touched.txt", Mtime(t, SyncSide.Source, "touched.txt").AddMinutes(10));
        t.Write(SyncSide.Source, "hidden.txt", "xyz", Mtime(t, SyncSide.Source, "hidden.txt"));

        var run = Run(pair);

        Assert.Equal(new[] { "UploadUpdate touched.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal("abc", t.Read(SyncSide.Destination, "hidden.txt"));
    }

    [Theory]
    [InlineData("abc", "xyz", 1500, false)]
    [InlineData("abc", "xyz", 3000, true)]
    [InlineData("abc", "xyzw", 0, true)]
    public void SizeAndMtime_first_sync_needs_equal_size_and_time_within_two_seconds(string source, string destination, int destinationLaterByMs, bool differ)
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", source, T0);
        t.Write(SyncSide.Destination, "f.txt", destination, T0.AddMilliseconds(destinationLaterByMs));
        var pair = PairOf(t, SyncMode.SourceToDestination, CompareMode.SizeAndMtime);

        var run = Run(pair);

        Assert.Equal(differ ? new[] { "UploadUpdate f.txt" } : Array.Empty<string>(), Describe(run.Plan.Visible()));
        Assert.Equal(differ ? source : destination, t.Read(SyncSide.Destination, "f.txt"));
    }

    // ---------- Hash cache

    [Fact]
    public void A_second_run_without_changes_reads_no_content_on_either_side()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "copied.txt", "copied by the first run");
        t.Write(SyncSide.Destination, "downloaded.txt", "downloaded by the first run");
        // Same content on both sides, hours apart: the first run must hash these to know they are equal.
        t.Write(SyncSide.Source, "equal.txt", "equal content", T0);
        t.Write(SyncSide.Destination, "equal.txt", "equal content", T0.AddHours(4));
        t.Write(SyncSide.Source, "sub/deep/x.bin", new string('x', 200_000));
        var pair = PairOf(t);
        var first = Run(pair);
        Assert.Equal("Succeeded", first.Summary.Outcome);

        var src = new HookedProvider(t.Source);
        var dst = new HookedProvider(t.Destination);
        var second = Run(pair, src, dst);

        NoVisibleActions(second.Plan);
        Assert.Equal(0, src.ContentAccessCount);
        Assert.Equal(0, dst.ContentAccessCount);
        Assert.Equal(0, src.BeginWriteCount + dst.BeginWriteCount);
    }

    [Fact]
    public void An_unchanged_file_is_never_hashed_again_across_runs()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "stable.txt", "stable");
        t.Write(SyncSide.Source, "touched.txt", "touched");
        t.Write(SyncSide.Source, "edited.txt", "edit me");
        var pair = PairOf(t);
        Run(pair);

        // Run 2: one file touched (same content): it may be hashed once, nothing else is.
        SetMtime(t, SyncSide.Source, "touched.txt", Mtime(t, SyncSide.Source, "touched.txt").AddHours(1));
        var s2 = new HookedProvider(t.Source);
        var d2 = new HookedProvider(t.Destination);
        var run2 = Run(pair, s2, d2);
        NoVisibleActions(run2.Plan);
        Assert.All(s2.HashedPaths.Concat(d2.HashedPaths), p => Assert.Equal("touched.txt", p));
        Assert.True(s2.HashedPaths.Count + d2.HashedPaths.Count <= 2);

        // Run 3: nothing changed: nothing hashed or read.
        var s3 = new HookedProvider(t.Source);
        var d3 = new HookedProvider(t.Destination);
        NoVisibleActions(Run(pair, s3, d3).Plan);
        Assert.Equal(0, s3.ContentAccessCount + d3.ContentAccessCount);

        // Run 4: one edit of the same size: only that file is read.
        t.Write(SyncSide.Source, "edited.txt", "edit ME");
        var s4 = new HookedProvider(t.Source);
        var d4 = new HookedProvider(t.Destination);
        var run4 = Run(pair, s4, d4);
        Assert.Equal(new[] { "UploadUpdate edited.txt" }, Describe(run4.Plan.Visible()));
        Assert.All(s4.HashedPaths.Concat(d4.HashedPaths).Concat(s4.ReadPaths).Concat(d4.ReadPaths), p => Assert.Equal("edited.txt", p));

        // Run 5: quiet again.
        var s5 = new HookedProvider(t.Source);
        var d5 = new HookedProvider(t.Destination);
        NoVisibleActions(Run(pair, s5, d5).Plan);
        Assert.Equal(0, s5.ContentAccessCount + d5.ContentAccessCount);
    }
}
