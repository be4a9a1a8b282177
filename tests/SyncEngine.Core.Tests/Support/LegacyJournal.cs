using System.IO;
using System.Text.Json;
using SyncEngine.State;

namespace SyncEngine.Core.Tests.Support;

/// <summary>
/// The engine's journal line reader before the fast replay replaced it (JsonDocument per line), kept unchanged as
/// the reference the new replay is compared against (JournalTests).
/// </summary>
internal static class LegacyJournal
{
    public static void Apply(string line, PairState state)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var key = root.GetProperty("key").GetString() ?? throw new InvalidDataException("key missing");
        switch (root.GetProperty("op").GetString())
        {
            case "set":
                state.Set(key, Parse(root.GetProperty("s"), key), Parse(root.GetProperty("d"), key));
                break;
            case "del":
                state.Remove(key);
                break;
            default:
                throw new InvalidDataException("unknown op");
        }
    }

    private static FileVersion Parse(JsonElement e, string key) => new(
        e.TryGetProperty("path", out var p) ? p.GetString() ?? key : key,
        e.GetProperty("size").GetInt64(),
        TimeCodec.FromUnixSeconds(e.GetProperty("mtime").GetDecimal()),
        e.TryGetProperty("id", out var id) ? id.GetUInt64() : 0,
        e.TryGetProperty("hash", out var h) ? h.GetString() : null);
}
