using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Control;
using SyncEngine.Reliability.Tests.Infrastructure;
using SyncEngine.Storage;

namespace SyncEngine.Reliability.Tests;

/// <summary>
/// Injected storage failures (issue 4, "Faults"): the run goes on with the other files, reports each failure with
/// path and reason, never records a failed or interrupted action as done, and retries only transient failures,
/// a bounded, configurable number of times with a growing delay.
/// </summary>
public class FaultTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _out;

    public FaultTests(Xunit.Abstractions.ITestOutputHelper output) => _out = output;

    private static FaultyStorageProvider Faulty(string root) => new(new LocalStorageProvider(root));

    /// <summary>Three new source files; a fault on the middle one.</summary>
    private static Sandbox ThreeFiles()
    {
        var t = new Sandbox();
        t.Write(SyncSide.Source, "a.txt", "A");
        t.Write(SyncSide.Source, "dir/b.txt", "B");
        t.Write(SyncSide.Source, "c.txt", "C");
        return t;
    }

    private static void AssertReplanned(SyncPair pair, string path, SyncActionType expected)
    {
        var plan = Sandbox.PlanOnly(pair);
        var again = Assert.Single(plan.Visible(), a => a.RelativePath == path);
        Assert.Equal(expected, again.Action);
    }

    [Fact]
    public void Access_denied_on_read_fails_that_file_only_is_not_retried_and_is_replanned()
    {
        using var t = ThreeFiles();
        var src = Faulty(t.Source);
        src.Rules.Add(new FaultRule { Op = FaultOp.OpenRead, Match = FaultRule.Path("dir/b.txt"), Throw = Faults.Denied });
        var pair = Sandbox.With(t.Pair(), retryCount: 3);

        var run = Sandbox.Run(pair, src);

        Assert.Equal("Failed", run.Summary.Outcome);
        Assert.Equal(2, run.Summary.Succeeded);
        var failed = Assert.Single(run.Failed);
        Assert.Equal("dir/b.txt", failed.RelativePath);
        Assert.Equal("SyncAccessDenied", failed.ErrorId);
        Assert.Equal(SyncErrorKind.PermissionDenied, failed.ErrorKind);
        Assert.Contains("dir/b.txt", failed.Error);
        Assert.Contains("denied", failed.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, src.CallCount(FaultOp.OpenRead, "dir/b.txt"));
        Assert.Equal("A", t.Read(SyncSide.Destination, "a.txt"));
        Assert.Equal("C", t.Read(SyncSide.Destination, "c.txt"));
        Assert.False(t.Exists(SyncSide.Destination, "dir/b.txt"));
        Assert.Empty(t.TempLeftovers(SyncSide.Destination));
        AssertReplanned(pair, "dir/b.txt", SyncActionType.UploadNew);
        Assert.Equal(new[] { "canary.txt" }, t.Outside());
    }

    [Fact]
    public void Disk_full_while_writing_fails_without_retry_leaves_no_partial_file_and_is_replanned()
    {
        using var t = ThreeFiles();
        var dst = Faulty(t.Destination);
        dst.Rules.Add(new FaultRule { Op = FaultOp.Write, Match = FaultRule.Path("dir/b.txt"), Throw = Faults.DiskFull });
        var pair = Sandbox.With(t.Pair(), retryCount: 4);

        var run = Sandbox.Run(pair, null, dst);

        var failed = Assert.Single(run.Failed);
        Assert.Equal("dir/b.txt", failed.RelativePath);
        Assert.Equal("SyncDiskFull", failed.ErrorId);
        Assert.Contains("No space left", failed.Error);
        Assert.Equal(1, dst.CallCount(FaultOp.BeginWrite, "dir/b.txt"));
        Assert.Equal(2, run.Summary.Succeeded);
        Assert.False(t.Exists(SyncSide.Destination, "dir/b.txt"));
        Assert.Empty(t.TempLeftovers(SyncSide.Destination));
        AssertReplanned(pair, "dir/b.txt", SyncActionType.UploadNew);
    }

    [Fact]
    public void Sharing_violation_is_transient_and_a_retry_succeeds()
    {
        using var t = ThreeFiles();
        var src = Faulty(t.Source);
        src.Rules.Add(new FaultRule { Op = FaultOp.OpenRead, Match = FaultRule.Path("dir/b.txt"), Throw = Faults.SharingViolation, Times = 2 });
        var pair = Sandbox.With(t.Pair(), retryCount: 3);

        var run = Sandbox.Run(pair, src);

        Assert.Equal("Succeeded", run.Summary.Outcome);
        Assert.Equal(SyncResultStatus.Succeeded, run.For("dir/b.txt").Status);
        Assert.Equal(3, src.CallCount(FaultOp.OpenRead, "dir/b.txt"));
        Assert.Equal("B", t.Read(SyncSide.Destination, "dir/b.txt"));
        Assert.Empty(Sandbox.PlanOnly(pair).Visible());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void Persistent_sharing_violation_is_tried_retry_count_plus_one_times_then_reported(int retryCount)
    {
        using var t = ThreeFiles();
        var src = Faulty(t.Source);
        src.Rules.Add(new FaultRule { Op = FaultOp.OpenRead, Match = FaultRule.Path("dir/b.txt"), Throw = Faults.SharingViolation });
        var pair = Sandbox.With(t.Pair(), retryCount: retryCount, retryDelay: TimeSpan.FromMilliseconds(1));

        var run = Sandbox.Run(pair, src);

        var failed = Assert.Single(run.Failed);
        Assert.Equal("SyncFileInUse", failed.ErrorId);
        Assert.Equal(SyncErrorKind.ResourceBusy, failed.ErrorKind);
        Assert.Contains("dir/b.txt", failed.Error);
        Assert.Equal(retryCount + 1, src.CallCount(FaultOp.OpenRead, "dir/b.txt"));
        Assert.Equal(2, run.Summary.Succeeded);
        AssertReplanned(pair, "dir/b.txt", SyncActionType.UploadNew);
    }

    [Fact]
    public void Generic_io_error_is_retried_with_a_growing_delay()
    {
        using var t = ThreeFiles();
        var src = Faulty(t.Source);
        src.Rules.Add(new FaultRule { Op = FaultOp.OpenRead, Match = FaultRule.Path("dir/b.txt"), Throw = Faults.Io });
        var delay = TimeSpan.FromMilliseconds(40);
        var pair = Sandbox.With(t.Pair(), retryCount: 3, retryDelay: delay);

        var run = Sandbox.Run(pair, src);

        var failed = Assert.Single(run.Failed);
        Assert.Equal("SyncCopyFailed", failed.ErrorId);
        var attempts = src.Calls.Where(c => c.Op == FaultOp.OpenRead && c.Path == "dir/b.txt").Select(c => c.Utc).ToList();
        Assert.Equal(4, attempts.Count);

        // Lower bounds only (a sleep never ends early): the gaps are at least delay, 2×delay, 4×delay.
        for (var i = 1; i < attempts.Count; i++)
        {
            var gap = attempts[i] - attempts[i - 1];
            var minimum = TimeSpan.FromTicks(delay.Ticks * (1L << (i - 1)));
            Assert.True(gap >= minimum - TimeSpan.FromMilliseconds(5), $"retry {i} came after {gap.TotalMilliseconds} ms, expected at least {minimum.TotalMilliseconds} ms");
        }

        AssertReplanned(pair, "dir/b.txt", SyncActionType.UploadNew);
    }

    [Fact]
    public void File_vanishing_between_scan_and_copy_is_reported_and_nothing_is_recorded()
    {
        using var t = ThreeFiles();
        var src = Faulty(t.Source);
        src.Rules.Add(new FaultRule { Op = FaultOp.OpenRead, Match = FaultRule.Path("dir/b.txt"), Before = _ => t.Delete(SyncSide.Source, "dir/b.txt"), Times = 1 });

        var run = Sandbox.Run(t.Pair(), src);

        var r = run.For("dir/b.txt");
        Assert.NotEqual(SyncResultStatus.Succeeded, r.Status);
        Assert.Contains("dir/b.txt", r.Error);
        Assert.False(t.Exists(SyncSide.Destination, "dir/b.txt"));
        Assert.Empty(t.TempLeftovers(SyncSide.Destination));
        Assert.Equal(2, run.Summary.Succeeded);

        // The file is gone from both sides and was never recorded: the next run has nothing to do for it.
        Assert.DoesNotContain(Sandbox.PlanOnly(t.Pair()).Actions, a => a.RelativePath == "dir/b.txt" && a.IsMutating);
    }

    [Fact]
    public void Tracked_file_vanishing_during_an_update_is_not_recorded_as_copied()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "doc.txt", "v1");
        var pair = t.Pair();
        Sandbox.Run(pair);
        t.Write(SyncSide.Source, "doc.txt", "v2 longer");
        var src = Faulty(t.Source);
        src.Rules.Add(new FaultRule { Op = FaultOp.OpenRead, Match = FaultRule.Path("doc.txt"), Before = _ => t.Delete(SyncSide.Source, "doc.txt"), Times = 1 });

        var run = Sandbox.Run(pair, src);

        Assert.NotEqual(SyncResultStatus.Succeeded, run.For("doc.txt").Status);
        Assert.Equal("v1", t.Read(SyncSide.Destination, "doc.txt"));
        Assert.Empty(t.TempLeftovers(SyncSide.Destination));
    }

    [Fact]
    public void File_growing_during_its_copy_is_not_recorded_and_the_next_run_copies_the_grown_file()
    {
        using var t = ThreeFiles();
        t.WriteBytes(SyncSide.Source, "big.bin", new byte[3 << 20]);
        var src = Faulty(t.Source);
        src.Rules.Add(new FaultRule
        {
            Op = FaultOp.Read,
            Match = FaultRule.Path("big.bin"),
            Times = 1,
            Before = _ =>
            {
                using var f = new FileStream(t.Full(SyncSide.Source, "big.bin"), FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                f.Write(new byte[] { 1, 2, 3, 4 });
            },
        });
        var pair = t.Pair();

        var run = Sandbox.Run(pair, src);

        var r = run.For("big.bin");
        Assert.Equal(SyncResultStatus.Stale, r.Status);
        Assert.Contains("big.bin", r.Error);
        Assert.False(t.Exists(SyncSide.Destination, "big.bin"));
        Assert.Empty(t.TempLeftovers(SyncSide.Destination));
        Assert.Equal(3, run.Summary.Succeeded);

        var second = Sandbox.Run(pair);
        Assert.Equal(SyncResultStatus.Succeeded, second.For("big.bin").Status);
        Assert.Equal((3 << 20) + 4, new FileInfo(t.Full(SyncSide.Destination, "big.bin")).Length);
    }

    [Fact]
    public void File_changed_in_place_during_its_copy_is_not_recorded_and_the_old_destination_version_stays()
    {
        using var t = new Sandbox();
        t.WriteBytes(SyncSide.Source, "data.bin", Enumerable.Repeat((byte)'a', 2 << 20).ToArray());
        var pair = t.Pair();
        Sandbox.Run(pair);
        t.WriteBytes(SyncSide.Source, "data.bin", Enumerable.Repeat((byte)'b', 2 << 20).ToArray());
        var src = Faulty(t.Source);
        src.Rules.Add(new FaultRule
        {
            Op = FaultOp.Read,
            Match = FaultRule.Path("data.bin"),
            Times = 1,
            Before = _ =>
            {
                // Same size, new content and time: an editor saving in place while we copy.
                var path = t.Full(SyncSide.Source, "data.bin");
                using (var f = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                {
                    f.Write(Enumerable.Repeat((byte)'c', 1024).ToArray());
                }

                File.SetLastWriteTimeUtc(path, t.NextTime());
            },
        });

        var run = Sandbox.Run(pair, src);

        Assert.Equal(SyncResultStatus.Stale, run.For("data.bin").Status);
        Assert.Equal('a', t.Read(SyncSide.Destination, "data.bin")![0]);
        var second = Sandbox.Run(pair);
        Assert.Equal(SyncResultStatus.Succeeded, second.For("data.bin").Status);
        Assert.Equal('c', t.Read(SyncSide.Destination, "data.bin")![0]);
        Assert.Contains(t.TrashContents(SyncSide.Destination), c => c[0] == 'a');
    }

    [Fact]
    public void Failing_trash_copy_stops_the_overwrite_so_the_old_version_is_never_lost()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "doc.txt", "old");
        var pair = t.Pair();
        Sandbox.Run(pair);
        t.Write(SyncSide.Source, "doc.txt", "new");
        var dst = Faulty(t.Destination);
        dst.Rules.Add(new FaultRule { Op = FaultOp.PreserveCopy, Match = FaultRule.Path("doc.txt"), Throw = Faults.Denied });

        var run = Sandbox.Run(pair, null, dst);

        var r = run.For("doc.txt");
        Assert.Equal(SyncResultStatus.Failed, r.Status);
        Assert.Equal("old", t.Read(SyncSide.Destination, "doc.txt"));
        Assert.Empty(t.TempLeftovers(SyncSide.Destination));
        AssertReplanned(pair, "doc.txt", SyncActionType.UploadUpdate);
    }

    [Fact]
    public void Failing_commit_leaves_the_target_untouched_and_nothing_recorded()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "doc.txt", "old");
        var pair = t.Pair();
        Sandbox.Run(pair);
        t.Write(SyncSide.Source, "doc.txt", "new");
        var dst = Faulty(t.Destination);
        dst.Rules.Add(new FaultRule { Op = FaultOp.Commit, Match = FaultRule.Path("doc.txt"), Throw = Faults.Denied });

        var run = Sandbox.Run(pair, null, dst);

        Assert.Equal(SyncResultStatus.Failed, run.For("doc.txt").Status);
        Assert.Equal("old", t.Read(SyncSide.Destination, "doc.txt"));
        Assert.Empty(t.TempLeftovers(SyncSide.Destination));
        AssertReplanned(pair, "doc.txt", SyncActionType.UploadUpdate);
    }

    [Fact]
    public void Failing_delete_keeps_the_file_and_the_deletion_is_replanned()
    {
        using var t = new Sandbox();
        for (var i = 0; i < 6; i++)
        {
            t.Write(SyncSide.Source, $"f{i}.txt", "x" + i);
        }

        var pair = t.Pair();
        Sandbox.Run(pair);
        t.Delete(SyncSide.Source, "f1.txt");
        var dst = Faulty(t.Destination);
        dst.Rules.Add(new FaultRule { Op = FaultOp.Move, Match = FaultRule.Path("f1.txt"), Throw = Faults.Denied });

        var run = Sandbox.Run(pair, null, dst);

        var r = run.For("f1.txt");
        Assert.Equal(SyncActionType.DeleteDestination, r.Action);
        Assert.Equal(SyncResultStatus.Failed, r.Status);
        Assert.Equal("SyncAccessDenied", r.ErrorId);
        Assert.True(t.Exists(SyncSide.Destination, "f1.txt"));
        AssertReplanned(pair, "f1.txt", SyncActionType.DeleteDestination);
    }

    [Fact]
    public void Failing_rename_is_not_recorded_and_is_replanned()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "old/name.txt", new string('r', 3000));
        t.Write(SyncSide.Source, "other.txt", "o");
        var pair = t.Pair();
        Sandbox.Run(pair);
        Directory.CreateDirectory(Path.Combine(t.Source, "new"));
        File.Move(t.Full(SyncSide.Source, "old/name.txt"), t.Full(SyncSide.Source, "new/name.txt"));
        var dst = Faulty(t.Destination);
        dst.Rules.Add(new FaultRule { Op = FaultOp.Move, Match = FaultRule.Path("old/name.txt"), Throw = Faults.Io });

        var run = Sandbox.Run(Sandbox.With(pair, retryCount: 1), null, dst);

        var r = run.For("new/name.txt");
        Assert.Equal(SyncActionType.RenameDestination, r.Action);
        Assert.Equal(SyncResultStatus.Failed, r.Status);
        Assert.Equal(2, dst.CallCount(FaultOp.Move, "old/name.txt"));
        Assert.True(t.Exists(SyncSide.Destination, "old/name.txt"));
        AssertReplanned(pair, "new/name.txt", SyncActionType.RenameDestination);
        Sandbox.Run(pair);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
    }

    [Fact]
    public void Unreadable_file_while_hashing_for_the_plan_is_left_out_not_deleted()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "doc.txt", "same");
        var pair = t.Pair(SyncMode.SourceToDestination);
        Sandbox.Run(pair);

        // Touch the destination copy so the planner must hash it to know whether it changed.
        File.SetLastWriteTimeUtc(t.Full(SyncSide.Destination, "doc.txt"), t.NextTime());
        var dst = Faulty(t.Destination);
        dst.Rules.Add(new FaultRule { Op = FaultOp.ComputeHash, Throw = Faults.Io });

        var plan = Sandbox.PlanOnly(pair, null, dst);

        Assert.DoesNotContain(plan.Actions, a => a.RelativePath == "doc.txt" && ActionFacts.IsDelete(a.Action));
        Assert.True(t.Exists(SyncSide.Destination, "doc.txt"));
    }

    [Fact]
    public void Mirror_does_not_delete_destination_files_under_a_source_folder_that_could_not_be_listed()
    {
        // Peers delete unvisited remote folders after an interrupted or partial listing. Ours must not.
        using var t = new Sandbox();
        for (var i = 0; i < 5; i++)
        {
            t.Write(SyncSide.Source, $"keep/{i}.txt", "k" + i);
            t.Write(SyncSide.Source, $"photos/{i}.jpg", "p" + i);
        }

        var pair = t.Pair(SyncMode.SourceToDestination);
        Sandbox.Run(pair);
        var src = Faulty(t.Source);
        src.Hide = p => p.StartsWith("photos/", StringComparison.Ordinal);
        src.ListingIssues.Add(("photos", "folder cannot be read: Input/output error (injected)"));

        var run = Sandbox.Run(pair, src);

        Assert.DoesNotContain(run.Plan.Actions, a => a.RelativePath.StartsWith("photos/", StringComparison.Ordinal) && a.IsMutating);
        Assert.Contains(run.Plan.ScanIssues, i => i.Path == "photos");
        for (var i = 0; i < 5; i++)
        {
            Assert.True(t.Exists(SyncSide.Destination, $"photos/{i}.jpg"));
        }
    }

    [Fact]
    public void Two_way_does_not_delete_files_under_a_folder_that_could_not_be_listed_on_the_other_side()
    {
        using var t = new Sandbox();
        for (var i = 0; i < 5; i++)
        {
            t.Write(SyncSide.Source, $"photos/{i}.jpg", "p" + i);
            t.Write(SyncSide.Source, $"docs/{i}.txt", "d" + i);
        }

        var pair = t.Pair();
        Sandbox.Run(pair);
        var dst = Faulty(t.Destination);
        dst.Hide = p => p.StartsWith("photos/", StringComparison.Ordinal);
        dst.ListingIssues.Add(("photos", "folder cannot be read: Permission denied (injected)"));

        var run = Sandbox.Run(pair, null, dst);

        Assert.DoesNotContain(run.Results, r => r.RelativePath.StartsWith("photos/", StringComparison.Ordinal));
        Assert.Equal(5, Directory.GetFiles(Path.Combine(t.Source, "photos")).Length);
    }

    [Fact]
    public void Listing_that_fails_outright_stops_the_run_before_anything_changes()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "a.txt", "A");
        t.Write(SyncSide.Destination, "b.txt", "B");
        var pair = t.Pair(SyncMode.SourceToDestination);
        var src = Faulty(t.Source);
        src.Rules.Add(new FaultRule { Op = FaultOp.Enumerate, Throw = Faults.Io });

        Assert.ThrowsAny<Exception>(() => Sandbox.Run(pair, src));

        Assert.Equal("B", t.Read(SyncSide.Destination, "b.txt"));
        Assert.False(t.Exists(SyncSide.Destination, "a.txt"));
    }

    [Fact]
    public void Failing_stat_during_the_recheck_fails_the_action_and_records_nothing()
    {
        // The re-check is of a file being replaced (a new file lands by a no-replace commit where the side has
        // one, with no look-up to fail).
        using var t = ThreeFiles();
        Sandbox.Run(t.Pair());
        t.Write(SyncSide.Source, "c.txt", "C, changed");
        var dst = Faulty(t.Destination);
        dst.Rules.Add(new FaultRule { Op = FaultOp.Stat, Match = FaultRule.Path("c.txt"), Throw = Faults.Denied });

        var run = Sandbox.Run(t.Pair(), null, dst);

        var r = run.For("c.txt");
        Assert.Equal(SyncResultStatus.Failed, r.Status);
        Assert.Equal("SyncAccessDenied", r.ErrorId);
        Assert.Equal("C", t.Read(SyncSide.Destination, "c.txt"));
        AssertReplanned(t.Pair(), "c.txt", SyncActionType.UploadUpdate);
    }

    [Fact]
    public void Every_injected_fault_leaves_all_content_somewhere()
    {
        // A broad sweep: for each operation, fail it once on every path, over a run with changes of every kind.
        var ops = new[] { FaultOp.Stat, FaultOp.OpenRead, FaultOp.Read, FaultOp.BeginWrite, FaultOp.Write, FaultOp.Commit, FaultOp.Move, FaultOp.PreserveCopy, FaultOp.ComputeHash };
        var makers = new Func<string, Exception>[] { Faults.Io, Faults.Denied, Faults.DiskFull, Faults.SharingViolation };
        var injected = 0;
        foreach (var op in ops)
        {
            foreach (var make in makers)
            {
                foreach (var side in new[] { SyncSide.Source, SyncSide.Destination })
                {
                    using var t = new Sandbox();
                    for (var i = 0; i < 8; i++)
                    {
                        t.Write(SyncSide.Source, $"d{i % 3}/f{i}.txt", "base " + i);
                    }

                    var pair = Sandbox.With(t.Pair(), retryCount: 1, retryDelay: TimeSpan.FromMilliseconds(1));
                    Sandbox.Run(pair);
                    t.Write(SyncSide.Source, "d0/f0.txt", "edited on source");
                    t.Write(SyncSide.Destination, "d1/f1.txt", "edited on destination");
                    t.Write(SyncSide.Source, "d2/f2.txt", "both: source");
                    t.Write(SyncSide.Destination, "d2/f2.txt", "both: destination");
                    t.Delete(SyncSide.Source, "d0/f3.txt");
                    t.Write(SyncSide.Destination, "new-on-dst.txt", "fresh");
                    File.Move(t.Full(SyncSide.Source, "d1/f4.txt"), t.Full(SyncSide.Source, "d1/renamed.txt"));
                    var before = t.AllContentHashes();

                    var src = Faulty(t.Source);
                    var dst = Faulty(t.Destination);
                    (side == SyncSide.Source ? src : dst).Rules.Add(new FaultRule { Op = op, Throw = make, Times = 3 });
                    try
                    {
                        Sandbox.Run(pair, src, dst);
                    }
                    catch (SyncEngineException)
                    {
                    }

                    injected += src.FaultsThrown + dst.FaultsThrown;
                    Sandbox.Run(pair);
                    var after = t.AllContentHashes();
                    Assert.True(before.IsSubsetOf(after), $"content lost after a {op} fault on the {side}: {string.Join(", ", before.Except(after))}");
                    Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
                    Assert.Equal(new[] { "canary.txt" }, t.Outside());
                }
            }
        }

        _out.WriteLine($"faults injected in the sweep: {injected} over {ops.Length * makers.Length * 2} runs");
        Assert.True(injected > 100, $"only {injected} faults fired");
    }

    [Fact]
    public void Cancelled_two_way_first_run_never_records_uncopied_files_so_the_next_run_deletes_nothing()
    {
        // The peers' classic: a cancelled first two-way run records never-copied files as synced, and the next run
        // "propagates their deletion" by trashing them on the side that has them.
        using var t = new Sandbox();
        for (var i = 0; i < 40; i++)
        {
            t.Write(SyncSide.Source, $"s/{i:00}.txt", "source " + i);
            t.Write(SyncSide.Destination, $"d/{i:00}.txt", "destination " + i);
        }

        var pair = Sandbox.With(t.Pair(), transferLimit: 2);
        var src = Faulty(t.Source);
        var dst = Faulty(t.Destination);
        using var controller = new SyncController();
        var opened = 0;

        // Cancelled from the providers (the 10th copy's read), not from FileComplete: a completion is reported only
        // once its journal line is written, in batches, so it may come after every copy has run.
        void CountRead(string path)
        {
            if (Interlocked.Increment(ref opened) == 10)
            {
                controller.Cancel();
            }
        }

        src.Rules.Add(new FaultRule { Op = FaultOp.OpenRead, Delay = TimeSpan.FromMilliseconds(15), Before = CountRead });
        dst.Rules.Add(new FaultRule { Op = FaultOp.OpenRead, Delay = TimeSpan.FromMilliseconds(15), Before = CountRead });

        var run = Sandbox.Run(pair, src, dst, controller: controller);

        Assert.True(run.Summary.Cancelled);
        Assert.True(run.Summary.Succeeded < 80, "the cancel came too late to test anything");
        var next = Sandbox.PlanOnly(pair);
        Assert.DoesNotContain(next.Actions, a => ActionFacts.IsDelete(a.Action));
        Sandbox.Run(pair);
        Assert.Equal(80, t.Tree(SyncSide.Source).Count);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Empty(t.TrashContents(SyncSide.Source));
        Assert.Empty(t.TrashContents(SyncSide.Destination));
    }

    [Fact]
    public void Slow_provider_completes_and_records_everything()
    {
        using var t = ThreeFiles();
        var dst = Faulty(t.Destination);
        dst.Rules.Add(new FaultRule { Op = FaultOp.Write, Delay = TimeSpan.FromMilliseconds(50) });
        dst.Rules.Add(new FaultRule { Op = FaultOp.Stat, Delay = TimeSpan.FromMilliseconds(10) });

        var run = Sandbox.Run(t.Pair(), null, dst);

        Assert.Equal("Succeeded", run.Summary.Outcome);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Empty(Sandbox.PlanOnly(t.Pair()).Visible());
    }
}
