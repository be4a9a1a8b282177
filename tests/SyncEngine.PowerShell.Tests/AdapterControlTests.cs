using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SyncEngine.Control;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

public class AdapterControlTests
{
    private sealed class RecordingControl : IRunControl
    {
        public List<string> Calls { get; } = new();

        public bool IsPaused { get; private set; }

        public void Pause()
        {
            Calls.Add("Pause");
            IsPaused = true;
        }

        public void Resume()
        {
            Calls.Add("Resume");
            IsPaused = false;
        }

        public void Stop() => Calls.Add("Stop");

        public void Force()
        {
            Calls.Add("Force");
            IsPaused = false;
        }
    }

    [Fact]
    public void A_pair_no_run_holds_is_not_running_and_nothing_is_written()
    {
        using var tp = new AdapterTestPair();
        Directory.CreateDirectory(tp.StateDir);

        Assert.Equal(ControlOutcome.NotRunning, RunControl.Request(tp.StateDir, ControlRequest.Pause));
        Assert.Equal(ControlOutcome.NotRunning, RunControl.Request(Path.Combine(tp.Root, "never-synced"), ControlRequest.Stop));
        Assert.False(File.Exists(Path.Combine(tp.StateDir, ControlFile.FileName)));

        var error = RunControl.NotRunningError("docs", tp.StateDir, ControlRequest.Pause);
        Assert.Equal("SyncNotRunning", error.ErrorId);
        Assert.Contains("pause", error.Message);
    }

    [Fact]
    public void A_run_in_this_process_takes_the_request_at_once()
    {
        using var tp = new AdapterTestPair();
        var control = new RecordingControl();
        using (RunRegistry.Register(tp.StateDir + Path.DirectorySeparatorChar, "docs", control))
        {
            Assert.True(RunRegistry.TryGet(tp.StateDir, out var handle));
            Assert.Equal("docs", handle.PairName);
            Assert.Equal(ControlOutcome.InProcess, RunControl.Request(tp.StateDir, ControlRequest.Pause));
            Assert.Equal(ControlOutcome.InProcess, RunControl.Request(tp.StateDir, ControlRequest.Resume));
            Assert.Equal(ControlOutcome.InProcess, RunControl.Request(tp.StateDir, ControlRequest.Force));
            Assert.Equal(ControlOutcome.InProcess, RunControl.Request(tp.StateDir, ControlRequest.Stop));
        }

        Assert.Equal(new[] { "Pause", "Resume", "Force", "Stop" }, control.Calls);
        Assert.False(RunRegistry.TryGet(tp.StateDir, out _));
        Assert.Equal(ControlOutcome.NotRunning, RunControl.Request(tp.StateDir, ControlRequest.Pause));
    }

    [Fact]
    public void A_run_in_another_process_is_reached_through_the_control_file()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");

        // A session opened directly (not through a pipeline) stands for a run in another process: it holds the lock
        // but is not in this process's registry.
        using var other = SyncSession.Open(tp.Pair());

