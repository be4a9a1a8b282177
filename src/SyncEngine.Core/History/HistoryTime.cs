using System;
using System.Globalization;

namespace SyncEngine.History;

/// <summary>
/// Times as the history and restore commands take them: an ISO 8601 date or date and time (<c>2024-01-15</c>,
/// <c>2024-01-15T14:30</c>, <c>2024-01-15 14:30:00Z</c>, <c>…+02:00</c>; without a zone: local time), or an age
/// (<c>90m</c>, <c>2h</c>, <c>3d</c>: that long before now).
/// </summary>
public static class HistoryTime
{
    private static readonly string[] Formats =
    {
        "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mmK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
    };

    /// <summary>
    /// Parses a time (UTC result). Throws <see cref="SyncEngineException"/> (InvalidArgument, <c>SyncInvalidTime</c>)
    /// naming <paramref name="option"/>.
    /// </summary>
    public static DateTime Parse(string text, string option, DateTime utcNow)
    {
        if (TryParse(text, utcNow, out var value))
        {
            return value;
        }

        throw new SyncEngineException("SyncInvalidTime", SyncErrorKind.InvalidArgument,
            $"{option}: '{text}' is not a time. Write a date or a date and time (2024-01-15, 2024-01-15T14:30, 2024-01-15T14:30:00Z; without a zone it is local time), or an age (90m, 2h, 3d).", text);
    }

    /// <summary>Parses a time; false when the text is not one.</summary>
    public static bool TryParse(string? text, DateTime utcNow, out DateTime utc)
    {
        utc = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text!.Trim();
        if (Watch.WatchDurations.TryParse(text, out var age))
        {
            if (age.Ticks > utcNow.Ticks - DateTime.MinValue.Ticks)
            {
                return false;
            }

            utc = DateTime.SpecifyKind(utcNow.ToUniversalTime() - age, DateTimeKind.Utc);
            return true;
        }

        if (DateTime.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            utc = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
            return true;
        }

        return false;
    }
}
