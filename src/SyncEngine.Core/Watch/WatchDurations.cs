using System;
using System.Globalization;

namespace SyncEngine.Watch;

/// <summary>Durations as a watch's options write them: a whole number and a unit, <c>200ms</c>, <c>2s</c>, <c>10m</c>, <c>1h</c> (or <c>1d</c>).</summary>
public static class WatchDurations
{
    /// <summary>Parses a duration. Throws <see cref="SyncEngineException"/> (InvalidArgument, <c>SyncInvalidDuration</c>) naming the option.</summary>
    public static TimeSpan Parse(string text, string option)
    {
        if (TryParse(text, out var value))
        {
            return value;
        }

        throw new SyncEngineException("SyncInvalidDuration", SyncErrorKind.InvalidArgument,
            $"{option}: '{text}' is not a duration. Write a whole number and a unit: ms, s, m, h or d (for example 200ms, 2s, 10m, 1h).", text);
    }

    /// <summary>Parses a duration; false when the text is not one.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (text is null)
        {
            return false;
        }

        text = text.Trim();
        var digits = 0;
        while (digits < text.Length && text[digits] >= '0' && text[digits] <= '9')
        {
            digits++;
        }

        if (digits == 0 || digits > 9 || !long.TryParse(text.Substring(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        long unitTicks;
        switch (text.Substring(digits).ToLowerInvariant())
        {
            case "ms": unitTicks = TimeSpan.TicksPerMillisecond; break;
            case "s": unitTicks = TimeSpan.TicksPerSecond; break;
            case "m": unitTicks = TimeSpan.TicksPerMinute; break;
            case "h": unitTicks = TimeSpan.TicksPerHour; break;
            case "d": unitTicks = TimeSpan.TicksPerDay; break;
            default: return false;
        }

        value = TimeSpan.FromTicks(n * unitTicks);
        return true;
    }

    /// <summary>A duration as the options write it: <c>200ms</c>, <c>2s</c>, <c>10m</c>, <c>1h</c>, or the largest unit that divides it.</summary>
    public static string Format(TimeSpan value)
    {
        var ticks = value.Ticks;
        if (ticks != 0 && ticks % TimeSpan.TicksPerDay == 0)
        {
            return (ticks / TimeSpan.TicksPerDay).ToString(CultureInfo.InvariantCulture) + "d";
        }

        if (ticks != 0 && ticks % TimeSpan.TicksPerHour == 0)
        {
            return (ticks / TimeSpan.TicksPerHour).ToString(CultureInfo.InvariantCulture) + "h";
        }

        if (ticks != 0 && ticks % TimeSpan.TicksPerMinute == 0)
        {
            return (ticks / TimeSpan.TicksPerMinute).ToString(CultureInfo.InvariantCulture) + "m";
        }

        if (ticks % TimeSpan.TicksPerSecond == 0)
        {
            return (ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "s";
        }

        return ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
    }
}
