using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using SyncEngine.Storage;

namespace SyncEngine.History;

/// <summary>Reads a pair's change log (docs/history.md). Reading changes nothing and takes no lock.</summary>
public static class SyncHistory
{
    /// <summary>
    /// The pair's applied changes, newest first, optionally only those about <paramref name="path"/> (a file, or a
    /// folder and everything under it; a rename counts for both its names) and within [<paramref name="since"/>,
    /// <paramref name="until"/>]. A damaged or torn line is skipped and reported to <paramref name="warn"/>.
    /// </summary>
    public static IReadOnlyList<SyncHistoryEntry> Read(SyncPair pair, string? path = null, DateTime? since = null, DateTime? until = null, Action<string>? warn = null)
    {
        if (pair is null)
        {
            throw new ArgumentNullException(nameof(pair));
        }

        return Filter(ReadAll(pair.ResolvedStatePath, warn), pair.Name, pair.ResolvedStatePath, path, since, until);
    }

    /// <summary>
    /// As <see cref="Read(SyncPair, string?, DateTime?, DateTime?, Action{string}?)"/>, for the pair whose state folder
    /// is <paramref name="stateDir"/> (its name as the last run recorded it). Throws <see cref="SyncEngineException"/>
    /// (SyncStateFolderNotFound) when the folder does not exist.
    /// </summary>
    public static IReadOnlyList<SyncHistoryEntry> ReadStateFolder(string stateDir, string? path = null, DateTime? since = null, DateTime? until = null, Action<string>? warn = null)
    {
        if (!Directory.Exists(stateDir ?? throw new ArgumentNullException(nameof(stateDir))))
        {
            throw new SyncEngineException("SyncStateFolderNotFound", SyncErrorKind.NotFound,
                $"The state folder '{stateDir}' does not exist (no sync has run for this pair with this state folder).", stateDir);
        }

        string? name = null;
        try
        {
            name = StoredPair(stateDir).Name;
        }
        catch (SyncEngineException)
        {
            // A log without metadata is still read; the entries carry no pair name.
        }

        return Filter(ReadAll(stateDir, warn), name, stateDir, path, since, until);
    }

    private static List<SyncHistoryEntry> Filter(List<SyncHistoryEntry> all, string? pairName, string stateDir, string? path, DateTime? since, DateTime? until)
    {
        var prefix = NormalizePath(path);
        var result = new List<SyncHistoryEntry>();
        for (var i = all.Count - 1; i >= 0; i--)
        {
            var e = all[i];
            e.PairName = pairName;
            e.StatePath = stateDir;
            if (since is { } s && e.TimeUtc < s.ToUniversalTime())
            {
                continue;
            }

            if (until is { } u && e.TimeUtc > u.ToUniversalTime())
            {
                continue;
            }

            if (prefix is not null && !Under(e.Path, prefix) && (e.PreviousPath is null || !Under(e.PreviousPath, prefix)))
            {
                continue;
            }

            result.Add(e);
        }

        return result;
    }

    /// <summary>
    /// The pair a state folder belongs to, as its last run recorded it (roots as given then, name, mode), so a pair can
    /// be named by its state folder alone (<c>--state-dir</c>). Throws <see cref="SyncEngineException"/>
    /// (SyncStateFolderNotFound) when the folder holds no pair's state.
    /// </summary>
    public static (string Source, string Destination, string? Name, SyncMode? Mode) StoredPair(string stateDir)
    {
        var meta = Path.Combine(stateDir ?? throw new ArgumentNullException(nameof(stateDir)), State.StateStore.MetadataFile);
        try
        {
            using var doc = JsonDocument.Parse(EngineFile.ReadAllBytes(meta));
            var r = doc.RootElement;
            var source = r.GetProperty("source").GetString();
            var destination = r.GetProperty("destination").GetString();
            if (!string.IsNullOrEmpty(source) && !string.IsNullOrEmpty(destination))
            {
                var name = r.TryGetProperty("name", out var n) ? n.GetString() : null;
                SyncMode? mode = r.TryGetProperty("mode", out var m) && Enum.TryParse<SyncMode>(m.GetString(), out var parsed) ? parsed : null;
                return (source!, destination!, name, mode);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
        }

        throw new SyncEngineException("SyncStateFolderNotFound", SyncErrorKind.NotFound,
            $"The folder '{stateDir}' holds no pair's state (no readable '{State.StateStore.MetadataFile}'): name the pair by SOURCE and DESTINATION, or give the folder a sync used as its state folder.", stateDir);
    }

    /// <summary>A path argument as the log writes paths ('/'-separated, no leading or trailing '/'), or null for all.</summary>
    internal static string? NormalizePath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var p = path!.Replace('\\', '/').Trim('/');
        while (p.StartsWith("./", StringComparison.Ordinal))
        {
            p = p.Substring(2);
        }

        return p.Length == 0 || p == "." ? null : PathRules.Key(p);
    }

