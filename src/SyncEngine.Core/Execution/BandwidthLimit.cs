using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;

namespace SyncEngine;

/// <summary>
/// A cap on the bytes a run transfers per second, shared by all its transfers (rsync's and rclone's
/// <c>--bwlimit</c>). Written as a number with an optional binary unit: <c>B</c>, <c>K</c> (the default, as rsync and
/// rclone have it), <c>M</c>, <c>G</c>, <c>T</c>, optionally followed by <c>iB</c>/<c>B</c> and <c>/s</c>:
/// <c>500</c> = 500 KiB/s, <c>10M</c> = 10 MiB/s, <c>1.5MiB/s</c>. <c>0</c> and <c>off</c> mean no cap.
/// </summary>
public static class BandwidthLimit
{
    /// <summary>Parses a rate into bytes per second (0: no cap). Throws <see cref="SyncEngineException"/> (SyncInvalidOption) naming the value.</summary>
    public static long Parse(string text)
    {
        var s = (text ?? "").Trim();
        if (s.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        if (s.EndsWith("/s", StringComparison.OrdinalIgnoreCase))
        {
            s = s.Substring(0, s.Length - 2);
        }

        var end = 0;
        while (end < s.Length && (char.IsDigit(s[end]) || s[end] == '.'))
        {
            end++;
        }

        var unit = s.Substring(end).Trim();
        if (unit.EndsWith("iB", StringComparison.OrdinalIgnoreCase) && unit.Length == 3)
        {
            unit = unit.Substring(0, 1);
        }
        else if (unit.Length == 2 && unit.EndsWith("B", StringComparison.OrdinalIgnoreCase))
        {
            unit = unit.Substring(0, 1);
        }

        var scale = unit.ToUpperInvariant() switch
        {
            "" or "K" => 1024d,
            "B" => 1d,
            "M" => 1024d * 1024,
            "G" => 1024d * 1024 * 1024,
            "T" => 1024d * 1024 * 1024 * 1024,
            _ => double.NaN,
        };
        if (end == 0 || double.IsNaN(scale)
            || !double.TryParse(s.Substring(0, end), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            || number * scale >= long.MaxValue)
        {
            throw new SyncEngineException("SyncInvalidOption", SyncErrorKind.InvalidArgument,
                $"'{text}' is not a rate: write a number of KiB per second, or one with a unit (B, K, M, G, T), e.g. 500, 10M, 1.5MiB/s; 0 or off for no limit.",
                nameof(SyncPair.BandwidthLimit));
        }

        var bytes = (long)Math.Round(number * scale);
        return number > 0 && bytes == 0 ? 1 : bytes;
    }

    /// <summary>A rate for messages: <c>10 MiB/s</c>.</summary>
    public static string Format(long bytesPerSecond)
    {
        string[] units = { "B", "KiB", "MiB", "GiB", "TiB" };
        double value = bytesPerSecond;
        var i = 0;
        while (value >= 1024 && i < units.Length - 1)
        {
            value /= 1024;
            i++;
        }

        return value.ToString(value % 1 == 0 ? "0" : "0.##", CultureInfo.InvariantCulture) + " " + units[i] + "/s";
    }
}

/// <summary>
/// The shared pace of a run's transfers: each chunk written takes its share of the rate; a transfer waits while the
/// run is ahead of it. Up to a quarter second's worth may go at once (a burst), so small files are not slowed one by one.
/// </summary>
internal sealed class Throttle
{
    private readonly long _rate;
    private readonly Func<double> _now;
    private readonly Func<TimeSpan, CancellationToken, bool> _wait;
    private readonly object _gate = new();
    private double _due;

    /// <summary>Seconds' worth of bytes that may go at once after an idle moment.</summary>
    private const double Burst = 0.25;

    public Throttle(long bytesPerSecond, Func<double>? now = null, Func<TimeSpan, CancellationToken, bool>? wait = null)
    {
        _rate = bytesPerSecond;
        var clock = Stopwatch.StartNew();
        _now = now ?? (() => clock.Elapsed.TotalSeconds);
        _wait = wait ?? ((delay, token) => token.WaitHandle.WaitOne(delay));
        _due = _now() - Burst;
    }

    /// <summary>Bytes per second.</summary>
    public long Rate => _rate;

    /// <summary>The size of a chunk worth reading at this rate: a quarter second, between 16 KiB and <paramref name="most"/>.</summary>
    public int ChunkFor(int most) => (int)Math.Max(Math.Min(most, _rate / 4), Math.Min(most, 16 * 1024));

    /// <summary>Takes <paramref name="bytes"/> from the rate, waiting while the run is ahead of it; returns the wait.</summary>
    public TimeSpan Take(long bytes, CancellationToken token)
    {
        double wait;
        lock (_gate)
        {
            var now = _now();
            if (_due < now - Burst)
            {
                _due = now - Burst;
            }

            _due += bytes / (double)_rate;
            wait = _due - now;
        }

        if (wait <= 0)
        {
            return TimeSpan.Zero;
        }

        var delay = TimeSpan.FromSeconds(wait);
        _wait(delay, token);
        token.ThrowIfCancellationRequested();
        return delay;
    }
}
