using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>Issue 11 item 5: a bandwidth limit per pair (--bwlimit / BandwidthLimit), as rsync and rclone have it.</summary>
public class BandwidthLimitTests
{
    [Theory]
    [InlineData("500", 500L * 1024)]
    [InlineData("10M", 10L * 1024 * 1024)]
    [InlineData("10m", 10L * 1024 * 1024)]
    [InlineData("1.5MiB/s", 1572864L)]
    [InlineData("2G", 2L * 1024 * 1024 * 1024)]
    [InlineData("64KB", 64L * 1024)]
    [InlineData("100B", 100L)]
    [InlineData(" 8K/s ", 8192L)]
    [InlineData("0", 0L)]
    [InlineData("off", 0L)]
    public void Rates_are_read_as_rsync_and_rclone_write_them(string text, long bytesPerSecond) =>
        Assert.Equal(bytesPerSecond, BandwidthLimit.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("fast")]
    [InlineData("10X")]
    [InlineData("-5M")]
    [InlineData("1e9")]
    [InlineData("M")]
    [InlineData("99999999999999999999T")]
    public void A_value_that_is_not_a_rate_is_refused_naming_it(string text)
    {
        var ex = ThrowsSync(() => BandwidthLimit.Parse(text), "SyncInvalidOption");
        Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(nameof(SyncPair.BandwidthLimit), ex.Target);
        Assert.Contains($"'{text}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_limit_on_a_pair_is_refused()
    {
        using var t = new TestPair();
        ThrowsSync(new SyncPair(t.Source, t.Destination) { BandwidthLimit = -1 }.Validate, "SyncInvalidOption");
    }

    [Fact]
    public void The_pace_lets_a_quarter_second_go_at_once_then_holds_the_rate()
    {
        var now = 0.0;
        var waits = new List<double>();
        var throttle = new Throttle(1000, () => now, (delay, _) =>
        {
            waits.Add(delay.TotalSeconds);
            now += delay.TotalSeconds;
            return true;
        });

        Assert.Equal(TimeSpan.Zero, throttle.Take(250, CancellationToken.None)); // the burst
        throttle.Take(500, CancellationToken.None);                              // half a second more
        Assert.Equal(0.5, waits[0], 6);
        now += 10;                                                              // idle: only the burst is regained
        Assert.Equal(TimeSpan.Zero, throttle.Take(250, CancellationToken.None));
        throttle.Take(1000, CancellationToken.None);
        Assert.Equal(1.0, waits[1], 6);
        Assert.Equal(16 * 1024, throttle.ChunkFor(1 << 20));
        Assert.Equal(1 << 20, new Throttle(100L << 20).ChunkFor(1 << 20));
    }

    [Fact]
    public void A_limited_sync_copies_everything_and_never_faster_than_the_limit()
    {
        using var t = new TestPair();
        for (var i = 0; i < 3; i++)
        {
            t.Write(SyncSide.Source, $"f{i}.bin", new string((char)('a' + i), 200 * 1024));
        }

        var pair = new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, Mode = SyncMode.SourceToDestination, BandwidthLimit = 1 << 20 };
        var clock = Stopwatch.StartNew();
        var run = Run(pair);
        clock.Stop();
        Assert.Equal(3, run.Summary.Succeeded);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));

        // 600 KiB at 1 MiB/s, less the quarter second that may go at once: checked from below only.
        Assert.True(clock.Elapsed.TotalSeconds >= (600.0 - 256) / 1024 - 0.02, $"took {clock.Elapsed.TotalSeconds:0.000} s");
    }
}
