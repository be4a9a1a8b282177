using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace SyncEngine.Storage;

/// <summary>
/// Decides which trash folders are old enough to purge, by time the engine saw pass rather than by one reading of
/// the clock. A side keeps a ledger, <c>.syncengine/trash-ages.json</c>: when clean-up last looked and, per trash
/// folder, how much time it has been credited with. Each clean-up credits the folders it saw last time with the time
/// since then, but never more than half the retention at once and nothing when the clock went back; a folder seen for
/// the first time starts at zero. A folder is purged only when its credited age and the time its name records both
/// say it is older than the retention (a name from the future is never old). So a jump of the clock, forward or back,
/// never makes trash old by itself: trash made while the clock was years behind is kept until the engine has seen at
/// least half the retention pass afterwards, and in the usual case (runs more often than every half retention) trash
/// is purged once it is as old as the retention.
/// </summary>
internal static class TrashAges
{
    /// <summary>The ledger's name in the engine folder.</summary>
    public const string LedgerName = "trash-ages.json";

    /// <summary>
    /// Updates the ledger for the trash folders named <paramref name="runFolders"/> (run ids) as of
    /// <paramref name="now"/>, and returns those to purge. <paramref name="ledger"/> is the ledger's content (null when
    /// there is none; one that cannot be read counts as none: every folder starts again at zero, kept longer, never
    /// purged early), and <paramref name="updated"/> is what the caller must store in its place before purging anything.
    /// </summary>
    public static List<string> Expired(byte[]? ledger, IEnumerable<string> runFolders, DateTime now, TimeSpan retention, out byte[] updated)
    {
        var (lastSeen, credits) = ledger is null ? (null, new Dictionary<string, long>(StringComparer.Ordinal)) : Parse(ledger);
        var (expired, kept) = Decide(lastSeen, credits, runFolders, now, retention);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            WriteLedger(w, now, kept);
        }

        updated = buffer.ToArray();
        return expired;
    }

    private static (List<string> Expired, SortedDictionary<string, long> Kept) Decide(
        DateTime? lastSeen, Dictionary<string, long> credits, IEnumerable<string> runFolders, DateTime now, TimeSpan retention)
    {
        var gap = lastSeen is { } last ? now - last : TimeSpan.Zero;
        var step = gap <= TimeSpan.Zero ? TimeSpan.Zero : gap < Half(retention) ? gap : Half(retention);
        var expired = new List<string>();
        var kept = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var run in runFolders)
        {
            if (!TrashNames.TryParseRunTime(run, out var made))
            {
                continue;
            }

            var credited = credits.TryGetValue(run, out var before) ? SafeAdd(before, step.Ticks) : 0;
            var oldByName = retention.Ticks <= now.Ticks && made <= now - retention;
            if (oldByName && credited >= retention.Ticks)
            {
                expired.Add(run);
            }
            else
            {
                kept[run] = credited;
            }
        }

        return (expired, kept);
    }

    private static TimeSpan Half(TimeSpan retention) => TimeSpan.FromTicks(retention.Ticks / 2);

    private static long SafeAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static (DateTime? LastSeen, Dictionary<string, long> Credits) Read(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return (null, new Dictionary<string, long>(StringComparer.Ordinal));
            }

            return Parse(EngineFile.ReadAllBytes(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException
                                   || (ex is SyncEngineException se && se.ErrorId == EngineFile.NotRegularErrorId))
        {
            // Unreadable, or not a regular file (replaced by the write below): no ledger, so nothing is old yet.
            return (null, new Dictionary<string, long>(StringComparer.Ordinal));
        }
    }

    /// <summary>A ledger's content; one that cannot be read counts as none.</summary>
    private static (DateTime? LastSeen, Dictionary<string, long> Credits) Parse(byte[] content)
    {
        var credits = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(content);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("seenUtc", out var seen) || seen.ValueKind != JsonValueKind.String
                || !DateTime.TryParse(seen.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var lastSeen))
            {
                return (null, credits);
            }

            if (root.TryGetProperty("folders", out var folders) && folders.ValueKind == JsonValueKind.Object)
            {
                foreach (var f in folders.EnumerateObject())
                {
                    if (f.Value.ValueKind == JsonValueKind.Number && f.Value.TryGetInt64(out var ticks) && ticks >= 0)
                    {
                        credits[f.Name] = ticks;
                    }
                }
            }

            return (lastSeen, credits);
        }
        catch (JsonException)
        {
            return (null, new Dictionary<string, long>(StringComparer.Ordinal));
        }
    }

    private static void WriteLedger(Utf8JsonWriter w, DateTime now, SortedDictionary<string, long> credits)
    {
        w.WriteStartObject();
        w.WriteNumber("format", 1);
        w.WriteString("seenUtc", now.ToString("o", CultureInfo.InvariantCulture));
        w.WriteStartObject("folders");
        foreach (var kv in credits)
        {
            w.WriteNumber(kv.Key, kv.Value);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }
}
