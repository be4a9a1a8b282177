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
        Sha256Of(e));

    /// <summary>
    /// The SHA-256 a version object names, by this format's rules: format 1's "hash" when it is lowercase SHA-256 hex,
    /// format 2's "hashes"."sha256" likewise; the last of the two fields decides; anything else is no hash.
    /// </summary>
    internal static string? Sha256Of(JsonElement e)
    {
        string? hash = null;
        foreach (var p in e.EnumerateObject())
        {
            if (p.NameEquals("hash"))
            {
                hash = p.Value.ValueKind == JsonValueKind.String && IsSha(p.Value.GetString()) ? p.Value.GetString() : null;
            }
            else if (p.NameEquals("hashes"))
            {
                hash = null;
                if (p.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var h in p.Value.EnumerateObject())
                    {
                        if (h.NameEquals("sha256") && h.Value.ValueKind == JsonValueKind.String && IsSha(h.Value.GetString()))
                        {
                            hash = h.Value.GetString();
                        }
                    }
                }
            }
        }

        return hash;
    }

    private static bool IsSha(string? s) => SyncEngine.Storage.HashAlgorithms.IsValid(SyncEngine.Storage.HashAlgorithms.Sha256, s);
}