        Assert.Equal(ControlOutcome.OtherProcess, RunControl.Request(tp.StateDir, ControlRequest.Pause));
        var written = File.ReadAllText(Path.Combine(tp.StateDir, ControlFile.FileName));
        Assert.Contains("Pause", written);
    }

    [Fact]
    public void Stop_sync_from_this_process_stops_the_run_and_keeps_what_finished()
    {
        using var tp = new AdapterTestPair();
        for (var i = 0; i < 5; i++)
        {
            tp.Write(SyncSide.Source, $"f{i}.txt", "x" + i);
        }

        var pair = tp.Pair();
        var host = new FakeHost();
        var outcomes = new List<ControlOutcome>();
        host.OnShouldProcess = (_, _) =>
        {
            if (outcomes.Count == 0)
            {
                outcomes.Add(RunControl.Request(pair.ResolvedStatePath, ControlRequest.Stop));
            }
        };

        SyncSummary? summary;
        using (var pipeline = new SyncPipeline(host))
        {
            summary = pipeline.Sync(pair);
            Assert.True(pipeline.IsStopped);
        }

        Assert.Equal(new[] { ControlOutcome.InProcess }, outcomes);
        Assert.NotNull(summary);
        Assert.True(summary!.Cancelled);
        Assert.Equal("Cancelled", summary.Outcome);
        Assert.Single(host.ShouldProcessCalls);
        Assert.Empty(tp.Tree(SyncSide.Destination));
        Assert.Contains(host.Warnings, w => w.Contains("stopped"));
        Assert.Equal(SyncRunState.Idle, SyncStatusReader.Read(tp.StateDir).State);
        Assert.Equal("Cancelled", SyncStatusReader.Read(tp.StateDir).LastOutcome);
    }

    [Fact]
    public void Ctrl_C_aborts_the_run_and_releases_the_pair()
    {
        using var tp = new AdapterTestPair();
        for (var i = 0; i < 4; i++)
        {
            tp.Write(SyncSide.Source, $"f{i}.txt", "x" + i);
        }

        var pair = tp.Pair();
        var host = new FakeHost();
        SyncPipeline? pipeline = null;
        host.OnShouldProcess = (_, _) =>
        {
            // StopProcessing arrives on another thread while the pipeline thread is busy.
            var t = new System.Threading.Thread(() => pipeline!.Abort());
            t.Start();
            t.Join();
        };

        SyncSummary? summary;
        using (pipeline = new SyncPipeline(host))
        {
            summary = pipeline.Sync(pair);
        }

        Assert.True(summary!.Cancelled);
        Assert.Single(host.ShouldProcessCalls);
        Assert.Empty(tp.Tree(SyncSide.Destination));
        Assert.Equal(SyncRunState.Idle, SyncStatusReader.Read(tp.StateDir).State);
        Assert.False(RunRegistry.TryGet(tp.StateDir, out _));

        // The pair is free again: the next run copies everything.
        using (var again = new SyncPipeline(new FakeHost()))
        {
            Assert.Equal(4, again.Sync(pair)!.Succeeded);
        }
    }

    [Fact]
    public void Suspend_and_resume_from_this_process_show_in_the_status()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        tp.Write(SyncSide.Source, "b.txt", "B");
        var pair = tp.Pair();
        var host = new FakeHost();
        var seen = new List<SyncRunState>();
        host.OnShouldProcess = (target, _) =>
        {
            if (seen.Count == 0)
            {
                RunControl.Request(pair.ResolvedStatePath, ControlRequest.Pause);
                seen.Add(SyncStatusReader.Read(tp.StateDir).State);
                RunControl.Request(pair.ResolvedStatePath, ControlRequest.Resume);
                seen.Add(SyncStatusReader.Read(tp.StateDir).State);
            }
        };

        using (var pipeline = new SyncPipeline(host))
        {
            pipeline.Sync(pair);
        }

        Assert.Equal(new[] { SyncRunState.Paused, SyncRunState.Running }, seen);
        Assert.Equal(2, tp.Tree(SyncSide.Destination).Count);
    }

    [Fact]
    public void Status_carries_the_pair_name_when_the_state_has_none()
    {
        using var tp = new AdapterTestPair();
        var status = PairStatus.Read("docs", Path.Combine(tp.Root, "no-state-yet"));
        Assert.Equal("docs", status.PairName);
        Assert.Equal(SyncRunState.Idle, status.State);
        Assert.Null(status.LastOutcome);

        tp.Write(SyncSide.Source, "a.txt", "A");
        var pair = tp.Pair(name: "recorded");
        tp.SyncDirect(pair);
        var after = PairStatus.Read("other name", tp.StateDir);
        Assert.Equal("recorded", after.PairName);
        Assert.Equal("Succeeded", after.LastOutcome);
        Assert.Equal(1, after.LastSucceeded);
    }
}

[CollectionDefinition("StateHome", DisableParallelization = true)]
public class StateHomeCollection
{
}

[Collection("StateHome")]
public class AdapterPairDirectoryTests
{
    [Fact]
    public void Pairs_are_found_by_name_in_the_registry_and_the_state_folder()
    {
        using var tp = new AdapterTestPair();
        var previous = Environment.GetEnvironmentVariable("SYNCENGINE_STATE_HOME");
        Environment.SetEnvironmentVariable("SYNCENGINE_STATE_HOME", Path.Combine(tp.Root, "state-home"));
        var registered = "registered-" + Guid.NewGuid().ToString("N").Substring(0, 6);
        try
        {
            tp.Write(SyncSide.Source, "a.txt", "A");
            var onDisk = new SyncPair(tp.Source, tp.Destination) { Name = "Alpha Docs" };
            tp.SyncDirect(onDisk);
            var other = Path.Combine(tp.Root, "other");
            Directory.CreateDirectory(other);
            PairRegistry.Register(new SyncPair(tp.Source, other) { Name = registered, StatePath = Path.Combine(tp.Root, "state-b") });

            var all = PairDirectory.All();
            var alpha = Assert.Single(all, k => k.Name == "Alpha Docs");
            Assert.Equal(RunRegistry.Normalize(onDisk.ResolvedStatePath), alpha.StatePath);
            Assert.Null(alpha.Pair);
            Assert.NotNull(Assert.Single(all, k => k.Name == registered).Pair);

            Assert.Single(PairDirectory.Find(n => string.Equals(n, "alpha docs", StringComparison.OrdinalIgnoreCase)));
            Assert.Empty(PairDirectory.Find(n => n == "nope"));
            Assert.Equal("SyncPairNameNotFound", PairDirectory.NameNotFoundError("nope").ErrorId);
        }
        finally
        {
            PairRegistry.Unregister(registered);
            Environment.SetEnvironmentVariable("SYNCENGINE_STATE_HOME", previous);
        }
    }
}
