using System;
using System.Text;
using SyncEngine.Storage;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>Issue 11, capabilities that are read: a side's declared modification-time precision widens the tolerance.</summary>
public class CapabilityTests
{
    private static readonly DateTime At = new(2026, 3, 1, 10, 0, 7, DateTimeKind.Utc);

    [Theory]
    [InlineData(CompareMode.SizeAndMtime)]
    [InlineData(CompareMode.MtimeOnly)]
    public void A_side_that_keeps_coarse_times_is_compared_within_its_precision(CompareMode compare)
    {
        using var t = new TestPair();
        var coarse = new InMemoryStorageProvider("memory://minutes", new StorageCapabilities { MtimePrecision = TimeSpan.FromMinutes(1) });
        var fine = new InMemoryStorageProvider("memory://fine");
        var content = Encoding.UTF8.GetBytes("the same file");
        fine.Put("report.txt", content, At);
        coarse.Put("report.txt", content, At); // kept as 10:00:00, seven seconds off the source's time
        var pair = PairOf(t, SyncMode.TwoWay, compare: compare);

        var plan = Run(pair, fine, coarse).Plan;
        NoVisibleActions(plan);
    }

    [Fact]
    public void The_tolerance_is_two_seconds_or_the_coarser_precision()
    {
        var exact = new StorageCapabilities { MtimePrecision = TimeSpan.FromTicks(1) };
        var seconds = new StorageCapabilities { MtimePrecision = TimeSpan.FromSeconds(1) };
        var fat = new StorageCapabilities { MtimePrecision = TimeSpan.FromSeconds(2) };
        var minutes = new StorageCapabilities { MtimePrecision = TimeSpan.FromMinutes(1) };
        Assert.Equal(TimeSpan.FromSeconds(2).Ticks, SyncEngine.Planning.Planner.TimeTolerance(exact, seconds));
        Assert.Equal(TimeSpan.FromSeconds(2).Ticks, SyncEngine.Planning.Planner.TimeTolerance(fat, exact));
        Assert.Equal(TimeSpan.FromMinutes(1).Ticks, SyncEngine.Planning.Planner.TimeTolerance(exact, minutes));
    }
}
