using System;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Modification times outside <see cref="DateTime"/>'s range (before year 1, after 9999) that a filesystem can hold:
/// read as the nearest time DateTime can hold, so such files plan, copy (with that time) and record like any other.
/// </summary>
public class ExtremeTimeTests
{
    private static TestPair OnTmpfs()
    {
        var folder = ExtremeTimes.Folder(out var why);
        Skip.If(folder is null, why);
        return new TestPair(folder!);
    }

    [SkippableTheory]
    [InlineData(-99999999999L)]
    [InlineData(ExtremeTimes.MinSeconds - 1)]
    [InlineData(ExtremeTimes.MaxSeconds + 1)]
    [InlineData(999999999999L)]
    [InlineData(long.MaxValue / 2)]
    public void A_file_with_a_time_outside_DateTime_is_planned_copied_and_recorded(long seconds)
    {
        using var t = OnTmpfs();
        t.Write(SyncSide.Source, "extreme.txt", "extreme");
        t.Write(SyncSide.Source, "normal.txt", "normal");
        ExtremeTimes.Set(t.FullPath(SyncSide.Source, "extreme.txt"), seconds);
        var pair = PairOf(t);

        var run = Run(pair);

        Assert.Equal(new[] { "UploadNew extreme.txt", "UploadNew normal.txt" }, VisibleSorted(run.Plan));
        Assert.Equal("Succeeded", run.Summary.Outcome);
        Assert.Equal("extreme", t.Read(SyncSide.Destination, "extreme.txt"));
        var clamped = seconds < 0 ? DateTime.MinValue : DateTime.MaxValue;
        Assert.Equal(clamped, Mtime(t, SyncSide.Destination, "extreme.txt"));
        Assert.Equal(seconds < 0 ? ExtremeTimes.MinSeconds : ExtremeTimes.MaxSeconds, ExtremeTimes.Seconds(t.FullPath(SyncSide.Destination, "extreme.txt")));
        Assert.Equal(seconds, ExtremeTimes.Seconds(t.FullPath(SyncSide.Source, "extreme.txt")));
        NoVisibleActions(t.Plan(pair));
    }

    [SkippableTheory]
    [InlineData(-99999999999L)]
    [InlineData(999999999999L)]
    public void An_edit_to_a_file_with_a_time_outside_DateTime_is_seen_and_copied(long seconds)
    {
        using var t = OnTmpfs();
        t.Write(SyncSide.Source, "f.txt", "first");
        var pair = PairOf(t);
        Run(pair);
        t.Write(SyncSide.Destination, "f.txt", "second, on the destination");
        ExtremeTimes.Set(t.FullPath(SyncSide.Destination, "f.txt"), seconds);

        var run = Run(pair);

        Assert.Equal(new[] { "DownloadUpdate f.txt" }, VisibleSorted(run.Plan));
        Assert.Equal("second, on the destination", t.Read(SyncSide.Source, "f.txt"));
        Assert.Equal(new[] { "first" }, Trash(t, SyncSide.Source));
        NoVisibleActions(t.Plan(pair));
    }

    [SkippableFact]
    public void Files_with_times_outside_DateTime_on_both_sides_at_a_first_sync_are_compared_by_content()
    {
        using var t = OnTmpfs();
        t.Write(SyncSide.Source, "same.txt", "same");
        t.Write(SyncSide.Destination, "same.txt", "same");
        t.Write(SyncSide.Source, "differ.txt", "source");
        t.Write(SyncSide.Destination, "differ.txt", "destin");
        foreach (var side in new[] { SyncSide.Source, SyncSide.Destination })
        {
            ExtremeTimes.Set(t.FullPath(side, "same.txt"), side == SyncSide.Source ? -99999999999L : -88888888888L);
            ExtremeTimes.Set(t.FullPath(side, "differ.txt"), 999999999999L);
        }

        var run = Run(PairOf(t, SyncMode.SourceToDestination));

        Assert.Equal(new[] { "UploadUpdate differ.txt" }, VisibleSorted(run.Plan));
        Assert.Equal("source", t.Read(SyncSide.Destination, "differ.txt"));
        Assert.Equal(0, run.Summary.Failed);
    }
}
