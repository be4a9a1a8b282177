using System;
using System.Collections.Generic;
using System.Linq;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

public class AdapterProgressTests
{
    private const long MiB = 1024 * 1024;
    private static readonly SyncPlanInfo Info = new(new SyncPair("/src", "/dst") { Name = "docs" }, Guid.NewGuid(), DateTime.UtcNow, 0, 0, false);

    private static SyncAction Upload(string path, long size) =>
        new(SyncActionType.UploadNew, path, "test", new FileVersion(path, size, DateTime.UtcNow.Ticks), null, Info);

    private static SyncProgressEvent Start(int files, long bytes) => new() { Type = SyncEventType.SyncStart, FilesTotal = files, BytesTotal = bytes };

    private static SyncProgressEvent FileStart(SyncAction a) => new() { Type = SyncEventType.FileStart, Action = a, FileBytesTotal = a.Bytes };

    private static SyncProgressEvent FileProgress(SyncAction a, long done) => new() { Type = SyncEventType.FileProgress, Action = a, FileBytesDone = done, FileBytesTotal = a.Bytes };

    private static SyncProgressEvent FileComplete(SyncAction a, int filesDone, long bytesDone) =>
        new() { Type = SyncEventType.FileComplete, Action = a, FilesDone = filesDone, BytesDone = bytesDone, FileBytesDone = a.Bytes };

    /// <summary>Every activity ever written ends with a Completed record, and nothing comes after it.</summary>
    private static void AssertEveryActivityCompleted(IReadOnlyList<ProgressInfo> records)
    {
        foreach (var id in records.Select(r => r.ActivityId).Distinct())
        {
            Assert.True(records.Last(r => r.ActivityId == id).Completed, $"activity {id} was not completed last");
        }
    }

    private static void AssertWellFormed(IEnumerable<ProgressInfo> records)
    {
        foreach (var r in records)
        {
            Assert.NotEqual(r.ActivityId, r.ParentActivityId);
            Assert.False(string.IsNullOrEmpty(r.Activity));
            Assert.False(string.IsNullOrEmpty(r.StatusDescription));
            Assert.InRange(r.PercentComplete, -1, 100);
            Assert.True(r.SecondsRemaining >= -1);
        }
    }

    [Fact]
    public void Parent_and_child_records_have_fixed_ids_and_all_end_completed()
    {
        var host = new FakeHost();
        var clock = new FakeClock();
        var progress = new ProgressReporter(host, clock, TimeSpan.FromMilliseconds(250), largeFileThreshold: 4 * MiB);
        var big = Upload("big.iso", 8 * MiB);
        var small = Upload("small.txt", 100);

        progress.BeginSync("docs");
        progress.OnSyncEvent(Start(2, big.Bytes + small.Bytes));
        progress.OnSyncEvent(FileStart(big));
        progress.OnSyncEvent(FileStart(small));
        clock.AdvanceMs(300);
        progress.OnSyncEvent(FileProgress(big, 4 * MiB));
        var child = Assert.Single(host.Progress, p => p.ActivityId == ProgressReporter.FirstFileActivityId);
        Assert.Equal(ProgressReporter.SyncActivityId, child.ParentActivityId);
        Assert.Equal(50, child.PercentComplete);
        Assert.Contains("big.iso", child.StatusDescription);
        Assert.DoesNotContain(host.Progress, p => p.StatusDescription.Contains("small.txt") && p.ActivityId != ProgressReporter.SyncActivityId);

        progress.OnSyncEvent(FileComplete(small, 1, 100));
        clock.AdvanceMs(300);
        progress.OnSyncEvent(FileComplete(big, 2, big.Bytes + small.Bytes));
        Assert.True(host.Progress.Last(p => p.ActivityId == ProgressReporter.FirstFileActivityId).Completed, "a finished large file's record is completed");
        progress.OnSyncEvent(new SyncProgressEvent { Type = SyncEventType.SyncComplete, FilesDone = 2, BytesDone = big.Bytes + small.Bytes });
        var last = host.Progress.Last(p => p.ActivityId == ProgressReporter.SyncActivityId && !p.Completed);
        Assert.Equal(100, last.PercentComplete);
        Assert.Equal("Syncing docs", last.Activity);
        Assert.Equal(-1, last.ParentActivityId);

        progress.Complete();
        Assert.Empty(progress.OpenActivities);
        AssertEveryActivityCompleted(host.Progress);
        AssertWellFormed(host.Progress);
        Assert.Equal(new[] { ProgressReporter.SyncActivityId, ProgressReporter.FirstFileActivityId }.OrderBy(i => i), host.Progress.Select(p => p.ActivityId).Distinct().OrderBy(i => i));
    }

