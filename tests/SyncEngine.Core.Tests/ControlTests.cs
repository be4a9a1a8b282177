using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using SyncEngine.Control;
using SyncEngine.Core.Tests.Support;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>Pause, resume and stop across processes through the control file; the status a second console reads.</summary>
public class ControlTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static bool WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return condition();
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
    public void A_request_when_no_run_holds_the_pair_says_so_and_does_not_affect_the_next_run()
    {
        using var t = new TestPair();
        var pair = FiveUploads(t);
        Run(pair); // creates the state folder
        t.Write(SyncSide.Source, "later.txt", "later");

        Assert.False(ControlFile.Request(t.StateDir, ControlRequest.Stop));
        var run = Run(pair);

        Assert.False(run.Summary.Cancelled);
        Assert.Equal("later", t.Read(SyncSide.Destination, "later.txt"));
    }

    [Fact]
    public void A_request_for_a_missing_state_folder_is_an_error()
    {
        using var t = new TestPair();
        ThrowsSync(() => ControlFile.Request(t.StateDir, ControlRequest.Pause), "SyncStateFolderNotFound");
    }

    [Fact]
    public void Pause_resume_and_stop_reach_a_running_sync_through_its_state_folder()
    {
        using var t = new TestPair();
        var pair = FiveUploads(t);
        var entered = new ManualResetEventSlim(false);
        var release = new ManualResetEventSlim(false);
        var calls = 0;
        var dst = new HookedProvider(t.Destination)
        {
            OnBeginWrite = _ =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    entered.Set();
                    release.Wait(Patience);
                }
            },
        };
        var events = new ConcurrentQueue<SyncProgressEvent>();
        SyncSummary summary;
        using (var session = SyncSession.Open(pair, new HookedProvider(t.Source), dst))
        {
            var plan = session.Plan();
            var exec = session.BeginExecute(plan.Actions, new ExecuteOptions { Progress = events.Enqueue });
            foreach (var a in plan.Actions)
            {
                exec.Post(a);
            }

            exec.Complete();
            Assert.True(entered.Wait(Patience));
            Assert.Equal(SyncRunState.Running, SyncStatusReader.Read(t.StateDir).State);

            Assert.True(ControlFile.Request(t.StateDir, ControlRequest.Pause));
            Assert.True(WaitFor(() => events.Any(e => e.Type == SyncEventType.Paused)));
            Assert.True(WaitFor(() => SyncStatusReader.Read(t.StateDir).State == SyncRunState.Paused));
            release.Set();
            Assert.True(WaitFor(() => events.Count(e => e.Type == SyncEventType.FileComplete) == 1));
            Thread.Sleep(400); // a paused run starts nothing new, however long it waits
            Assert.Equal(1, events.Count(e => e.Type == SyncEventType.FileStart));

            Assert.True(ControlFile.Request(t.StateDir, ControlRequest.Resume));
            Assert.True(WaitFor(() => events.Any(e => e.Type == SyncEventType.Resumed)));
            summary = exec.Wait();
        }

        Assert.Equal(5, summary.Succeeded);
        var status = SyncStatusReader.Read(t.StateDir);
        Assert.Equal(SyncRunState.Idle, status.State);
        Assert.Equal("Succeeded", status.LastOutcome);
        Assert.Equal(5, status.LastSucceeded);
        Assert.Equal(5, status.TrackedFiles);
        entered.Dispose();
        release.Dispose();
    }

    [Fact]
    public void Stop_through_the_control_file_cancels_and_keeps_what_finished()
    {
        using var t = new TestPair();
        var pair = FiveUploads(t);
        var entered = new ManualResetEventSlim(false);
        var release = new ManualResetEventSlim(false);
        var calls = 0;
        var dst = new HookedProvider(t.Destination)
        {
            OnBeginWrite = _ =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    entered.Set();
                    release.Wait(Patience);
                }
            },
        };
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
            Assert.True(entered.Wait(Patience));
            Assert.True(ControlFile.Request(t.StateDir, ControlRequest.Stop));
            Assert.True(WaitFor(() => controller.IsCancelled));
            release.Set();
            record.Summary = exec.Wait();
        }

        Assert.True(record.Summary.Cancelled);
        Assert.Equal("Cancelled", SyncStatusReader.Read(t.StateDir).LastOutcome);
        var copied = record.Results.Where(r => r.Status == SyncResultStatus.Succeeded).Select(r => r.RelativePath).ToList();
        Assert.Equal(copied, t.Tree(SyncSide.Destination).Keys.ToList());
        Assert.Equal(copied, StateKeys(t.StateDir).ToList());
        Run(pair);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        entered.Dispose();
        release.Dispose();
    }
}
