using System;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Control;
using SyncEngine.Watch;

namespace SyncEngine.Core.Tests.Watch;

/// <summary>"Force while running" (issue 14 item 2): a batch a guard refused is released by the user without stopping the watch.</summary>
public class WatchForceTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    private static int DestinationFiles(TestPair t) => Directory.EnumerateFiles(t.Destination, "f*.txt").Count();

    /// <summary>A mirror of 10 files whose watch refused the deletion of 6 of them (more than half the side).</summary>
    private static WatchRig Refused(TestPair t)
    {
        for (var i = 0; i < 10; i++)
        {
            t.Write(SyncSide.Source, $"f{i:00}.txt", "file " + i);
        }

        var w = new WatchRig(t, new SyncPair(t.Source, t.Destination) { Mode = SyncMode.SourceToDestination, StatePath = t.StateDir });
        w.Start();
        Assert.Equal(10, DestinationFiles(t));
        for (var i = 0; i < 6; i++)
        {
            t.Delete(SyncSide.Source, $"f{i:00}.txt");
            w.Changed(SyncSide.Source, $"f{i:00}.txt");
        }

        w.After(Quiet);
        Assert.Contains(w.TakeEvents(), e => e.Type == WatchEventType.BatchRefused && e.ErrorId == "SyncMassDeleteGuard");
        Assert.True(w.Session.RefusedBatchWaiting);
        Assert.Equal(10, DestinationFiles(t));
        return w;
    }

    [Fact]
    public void ReleaseGuard_applies_the_refused_batch_at_once_and_the_watch_goes_on()
    {
        using var t = new TestPair();
        using var w = Refused(t);

        // Nothing changes by itself: the refused paths wait.
        w.After(TimeSpan.FromMinutes(1));
        Assert.Equal(10, DestinationFiles(t));

        w.Session.ReleaseGuard();
        w.After(TimeSpan.Zero);
        Assert.Equal(4, DestinationFiles(t));
        Assert.Equal(6, t.TrashFiles(SyncSide.Destination).Count);
        Assert.False(w.Session.RefusedBatchWaiting);
        Assert.Contains(w.TakeEvents(), e => e.Type == WatchEventType.Warning && e.Message!.Contains("Forced by the user", StringComparison.Ordinal));

        // Once: the guard holds again for what comes later (3 of the 4 left is more than half).
        for (var i = 6; i < 9; i++)
        {
            t.Delete(SyncSide.Source, $"f{i:00}.txt");
            w.Changed(SyncSide.Source, $"f{i:00}.txt");
        }

        w.After(Quiet);
        Assert.Contains(w.TakeEvents(), e => e.Type == WatchEventType.BatchRefused);
        Assert.Equal(4, DestinationFiles(t));
    }

    [Fact]
    public void A_force_request_through_the_control_file_releases_it_too()
    {
        using var t = new TestPair();
        using var w = Refused(t);

        ControlFile.Request(t.StateDir, ControlRequest.Force);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DestinationFiles(t) != 4 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(100); // the session reads the control file every 200 ms
            w.After(TimeSpan.Zero);
        }

        Assert.Equal(4, DestinationFiles(t));
        Assert.False(w.Session.RefusedBatchWaiting);
    }

    [Fact]
    public void A_force_with_no_refused_batch_changes_nothing_and_says_so()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f00.txt", "one");
        using var w = new WatchRig(t, new SyncPair(t.Source, t.Destination) { Mode = SyncMode.SourceToDestination, StatePath = t.StateDir });
        w.Start();
        w.TakeEvents();
        w.Session.ReleaseGuard();
        w.After(TimeSpan.Zero);
        Assert.Contains(w.TakeEvents(), e => e.Type == WatchEventType.Warning && e.Message!.Contains("nothing to release", StringComparison.Ordinal));
        Assert.Equal(1, DestinationFiles(t));
    }
}
