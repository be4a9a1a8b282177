using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SyncEngine.Control;

namespace SyncEngine.Core.Tests;

/// <summary>Gaps the PowerShell adapter found in the engine; each test fails if its fix is reverted.</summary>
public class EngineGapTests
{
    [Fact]
    public void An_explicit_ignore_file_that_does_not_exist_is_an_error_not_an_empty_rule_set()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Destination, "keep.log", "protected");
        var missing = Path.Combine(t.Root, "typo.syncignore");
        var pair = new SyncPair(t.Source, t.Destination) { Mode = SyncMode.SourceToDestination, StatePath = t.StateDir, IgnoreFile = missing };

        var ex = Assert.Throws<SyncEngineException>(() => SyncPlanner.Plan(pair));

        Assert.Equal("SyncIgnoreFileNotFound", ex.ErrorId);
        Assert.Contains("typo.syncignore", ex.Message);
        Assert.Equal("protected", t.Read(SyncSide.Destination, "keep.log"));
    }

    [Fact]
    public void WaitForWorkers_with_zero_timeout_reports_finished_workers_as_done()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "A");
        using var session = SyncSession.Open(t.Pair());
        var plan = session.Plan();
        var exec = session.BeginExecute(plan.Actions);
        foreach (var a in plan.Actions)
        {
            exec.Post(a);
        }

        exec.Complete();
        Assert.True(SpinWait.SpinUntil(() => exec.IsFinished, 10_000));
        Assert.True(SpinWait.SpinUntil(() => exec.WaitForWorkers(0), 10_000));
        exec.Wait();
    }

    [Fact]
    public void A_run_paused_before_execution_shows_as_paused_to_other_processes()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "A");
        using var controller = new SyncController();
        controller.Pause();
        using var session = SyncSession.Open(t.Pair());
        var plan = session.Plan();
        var exec = session.BeginExecute(plan.Actions, new ExecuteOptions { Controller = controller });

        Assert.Equal(SyncRunState.Paused, SyncStatusReader.Read(t.StateDir).State);
        controller.Resume();
        foreach (var a in plan.Actions)
        {
            exec.Post(a);
        }

        exec.Wait();
        Assert.Equal("A", t.Read(SyncSide.Destination, "a.txt"));
    }

    [Fact]
    public void A_finished_run_no_longer_reacts_to_a_shared_controller()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "A");
        using var controller = new SyncController();
        using (var session = SyncSession.Open(t.Pair()))
        {
            session.Run(null, new ExecuteOptions { Controller = controller });
        }

        // The state folder is released; a later pause on the shared controller must not write run.json there.
        controller.Pause();
        Assert.False(File.Exists(Path.Combine(t.StateDir, "run.json")));
        Assert.Equal(SyncRunState.Idle, SyncStatusReader.Read(t.StateDir).State);
    }

    [Fact]
    public async Task Status_probes_while_a_run_starts_do_not_make_the_run_fail_as_locked()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "A");
        Directory.CreateDirectory(t.StateDir);
        using var stop = new CancellationTokenSource();
        var prober = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                SyncStatusReader.Read(t.StateDir);
            }
        });

        try
        {
            for (var i = 0; i < 20; i++)
            {
                using var session = SyncSession.Open(t.Pair());
            }
        }
        finally
        {
            stop.Cancel();
            await prober;
        }
    }

    [Fact]
    public void A_manual_conflict_handler_is_told_the_pair()
    {
        using var t = new TestPair();
        t.WriteBoth("c.txt", "base");
        var pair = new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, ConflictResolution = ConflictResolution.Manual, Name = "docs" };
        t.Sync(pair);
        t.Write(SyncSide.Source, "c.txt", "source edit");
        t.Write(SyncSide.Destination, "c.txt", "destination edit");
        string? seen = null;

        SyncPlanner.Plan(pair, new PlanOptions { ConflictHandler = c => { seen = c.PairName; return ConflictChoice.Skip; } });

        Assert.Equal("docs", seen);
    }

    [Fact]
    public void A_stop_requested_while_the_run_is_still_planning_is_honoured()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "A");
        using var session = SyncSession.Open(t.Pair());

        Assert.True(ControlFile.Request(t.StateDir, ControlRequest.Stop));
        Assert.True(SpinWait.SpinUntil(() => session.StopRequested, 10_000));

        Assert.ThrowsAny<OperationCanceledException>(() => session.Plan());
        Assert.Null(t.Read(SyncSide.Destination, "a.txt"));
    }

    [Fact]
    public void A_pause_requested_before_execution_starts_the_execution_paused()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "A");
        using var session = SyncSession.Open(t.Pair());
        var plan = session.Plan();

        ControlFile.Request(t.StateDir, ControlRequest.Pause);
        Assert.True(SpinWait.SpinUntil(() => SyncStatusReader.Read(t.StateDir).State == SyncRunState.Paused, 10_000));
        var exec = session.BeginExecute(plan.Actions);

        Assert.True(exec.Controller.IsPaused);
        foreach (var a in plan.Actions)
        {
            exec.Post(a);
        }

        Thread.Sleep(300);
        Assert.Null(t.Read(SyncSide.Destination, "a.txt"));
        ControlFile.Request(t.StateDir, ControlRequest.Resume);
        exec.Wait();
        Assert.Equal("A", t.Read(SyncSide.Destination, "a.txt"));
    }
}
