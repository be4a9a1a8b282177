using System;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Control;
using SyncEngine.PowerShell.Jobs;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

public class AdapterJobTests
{
    private static (Thread Thread, Func<JobOutcome> Outcome, Func<FakeHost> Host) RunInBackground(JobRunner runner)
    {
        JobOutcome outcome = default;
        FakeHost? host = null;
        var ready = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            // The job's thread is its pipeline thread: the host is made there.
            host = new FakeHost();
            ready.Set();
            outcome = runner.Run(host);
        }) { IsBackground = true };
        thread.Start();
        ready.Wait();
        return (thread, () => outcome, () => host!);
    }

    [Fact]
    public void A_job_runs_its_pairs_and_reports_into_its_host()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        var runner = new JobRunner(new SyncWork(new[] { tp.Pair(name: "job pair") }, Array.Empty<SyncAction>()), new SyncPipelineOptions());
        var host = new FakeHost();

        Assert.Equal(JobOutcome.Completed, runner.Run(host));

        Assert.Equal("A", tp.Read(SyncSide.Destination, "a.txt"));
        Assert.Equal(SyncResultStatus.Succeeded, Assert.Single(host.Results).Status);
        Assert.False(host.CalledFromOtherThread);
    }

    [Fact]
    public void A_job_whose_run_cannot_start_fails_with_the_engine_error()
    {
        using var tp = new AdapterTestPair();
        var pair = tp.Pair();
        Directory.Delete(tp.Source);
        var runner = new JobRunner(new SyncWork(new[] { pair }, Array.Empty<SyncAction>()), new SyncPipelineOptions());
        var host = new FakeHost();

        Assert.Equal(JobOutcome.Failed, runner.Run(host));

        var error = Assert.Single(host.Errors);
        Assert.Equal("SyncRootNotFound", error.ErrorId);
        Assert.Equal(PsErrorCategory.ObjectNotFound, error.Category);
    }

    [Fact]
    public void A_job_stopped_before_it_runs_does_nothing()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        var runner = new JobRunner(new SyncWork(new[] { tp.Pair() }, Array.Empty<SyncAction>()), new SyncPipelineOptions());
        runner.Stop();

        Assert.Equal(JobOutcome.Stopped, runner.Run(new FakeHost()));
        Assert.Empty(tp.Tree(SyncSide.Destination));
        Assert.False(Directory.Exists(tp.StateDir));
    }

    [Fact]
    public void A_suspended_job_starts_no_action_until_resumed()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        tp.Write(SyncSide.Source, "b.txt", "B");
        var pair = tp.Pair();
        var runner = new JobRunner(new SyncWork(new[] { pair }, Array.Empty<SyncAction>()), new SyncPipelineOptions());
        runner.Pause();
        Assert.True(runner.IsPaused);

        var (thread, outcome, host) = RunInBackground(runner);

        // Suspended while planning: once the run holds the pair, its status says Paused, and nothing was copied.
        Assert.True(Eventually.True(() => SyncStatusReader.Read(tp.StateDir).State == SyncRunState.Paused), "the run never showed as paused");
        Assert.True(RunRegistry.TryGet(tp.StateDir, out var handle));
        Assert.Same(runner, handle.Control);
        Assert.Empty(tp.Tree(SyncSide.Destination));

        runner.Resume();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(JobOutcome.Completed, outcome());
        Assert.Equal(2, tp.Tree(SyncSide.Destination).Count);
        Assert.Equal(2, host().Results.Count(r => r.Status == SyncResultStatus.Succeeded));
    }

    [Fact]
    public void Stopping_a_suspended_job_keeps_the_files_as_they_were()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        var pair = tp.Pair();
        var runner = new JobRunner(new SyncWork(new[] { pair }, Array.Empty<SyncAction>()), new SyncPipelineOptions());
        runner.Pause();
        var (thread, outcome, _) = RunInBackground(runner);
        Assert.True(Eventually.True(() => SyncStatusReader.Read(tp.StateDir).State == SyncRunState.Paused));

        // Stop-Sync -Pair reaches the job's run through the registry.
        Assert.Equal(ControlOutcome.InProcess, RunControl.Request(pair.ResolvedStatePath, ControlRequest.Stop));

        Assert.True(thread.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(JobOutcome.Stopped, outcome());
        Assert.Empty(tp.Tree(SyncSide.Destination));
        Assert.Equal(SyncRunState.Idle, SyncStatusReader.Read(tp.StateDir).State);
        Assert.Equal("Cancelled", SyncStatusReader.Read(tp.StateDir).LastOutcome);
    }

    [Fact]
    public void A_pause_between_pairs_holds_the_next_pair()
    {
        using var first = new AdapterTestPair();
        using var second = new AdapterTestPair();
        first.Write(SyncSide.Source, "one.txt", "1");
        second.Write(SyncSide.Source, "two.txt", "2");
        var runner = new JobRunner(new SyncWork(new[] { first.Pair(name: "first"), second.Pair(name: "second") }, Array.Empty<SyncAction>()), new SyncPipelineOptions());
        JobOutcome outcome = default;
        var thread = new Thread(() =>
        {
            var host = new FakeHost();
            host.OnWriteProgress = p =>
            {
                if (p.Completed && p.ActivityId == ProgressReporter.SyncActivityId && p.Activity == "Syncing first")
                {
                    runner.Pause();
                }
            };
            outcome = runner.Run(host);
        }) { IsBackground = true };
        thread.Start();

        Assert.True(Eventually.True(() => SyncStatusReader.Read(second.StateDir).State == SyncRunState.Paused), "the second pair's run never showed as paused");
        Assert.Equal("1", first.Read(SyncSide.Destination, "one.txt"));
        Assert.Equal(SyncRunState.Idle, SyncStatusReader.Read(first.StateDir).State);
        Assert.Null(second.Read(SyncSide.Destination, "two.txt"));

        runner.Resume();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(JobOutcome.Completed, outcome);
        Assert.Equal("2", second.Read(SyncSide.Destination, "two.txt"));
    }

    [Fact]
    public void A_job_runs_piped_actions_too()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        tp.Write(SyncSide.Source, "b.txt", "B");
        var kept = SyncPlanner.Plan(tp.Pair()).Visible().Where(a => a.RelativePath == "a.txt").ToArray();
        var work = new SyncWork(Array.Empty<SyncPair>(), kept);
        var host = new FakeHost();

        Assert.Equal(JobOutcome.Completed, new JobRunner(work, new SyncPipelineOptions { Summary = true }).Run(host));

        Assert.Equal(new[] { "a.txt" }, tp.Tree(SyncSide.Destination).Keys);
        Assert.Equal(1, Assert.IsType<SyncSummary>(Assert.Single(host.Objects)).Succeeded);
        Assert.Contains(tp.Pair().Name, work.Describe());
    }
}