    [Fact]
    public void Updates_are_throttled_by_the_clock()
    {
        var host = new FakeHost();
        var clock = new FakeClock();
        var progress = new ProgressReporter(host, clock, TimeSpan.FromMilliseconds(250), largeFileThreshold: long.MaxValue);
        var file = Upload("f.bin", 1000 * 1000);
        progress.BeginSync("docs");
        progress.OnSyncEvent(Start(1, file.Bytes));
        progress.OnSyncEvent(FileStart(file));
        var written = 0;
        for (var i = 1; i <= 1000; i++)
        {
            clock.AdvanceMs(1);
            if (progress.OnSyncEvent(FileProgress(file, i * 1000)))
            {
                written++;
            }
        }

        // One second of events every millisecond: one batch per 250 ms, not a thousand.
        Assert.InRange(written, 3, 4);
        Assert.Equal(1 + written, host.Progress.Count);
        clock.AdvanceMs(10);
        Assert.False(progress.OnSyncEvent(FileProgress(file, 1000 * 1000)), "within the interval nothing is written");
        Assert.True(progress.OnSyncEvent(new SyncProgressEvent { Type = SyncEventType.Paused }), "a pause is shown at once");
        Assert.Contains("paused", host.Progress.Last().StatusDescription, StringComparison.OrdinalIgnoreCase);
        progress.Complete();
        AssertEveryActivityCompleted(host.Progress);
    }

    [Theory]
    [InlineData(0, 0, 0, 0, 0)]
    [InlineData(5, 10, 0, 0, 50)]
    [InlineData(0, 0, 25, 100, 25)]
    [InlineData(1, 4, 3, 4, 50)]
    [InlineData(20, 10, 300, 100, 100)]
    [InlineData(-5, 10, -7, 10, 0)]
    public void Percent_is_the_mean_of_known_shares_clamped(long files, long filesTotal, long bytes, long bytesTotal, int expected) =>
        Assert.Equal(expected, ProgressReporter.Percent(files, filesTotal, bytes, bytesTotal));

    [Fact]
    public void Percent_stays_within_range_when_the_engine_reports_more_than_planned()
    {
        var host = new FakeHost();
        var clock = new FakeClock();
        var progress = new ProgressReporter(host, clock);
        var file = Upload("grew.txt", 10);
        progress.BeginSync("docs");
        progress.OnSyncEvent(Start(1, 10));
        progress.OnSyncEvent(FileStart(file));
        clock.AdvanceMs(1000);
        progress.OnSyncEvent(FileComplete(file, 3, 5000));
        progress.Complete();
        AssertWellFormed(host.Progress);
        Assert.Equal(100, host.Progress.Where(p => !p.Completed).Last().PercentComplete);
    }

    [Fact]
    public void Child_ids_come_from_a_fixed_pool_and_are_reused()
    {
        var host = new FakeHost();
        var clock = new FakeClock();
        var progress = new ProgressReporter(host, clock, TimeSpan.FromMilliseconds(250), largeFileThreshold: MiB);
        var files = Enumerable.Range(0, ProgressReporter.FileActivityPoolSize + 2).Select(i => Upload($"big{i}.bin", 2 * MiB)).ToList();
        progress.BeginSync("docs");
        progress.OnSyncEvent(Start(files.Count, files.Sum(f => f.Bytes)));
        foreach (var f in files)
        {
            progress.OnSyncEvent(FileStart(f));
        }

        clock.AdvanceMs(300);
        progress.OnSyncEvent(FileProgress(files[0], MiB));
        var childIds = host.Progress.Where(p => p.ParentActivityId == ProgressReporter.SyncActivityId).Select(p => p.ActivityId).ToList();
        Assert.Equal(ProgressReporter.FileActivityPoolSize, childIds.Count);
        Assert.Equal(childIds.Count, childIds.Distinct().Count());
        Assert.All(childIds, id => Assert.InRange(id, ProgressReporter.FirstFileActivityId, ProgressReporter.FirstFileActivityId + ProgressReporter.FileActivityPoolSize - 1));

        // One finishes; the next large file takes its id.
        progress.OnSyncEvent(FileComplete(files[0], 1, files[0].Bytes));
        var late = Upload("late.bin", 2 * MiB);
        progress.OnSyncEvent(FileStart(late));
        clock.AdvanceMs(300);
        progress.OnSyncEvent(FileProgress(late, MiB));
        var lateRecord = host.Progress.Last(p => p.StatusDescription.Contains("late.bin"));
        Assert.Equal(childIds[0], lateRecord.ActivityId);
        Assert.False(lateRecord.Completed);

        progress.Complete();
        AssertEveryActivityCompleted(host.Progress);
        AssertWellFormed(host.Progress);
    }