    internal static bool Under(string path, string prefix) =>
        string.Equals(PathRules.Key(path), prefix, StringComparison.Ordinal)
        || PathRules.Key(path).StartsWith(prefix + "/", StringComparison.Ordinal);

    /// <summary>Every readable entry of the log in a state folder, oldest first (the file's order).</summary>
    internal static List<SyncHistoryEntry> ReadAll(string stateDir, Action<string>? warn)
    {
        var result = new List<SyncHistoryEntry>();
        var file = Path.Combine(stateDir, ChangeLog.FileName);
        byte[] bytes;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return result;
        }

        var start = 0;
        var lineNumber = 0;
        while (start < bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            var last = end < 0;
            var stop = last ? bytes.Length : end;
            lineNumber++;
            var length = stop - start;
            if (length > 0 && bytes[start + length - 1] == '\r')
            {
                length--;
            }

            if (length > 0)
            {
                var entry = TryParse(bytes, start, length);
                if (entry is null)
                {
                    warn?.Invoke(last
                        ? $"The change log '{file}' ends with an unfinished line (a run was interrupted while writing it); that line is ignored."
                        : $"Line {lineNumber} of the change log '{file}' is damaged and was skipped.");
                }
                else
                {
                    entry.Sequence = result.Count;
                    result.Add(entry);
                }
            }

            start = last ? bytes.Length : end + 1;
        }

        return result;
    }

    private static SyncHistoryEntry? TryParse(byte[] bytes, int start, int length)
    {
        try
        {
            using var doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(bytes, start, length));
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object || !r.TryGetProperty("v", out var v) || v.GetInt32() != ChangeLog.FormatVersion)
            {
                return null;
            }

            var side = ParseSide(r.GetProperty("side").GetString());
            var kind = ParseKind(r.GetProperty("action").GetString());
            if (side is null || kind is null)
            {
                return null;
            }

            var time = DateTime.ParseExact(r.GetProperty("time").GetString()!, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            SyncSide? keptSide = null;
            string? keptPath = null;
            if (r.TryGetProperty("kept", out var kept) && kept.ValueKind == JsonValueKind.Object)
            {
                keptSide = ParseSide(kept.GetProperty("side").GetString());
                keptPath = kept.GetProperty("path").GetString();
            }

            return new SyncHistoryEntry(
                r.GetProperty("id").GetString() ?? throw new FormatException("id"),
                time,
                r.GetProperty("run").GetString() ?? "",
                side.Value,
                kind.Value,
                r.GetProperty("path").GetString() ?? throw new FormatException("path"),
                r.TryGetProperty("from", out var from) && from.ValueKind == JsonValueKind.String ? from.GetString() : null,
                ParseVersion(r, "old"),
                ParseVersion(r, "new"),
                keptSide,
                keptPath);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            return null;
        }
    }

    private static HistoryVersion? ParseVersion(JsonElement r, string name)
    {
        if (!r.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var sha = v.TryGetProperty("sha256", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
        return new HistoryVersion(v.GetProperty("size").GetInt64(), v.GetProperty("ticks").GetInt64(), sha);
    }

    /// <summary>A side as the change log writes it: <c>source</c> or <c>destination</c>.</summary>
    public static string SideName(SyncSide side) => ChangeLog.SideName(side);

    /// <summary>An action as the change log writes it: <c>create</c>, <c>update</c>, <c>delete</c>, <c>rename</c> or <c>restore</c>.</summary>
    public static string ActionName(ChangeKind kind) => ChangeLog.KindName(kind);

    internal static SyncSide? ParseSide(string? s) => s switch
    {
        "source" => SyncSide.Source,
        "destination" => SyncSide.Destination,
        _ => null,
    };

    private static ChangeKind? ParseKind(string? s) => s switch
    {
        "create" => ChangeKind.Create,
        "update" => ChangeKind.Update,
        "delete" => ChangeKind.Delete,
        "rename" => ChangeKind.Rename,
        "restore" => ChangeKind.Restore,
        _ => null,
    };
}
