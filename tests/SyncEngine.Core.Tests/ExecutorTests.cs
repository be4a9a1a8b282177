using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Control;
using SyncEngine.Core.Tests.Support;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>The executor: trash, timestamps, atomic replacement, pause/resume/cancel, progress, limits, failures.</summary>
public class ExecutorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Baseline of six files; then one of each kind of overwrite and delete on each side.</summary>
    private static SyncPair EveryKindOfOverwriteAndDelete(TestPair t, bool useTrash)
    {
        foreach (var n in new[] { "up", "down", "delsrc", "deldst", "k1", "k2" })
        {
            t.Write(SyncSide.Source, $"d/{n}.txt", "old " + n);
        }

        var pair = PairOf(t, useTrash: useTrash);
        Run(pair);
        t.Write(SyncSide.Source, "d/up.txt", "new up");
        t.Write(SyncSide.Destination, "d/down.txt", "new down");
        t.Delete(SyncSide.Destination, "d/delsrc.txt");
        t.Delete(SyncSide.Source, "d/deldst.txt");
        return pair;
    }

    [Fact]
    public void Every_overwrite_and_delete_keeps_the_old_content_in_that_sides_trash_under_the_run_id()
    {
        using var t = new TestPair();
        var pair = EveryKindOfOverwriteAndDelete(t, useTrash: true);

        var run = Run(pair);

        Assert.Equal(new[] { "DeleteDestination d/deldst.txt", "DeleteSource d/delsrc.txt", "DownloadUpdate d/down.txt", "UploadUpdate d/up.txt" }, VisibleSorted(run.Plan));
        var trash = $".syncengine/trash/{run.Summary.RunId}/";
        Assert.Equal("old up", File.ReadAllText(Full(t, SyncSide.Destination, trash + "d/up.txt")));
        Assert.Equal("old deldst", File.ReadAllText(Full(t, SyncSide.Destination, trash + "d/deldst.txt")));
        Assert.Equal("old down", File.ReadAllText(Full(t, SyncSide.Source, trash + "d/down.txt")));
        Assert.Equal("old delsrc", File.ReadAllText(Full(t, SyncSide.Source, trash + "d/delsrc.txt")));
        Assert.Equal(new[] { "old deldst", "old up" }, Trash(t, SyncSide.Destination));
        Assert.Equal(new[] { "old delsrc", "old down" }, Trash(t, SyncSide.Source));
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        NoVisibleActions(t.Plan(pair));
    }

    [Fact]
    public void Without_trash_nothing_is_kept_and_the_sync_still_happens()
    {
        using var t = new TestPair();
        var pair = EveryKindOfOverwriteAndDelete(t, useTrash: false);

        var run = Run(pair);

        Assert.Equal(4, run.Results.Count(r => r.Status == SyncResultStatus.Succeeded));
        Assert.Empty(t.TrashContents(SyncSide.Source));
        Assert.Empty(t.TrashContents(SyncSide.Destination));
        var expected = Tree(("d/down.txt", "new down"), ("d/k1.txt", "old k1"), ("d/k2.txt", "old k2"), ("d/up.txt", "new up"));
        Assert.Equal(expected, t.Tree(SyncSide.Source));
        Assert.Equal(expected, t.Tree(SyncSide.Destination));
    }

    [Fact]
    public void Copies_keep_the_modification_time_to_the_tick()
    {
        using var t = new TestPair();
        var odd = new DateTime(2023, 7, 14, 3, 25, 45, DateTimeKind.Utc).AddTicks(1_234_567);
        t.Write(SyncSide.Source, "up.txt", "up", odd);
        t.Write(SyncSide.Destination, "down/x.txt", "down", odd.AddDays(-100));
        t.Write(SyncSide.Source, "big.bin", new string('z', 3_000_000), odd.AddSeconds(1));
        var pair = PairOf(t);

        Run(pair);

        Assert.Equal(odd, Mtime(t, SyncSide.Destination, "up.txt"));
        Assert.Equal(odd.AddDays(-100), Mtime(t, SyncSide.Source, "down/x.txt"));
        Assert.Equal(odd.AddSeconds(1), Mtime(t, SyncSide.Destination, "big.bin"));

        // Updates too, and through the streaming path of a non-local provider.
        t.Write(SyncSide.Source, "up.txt", "up v2", odd.AddHours(5).AddTicks(7));
        var dst = new HookedProvider(t.Destination) { HideLocalPaths = true };
        var src = new HookedProvider(t.Source) { HideLocalPaths = true };
        Run(pair, src, dst);
        Assert.Equal("up v2", t.Read(SyncSide.Destination, "up.txt"));
        Assert.Equal(odd.AddHours(5).AddTicks(7), Mtime(t, SyncSide.Destination, "up.txt"));
        Assert.True(src.OpenReadCount >= 1);
    }

    [Fact]
    public void The_destination_root_is_created_when_it_does_not_exist()
    {
        using var t = new TestPair();
        Directory.Delete(t.Destination);
        t.Write(SyncSide.Source, "a/b/c.txt", "deep");
        var pair = PairOf(t, SyncMode.SourceToDestination);

        Run(pair);

        Assert.Equal(Tree(("a/b/c.txt", "deep")), t.Tree(SyncSide.Destination));
    }

    [Fact]
    public void No_temporary_files_are_left()
    {
        using var t = new TestPair();
        for (var i = 0; i < 10; i++)
        {
            t.Write(SyncSide.Source, $"s/{i}.txt", new string('s', 1000 * i));
            t.Write(SyncSide.Destination, $"d/{i}.txt", new string('d', 1000 * i));
        }

        var pair = PairOf(t);

        Run(pair);

        // A killed run's leftovers, and files that only look like them, are covered by TemporaryFileTests.
        Assert.Empty(TempFiles(t.Source));
        Assert.Empty(TempFiles(t.Destination));
        Assert.Equal(20, t.Tree(SyncSide.Source).Count);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
    }

    [Fact]
    public void An_overwrite_is_written_beside_the_target_and_renamed_over_it_so_the_target_is_never_half_written()
    {
        using var t = new TestPair();
        var oldContent = new string('o', 2_000_000);
        var newContent = new string('n', 3_000_000);
        t.Write(SyncSide.Source, "deep/folder/big.bin", oldContent);
        var pair = PairOf(t, SyncMode.SourceToDestination);
        Run(pair);
        t.Write(SyncSide.Source, "deep/folder/big.bin", newContent);
        string? seenAtCommit = null;
        List<string>? tempsAtCommit = null;
        var dst = new HookedProvider(t.Destination)
        {
            HideLocalPaths = true,
            OnCommit = path =>
            {
                if (path != "deep/folder/big.bin")
                {
                    return; // the trash ledger the run writes at its end
                }

                seenAtCommit = File.ReadAllText(Full(t, SyncSide.Destination, "deep/folder/big.bin"));
                tempsAtCommit = TempFiles(t.Destination);
            },
        };

        Run(pair, new HookedProvider(t.Source) { HideLocalPaths = true }, dst);

        Assert.Equal(oldContent, seenAtCommit); // until the rename, the old version is whole and in place
        var temp = Assert.Single(tempsAtCommit!);
        Assert.StartsWith("deep/folder/", temp, StringComparison.Ordinal); // same folder as the target
        Assert.Equal(newContent, t.Read(SyncSide.Destination, "deep/folder/big.bin"));
        Assert.Empty(TempFiles(t.Destination));
        Assert.Equal(new[] { oldContent }, t.TrashContents(SyncSide.Destination));
    }

    private sealed class Gate : IDisposable
    {
        private int _calls;

        public ManualResetEventSlim Entered { get; } = new(false);

        public ManualResetEventSlim Release { get; } = new(false);

        /// <summary>Blocks the first caller until released.</summary>
        public void Hold(string path)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Entered.Set();
                Release.Wait(Patience);
            }
        }

        public void Dispose()
        {
            Release.Set();
            Entered.Dispose();
            Release.Dispose();
        }
    }

    private static SyncPair FiveUploads(TestPair t)
    {
        for (var i = 1; i <= 5; i++)
        {
            t.Write(SyncSide.Source, $"f{i}.txt", "content " + i);
        }

        return PairOf(t, SyncMode.SourceToDestination, transferLimit: 1, operationLimit: 1);
    }

    [Fact]
    public void Pause_lets_the_running_copy_finish_and_starts_no_new_one_until_resumed()
    {
        using var t = new TestPair();
        var pair = FiveUploads(t);
        using var gate = new Gate();
        var dst = new HookedProvider(t.Destination) { OnBeginWrite = gate.Hold };
        using var controller = new SyncController();
        var events = new List<SyncProgressEvent>();
        using var firstDone = new ManualResetEventSlim(false);

        using (var session = SyncSession.Open(pair, new HookedProvider(t.Source), dst))
        {
            var plan = session.Plan();
            var exec = session.BeginExecute(plan.Actions, new ExecuteOptions
            {
                Controller = controller,
                Progress = e =>
                {
                    lock (events)
                    {
                        events.Add(e);
                    }

                    if (e.Type == SyncEventType.FileComplete)
                    {
                        firstDone.Set();
                    }
                },
            });
            foreach (var a in plan.Actions)
            {
                exec.Post(a);
            }

            exec.Complete();
            Assert.True(gate.Entered.Wait(Patience));
            controller.Pause();
            Assert.True(controller.IsPaused);
            gate.Release.Set();
            Assert.True(firstDone.Wait(Patience));

            // Give a wrongly-behaving executor the chance to start another action.
            Thread.Sleep(300);
            lock (events)
            {
                Assert.Equal(1, events.Count(e => e.Type == SyncEventType.FileStart));
                Assert.Equal(1, events.Count(e => e.Type == SyncEventType.FileComplete));
                Assert.Equal(SyncResultStatus.Succeeded, events.Single(e => e.Type == SyncEventType.FileComplete).Result!.Status);
                Assert.Contains(events, e => e.Type == SyncEventType.Paused);
            }

            Assert.False(exec.IsFinished);
            Assert.Single(t.Tree(SyncSide.Destination));

            controller.Resume();
            var summary = exec.Wait();

            Assert.Equal(5, summary.Succeeded);
            Assert.False(summary.Cancelled);
            Assert.Contains(events, e => e.Type == SyncEventType.Resumed);
        }

        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
    }

    [Fact]
    public void Cancel_mid_run_records_what_finished_loses_nothing_and_a_rerun_converges()
    {
        using var t = new TestPair();
        var pair = FiveUploads(t);
        using var gate = new Gate();
        var dst = new HookedProvider(t.Destination) { OnBeginWrite = gate.Hold };
        using var controller = new SyncController();
        var record = new RunRecord();

        using (var session = SyncSession.Open(pair, new HookedProvider(t.Source), dst))
        {
            var plan = session.Plan();
            var exec = session.BeginExecute(plan.Actions, new ExecuteOptions { Controller = controller, Progress = record.Events.Enqueue });
            foreach (var a in plan.Actions)
            {
                exec.Post(a);
            }

            exec.Complete();
            Assert.True(gate.Entered.Wait(Patience));
            controller.Cancel();
            gate.Release.Set();
            record.Summary = exec.Wait();
        }

        Assert.True(record.Summary.Cancelled);
        Assert.Equal("Cancelled", record.Summary.Outcome);
        Assert.Equal(5, record.Results.Count);
        Assert.True(record.Results.Count(r => r.Status == SyncResultStatus.Succeeded) <= 1);
        Assert.All(record.Results.Where(r => r.Status != SyncResultStatus.Succeeded), r =>
        {
            Assert.Equal(SyncResultStatus.Skipped, r.Status);
            Assert.Equal(SyncErrorKind.Cancelled, r.ErrorKind);
        });

        // What finished is on disk and recorded; nothing else is; no half-written file.
        var copied = record.Results.Where(r => r.Status == SyncResultStatus.Succeeded).Select(r => r.RelativePath).ToList();
        Assert.Equal(copied, t.Tree(SyncSide.Destination).Keys.ToList());
        Assert.Equal(copied, StateKeys(t.StateDir).ToList());
        Assert.Empty(TempFiles(t.Destination));
        Assert.Equal(5, t.Tree(SyncSide.Source).Count);

        var rerun = Run(pair);
        Assert.Equal(5 - copied.Count, rerun.Summary.Succeeded);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        NoVisibleActions(t.Plan(pair));
    }

    [Fact]
    public void Cancel_lets_the_action_already_running_complete()
    {
        // Seed 000 "Cancel Behavior: current operations complete"; SyncController.Cancel's own documentation says
        // "running actions finish". Only actions not yet started are skipped.
        using var t = new TestPair();
        var pair = FiveUploads(t);
        using var gate = new Gate();
        var dst = new HookedProvider(t.Destination) { OnBeginWrite = gate.Hold };
        using var controller = new SyncController();
        var record = new RunRecord();

        using (var session = SyncSession.Open(pair, new HookedProvider(t.Source), dst))
        {
            var plan = session.Plan();
            var exec = session.BeginExecute(plan.Actions, new ExecuteOptions { Controller = controller, Progress = record.Events.Enqueue });
            foreach (var a in plan.Actions)
            {
                exec.Post(a);
            }

            exec.Complete();
            Assert.True(gate.Entered.Wait(Patience));
            controller.Cancel();
            gate.Release.Set();
            record.Summary = exec.Wait();
        }

        var running = Assert.Single(record.Results, r => r.RelativePath == dst.WrittenPaths.First());
        Assert.Equal(SyncResultStatus.Succeeded, running.Status);
        Assert.Equal(1, record.Summary.Succeeded);
        Assert.Equal(4, record.Summary.Skipped);
        Assert.Single(t.Tree(SyncSide.Destination));
    }

    [Fact]
    public void Progress_events_follow_seed_000_and_the_summary_totals_match()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "same.txt", "same", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        t.Write(SyncSide.Destination, "same.txt", "same", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        t.Write(SyncSide.Source, "up.bin", new string('u', 5000));
        t.Write(SyncSide.Destination, "down.bin", new string('d', 7000));
        t.Write(SyncSide.Source, "keep1.txt", "k1");
        t.Write(SyncSide.Source, "keep2.txt", "k2");
        var pair = PairOf(t);
        Run(pair);
        t.Write(SyncSide.Source, "up.bin", new string('U', 6000));
        t.Write(SyncSide.Destination, "new.bin", new string('n', 3000));
        t.Delete(SyncSide.Source, "keep1.txt");

        var run = Run(pair);
        var events = run.Events.ToList();

        // Scans: start and complete for both sides.
        foreach (var side in new[] { SyncSide.Source, SyncSide.Destination })
        {
            Assert.Single(events, e => e.Type == SyncEventType.ScanStart && e.Side == side);
            var complete = Assert.Single(events, e => e.Type == SyncEventType.ScanComplete && e.Side == side);
            Assert.Equal(side == SyncSide.Source ? 4 : 6, complete.FilesDone);
        }

        var mutating = run.Plan.Visible().ToList();
        Assert.Equal(new[] { "DeleteDestination keep1.txt", "DownloadNew new.bin", "UploadUpdate up.bin" }, Describe(mutating).OrderBy(s => s, StringComparer.Ordinal));
        var exec = events.SkipWhile(e => e.Type != SyncEventType.SyncStart).ToList();
        var start = exec.First();
        Assert.Equal(3, start.FilesTotal);
        Assert.Equal(6000 + 3000, start.BytesTotal);
        Assert.Equal(SyncEventType.SyncComplete, exec.Last().Type);
        Assert.DoesNotContain(events.TakeWhile(e => e.Type != SyncEventType.SyncStart), e => e.Type is SyncEventType.FileStart or SyncEventType.FileComplete);

        foreach (var a in mutating)
        {
            var fileStart = Assert.Single(exec, e => e.Type == SyncEventType.FileStart && e.Action!.RelativePath == a.RelativePath);
            var fileComplete = Assert.Single(exec, e => e.Type == SyncEventType.FileComplete && e.Action!.RelativePath == a.RelativePath);
            Assert.True(exec.IndexOf(fileStart) < exec.IndexOf(fileComplete));
            Assert.Equal(a.Action, fileComplete.Result!.Action);
            Assert.Equal(SyncResultStatus.Succeeded, fileComplete.Result.Status);
            Assert.Equal(a.Bytes, fileComplete.FileBytesDone);
            Assert.Equal(a.Bytes, fileComplete.Result.Bytes);
            Assert.Equal(a.Bytes, fileStart.FileBytesTotal);
        }

        Assert.Equal(3, exec.Count(e => e.Type == SyncEventType.FileComplete));
        var done = exec.Last();
        var summary = done.Summary!;
        Assert.Same(run.Summary, summary);
        Assert.Equal(3, done.FilesDone);
        Assert.Equal(3, done.FilesTotal);
        Assert.Equal(9000, done.BytesDone);
        Assert.Equal(9000, summary.BytesTransferred);
        Assert.Equal(3, summary.Succeeded); // what the user saw happen: the same three actions
        Assert.Equal(0, summary.Failed + summary.Skipped + summary.Stale + summary.Conflicts);
        Assert.Equal("Succeeded", summary.Outcome);
        var completes = exec.Where(e => e.Type == SyncEventType.FileComplete).Select(e => e.FilesDone).ToList();
        Assert.Equal(new[] { 1, 2, 3 }, completes.OrderBy(x => x));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_large_copy_reports_its_bytes_as_it_goes(bool streamed)
    {
        // Seed 000: upload_progress / download_progress carry the bytes transferred so far.
        using var t = new TestPair();
        const int size = 24 * 1024 * 1024;
        t.Write(SyncSide.Source, "big.bin", new string('p', size));
        var pair = PairOf(t, SyncMode.SourceToDestination);
        var events = new System.Collections.Concurrent.ConcurrentQueue<SyncProgressEvent>();
        using (var session = SyncSession.Open(pair, new HookedProvider(t.Source) { HideLocalPaths = streamed }, new HookedProvider(t.Destination) { HideLocalPaths = streamed }))
        {
            session.Run(null, new ExecuteOptions { Progress = events.Enqueue, ProgressInterval = TimeSpan.Zero });
        }

        var progress = events.Where(e => e.Type == SyncEventType.FileProgress).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, e =>
        {
            Assert.Equal("big.bin", e.Action!.RelativePath);
            Assert.Equal(size, e.FileBytesTotal);
            Assert.InRange(e.FileBytesDone, 1, size);
        });
        Assert.True(progress.Select(e => e.FileBytesDone).SequenceEqual(progress.Select(e => e.FileBytesDone).OrderBy(x => x)));
    }

    [Fact]
    public void Summary_counts_only_actions_a_user_can_see()
    {
        // A first sync where most files are already equal: the planner records them internally (NoAction), but the
        // run's totals must agree with SyncStart/FileComplete: one copy, one success.
        using var t = new TestPair();
        for (var i = 0; i < 4; i++)
        {
            t.WriteBoth($"equal{i}.txt", "same " + i);
        }

        t.Write(SyncSide.Source, "new.txt", "new");
        var pair = PairOf(t);

        var run = Run(pair);

        var start = run.Events.Single(e => e.Type == SyncEventType.SyncStart);
        Assert.Equal(1, start.FilesTotal);
        Assert.Single(run.Results);
        Assert.Equal(start.FilesTotal, run.Summary.Succeeded);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Transfers_never_exceed_the_transfer_limit(int limit)
    {
        using var t = new TestPair();
        for (var i = 0; i < 12; i++)
        {
            t.Write(SyncSide.Source, $"f{i:D2}.bin", new string('x', 10_000 + i));
        }

        var dst = new HookedProvider(t.Destination) { OnCommit = _ => Thread.Sleep(40) };
        var pair = PairOf(t, SyncMode.SourceToDestination, transferLimit: limit, operationLimit: 8);

        var run = Run(pair, new HookedProvider(t.Source), dst);

        Assert.Equal(12, run.Summary.Succeeded);
        Assert.True(dst.MaxConcurrentWrites <= limit, $"{dst.MaxConcurrentWrites} concurrent writes with a limit of {limit}");
        Assert.True(dst.MaxConcurrentWrites >= Math.Min(limit, 2), $"expected the limit to be used; saw {dst.MaxConcurrentWrites}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Deletes_never_exceed_the_operation_limit(int limit)
    {
        using var t = new TestPair();
        for (var i = 0; i < 10; i++)
        {
            t.Write(SyncSide.Source, $"f{i}.txt", "x" + i);
        }

        var pair = PairOf(t, SyncMode.SourceToDestination, transferLimit: 4, operationLimit: limit);
        Run(pair);
        for (var i = 0; i < 8; i++)
        {
            t.Delete(SyncSide.Source, $"f{i}.txt");
        }

        var dst = new HookedProvider(t.Destination) { OnMove = (_, _) => Thread.Sleep(40) };
        var run = Run(pair, new HookedProvider(t.Source), dst, force: true);

        Assert.Equal(8, run.Summary.Succeeded);
        Assert.True(dst.MaxConcurrentMoves <= limit, $"{dst.MaxConcurrentMoves} concurrent moves with a limit of {limit}");
        Assert.Equal(8, t.TrashContents(SyncSide.Destination).Count);
    }

    [Theory]
    [InlineData("commit")]
    [InlineData("begin")]
    public void A_failing_write_leaves_the_target_and_its_state_as_they_were(string where)
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a v1");
        t.Write(SyncSide.Source, "b.txt", "b v1");
        t.Write(SyncSide.Source, "keep.txt", "keep");
        var pair = PairOf(t, SyncMode.TwoWay);
        Run(pair);
        t.Write(SyncSide.Source, "a.txt", "a v2");
        t.Write(SyncSide.Source, "b.txt", "b v2");
        t.Write(SyncSide.Source, "c.txt", "c new");
        t.Write(SyncSide.Source, "d.txt", "d new");
        var bBefore = (StateEntry(t.StateDir, SyncSide.Source, "b.txt")!.Value.GetRawText(), StateEntry(t.StateDir, SyncSide.Destination, "b.txt")!.Value.GetRawText());
        void Fail(string path)
        {
            if (path is "b.txt" or "d.txt")
            {
                throw new IOException("simulated write failure for " + path);
            }
        }

        var dst = where == "commit" ? new HookedProvider(t.Destination) { OnCommit = Fail } : new HookedProvider(t.Destination) { OnBeginWrite = Fail };

        var run = Run(pair, new HookedProvider(t.Source), dst);

        Assert.Equal("Failed", run.Summary.Outcome);
        Assert.Equal(2, run.Summary.Failed);
        Assert.Equal(2, run.Summary.Succeeded);
        foreach (var failed in new[] { "b.txt", "d.txt" })
        {
            var r = run.ResultFor(failed);
            Assert.Equal(SyncResultStatus.Failed, r.Status);
            Assert.False(string.IsNullOrEmpty(r.ErrorId));
            Assert.Equal(SyncErrorKind.IOError, r.ErrorKind);
            Assert.Contains(failed, r.Error, StringComparison.Ordinal);
        }

        Assert.Equal("b v1", t.Read(SyncSide.Destination, "b.txt"));
        Assert.Null(t.Read(SyncSide.Destination, "d.txt"));
        Assert.Equal("a v2", t.Read(SyncSide.Destination, "a.txt"));
        Assert.Equal("c new", t.Read(SyncSide.Destination, "c.txt"));
        Assert.Empty(TempFiles(t.Destination));
        Assert.Equal(bBefore, (StateEntry(t.StateDir, SyncSide.Source, "b.txt")!.Value.GetRawText(), StateEntry(t.StateDir, SyncSide.Destination, "b.txt")!.Value.GetRawText()));
        Assert.Null(StateEntry(t.StateDir, SyncSide.Source, "d.txt"));

        // The next run (the disk works again) does exactly what is left.
        Assert.Equal(new[] { "UploadNew d.txt", "UploadUpdate b.txt" }, VisibleSorted(t.Plan(pair)));
        Run(pair);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        NoVisibleActions(t.Plan(pair));
    }

    [Fact]
    public void A_failing_delete_leaves_the_file_and_the_state_as_they_were()
    {
        using var t = new TestPair();
        foreach (var n in new[] { "a", "b", "c", "d" })
        {
            t.Write(SyncSide.Source, n + ".txt", n);
        }

        var pair = PairOf(t);
        Run(pair);
        t.Delete(SyncSide.Source, "a.txt");
        var dst = new HookedProvider(t.Destination)
        {
            OnMove = (from, _) =>
            {
                if (from == "a.txt")
                {
                    throw new IOException("simulated failure moving a.txt to the trash");
                }
            },
        };

        var run = Run(pair, new HookedProvider(t.Source), dst);

        Assert.Equal(SyncResultStatus.Failed, run.ResultFor("a.txt").Status);
        Assert.Equal("a", t.Read(SyncSide.Destination, "a.txt"));
        Assert.Contains("a.txt", StateKeys(t.StateDir));
        Assert.Equal(new[] { "DeleteDestination a.txt" }, VisibleSorted(t.Plan(pair)));
    }

    [Fact]
    public void A_transient_failure_is_retried()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        var failures = 0;
        var dst = new HookedProvider(t.Destination)
        {
            OnCommit = _ =>
            {
                if (Interlocked.Increment(ref failures) <= 2)
                {
                    throw new IOException("transient");
                }
            },
        };
        var pair = PairOf(t, retryCount: 3);

        var run = Run(pair, new HookedProvider(t.Source), dst);

        Assert.Equal(SyncResultStatus.Succeeded, run.ResultFor("a.txt").Status);
        Assert.Equal(3, failures);
        Assert.Equal("a", t.Read(SyncSide.Destination, "a.txt"));
        Assert.Empty(TempFiles(t.Destination));
    }
}