    [Fact]
    public void Seconds_remaining_follow_the_smoothed_throughput()
    {
        var host = new FakeHost();
        var clock = new FakeClock();
        var progress = new ProgressReporter(host, clock, TimeSpan.FromMilliseconds(250), largeFileThreshold: long.MaxValue);
        var file = Upload("f.bin", 100 * MiB);
        progress.BeginSync("docs");
        progress.OnSyncEvent(Start(1, file.Bytes));
        progress.OnSyncEvent(FileStart(file));
        Assert.Equal(-1, host.Progress.Last().SecondsRemaining);

        // A steady 4 MiB/s (1 MiB every 250 ms) for 10 s.
        for (var i = 1; i <= 40; i++)
        {
            clock.AdvanceMs(250);
            progress.OnSyncEvent(FileProgress(file, i * MiB));
        }

        // 60 MiB left at 4 MiB/s.
        Assert.InRange(host.Progress.Last().SecondsRemaining, 14, 16);
        progress.Complete();
    }

    [Fact]
    public void Scan_progress_has_its_own_activity_and_is_completed()
    {
        var host = new FakeHost();
        var clock = new FakeClock();
        var progress = new ProgressReporter(host, clock);
        progress.BeginScan("docs");
        progress.OnScanEvent(new SyncProgressEvent { Type = SyncEventType.ScanStart, Side = SyncSide.Source });
        clock.AdvanceMs(300);
        progress.OnScanEvent(new SyncProgressEvent { Type = SyncEventType.ScanProgress, Side = SyncSide.Source, FilesDone = 1234 });
        progress.OnScanEvent(new SyncProgressEvent { Type = SyncEventType.ScanProgress, Side = SyncSide.Destination, FilesDone = 7 });
        progress.EndScan();
        Assert.All(host.Progress, p => Assert.Equal(ProgressReporter.ScanActivityId, p.ActivityId));
        Assert.Equal(2, host.Progress.Count(p => !p.Completed));
        Assert.True(host.Progress.Last().Completed);
        Assert.Contains("Scanning docs", host.Progress[0].Activity);
    }

    [Fact]
    public void A_real_run_writes_well_formed_progress_and_completes_every_activity()
    {
        using var tp = new AdapterTestPair();
        for (var i = 0; i < 5; i++)
        {
            tp.Write(SyncSide.Source, $"dir/f{i}.txt", new string('x', 1000 * (i + 1)));
        }

        var host = new FakeHost();
        using (var pipeline = new SyncPipeline(host, new SyncPipelineOptions { LargeFileThreshold = 1, ProgressInterval = TimeSpan.Zero }))
        {
            pipeline.Sync(tp.Pair());
        }

        Assert.Equal(5, tp.Tree(SyncSide.Destination).Count);
        AssertWellFormed(host.Progress);
        AssertEveryActivityCompleted(host.Progress);
        Assert.Contains(host.Progress, p => p.ActivityId == ProgressReporter.ScanActivityId);
        Assert.Contains(host.Progress, p => p.ActivityId == ProgressReporter.SyncActivityId && p.PercentComplete == 100 && !p.Completed);
        Assert.All(host.Progress.Where(p => p.ActivityId >= ProgressReporter.FirstFileActivityId), p => Assert.Equal(ProgressReporter.SyncActivityId, p.ParentActivityId));
        Assert.False(host.CalledFromOtherThread);
    }

    [Fact]
    public void Activities_are_completed_even_when_the_run_cannot_start()
    {
        using var tp = new AdapterTestPair();
        for (var i = 0; i < 4; i++)
        {
            tp.Write(SyncSide.Source, $"f{i}.txt", "x" + i);
        }

        var pair = tp.Pair();
        tp.SyncDirect(pair);
        for (var i = 0; i < 3; i++)
        {
            tp.Delete(SyncSide.Source, $"f{i}.txt");
        }

        var host = new FakeHost();
        using (var pipeline = new SyncPipeline(host))
        {
            Assert.Throws<SyncEngineException>(() => pipeline.Sync(pair));
        }

        Assert.NotEmpty(host.Progress);
        AssertEveryActivityCompleted(host.Progress);
    }
}
