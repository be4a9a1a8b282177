using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace SyncEngine.State;

/// <summary>Outcome of loading a pair's state.</summary>
internal sealed class StateLoad
{
    public PairState? State { get; init; }

    /// <summary>State files existed but could not be read: treat as no state (merge, no deletions) and warn.</summary>
    public bool Unreadable { get; init; }

    public string? Warning { get; init; }

    public int JournalEntriesReplayed { get; init; }
}

/// <summary>
/// Reads and writes a pair's state folder: <c>source_tree.json</c>, <c>destination_tree.json</c>,
/// <c>sync_metadata.json</c> (the snapshot, each replaced atomically, metadata last) and <c>journal.jsonl</c>
/// (completed actions since the snapshot, appended as they finish, replayed on load, emptied after a snapshot).
/// Journal entries are absolute facts ("path now has these versions", "path is gone"), so replaying them over
/// a snapshot that already contains them changes nothing: a kill between the file replacements is harmless.
/// </summary>
internal static class StateStore
{
    public const string SourceTreeFile = "source_tree.json";
    public const string DestinationTreeFile = "destination_tree.json";
    public const string MetadataFile = "sync_metadata.json";
    public const string JournalFile = "journal.jsonl";

    public static StateLoad Load(string stateDir, SyncPair pair)
    {
        var metaPath = Path.Combine(stateDir, MetadataFile);
        var srcPath = Path.Combine(stateDir, SourceTreeFile);
        var dstPath = Path.Combine(stateDir, DestinationTreeFile);
        var journalPath = Path.Combine(stateDir, JournalFile);
        if (!File.Exists(metaPath))
        {
            // The metadata file is renamed into place last and never removed, so without it no snapshot was ever
            // completed: tree files beside it are a first snapshot cut short. The journal, emptied only after a
            // complete snapshot, then holds every completed action: alone, it is the state.
            if (File.Exists(journalPath) && new FileInfo(journalPath).Length > 0)
            {
                var fresh = new PairState(pair.Id, pair.Source, pair.Destination);
                var n = ReplayJournal(journalPath, fresh);
                return new StateLoad { State = fresh, JournalEntriesReplayed = n };
            }

            if (!File.Exists(srcPath) && !File.Exists(dstPath))
            {
                return new StateLoad();
            }
        }

        PairState state;
        try
        {
            state = ReadMetadata(metaPath, pair);
            ReadTree(srcPath, state, sourceSide: true);
            ReadTree(dstPath, state, sourceSide: false);
        }
        catch (SyncEngineException)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or JsonException or FormatException or InvalidDataException or UnauthorizedAccessException or OverflowException or KeyNotFoundException or InvalidOperationException)
        {
            return new StateLoad
            {
                Unreadable = true,
                Warning = $"The sync state in '{stateDir}' could not be read ({ex.Message}). Treating this run as a first sync: files are merged and nothing is deleted.",
            };
        }

        var replayed = File.Exists(journalPath) ? ReplayJournal(journalPath, state) : 0;
        return new StateLoad { State = state, JournalEntriesReplayed = replayed };
    }

    private static PairState ReadMetadata(string metaPath, SyncPair pair)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(metaPath));
        var root = doc.RootElement;
        var format = root.GetProperty("format").GetInt32();
        if (format > PairState.FormatVersion)
        {
            throw new SyncEngineException("SyncStateFromNewerVersion", SyncErrorKind.InvalidState,
                $"The state in '{Path.GetDirectoryName(metaPath)}' was written by a newer SyncEngine (format {format}; this version reads {PairState.FormatVersion}). Upgrade SyncEngine or use another state folder.",
                metaPath);
        }

        var pairId = root.GetProperty("pairId").GetString() ?? throw new InvalidDataException("pairId missing");
        if (!string.Equals(pairId, pair.Id, StringComparison.Ordinal))
        {
            var otherSource = root.TryGetProperty("source", out var s) ? s.GetString() : "?";
            var otherDestination = root.TryGetProperty("destination", out var d) ? d.GetString() : "?";
            throw new SyncEngineException("SyncStateForAnotherPair", SyncErrorKind.InvalidState,
                $"The state folder '{Path.GetDirectoryName(metaPath)}' belongs to another pair ('{otherSource}' -> '{otherDestination}'). Use the pair's own state folder or an empty one.",
                metaPath);
        }

        var capacity = root.TryGetProperty("files", out var files) && files.ValueKind == JsonValueKind.Number ? Math.Max(0, files.GetInt32()) : 0;
        var state = new PairState(pairId, pair.Source, pair.Destination, capacity)
        {
            Generation = root.GetProperty("generation").GetInt64(),
        };
        if (root.TryGetProperty("name", out var name))
        {
            state.PairName = name.GetString() ?? "";
        }

        if (root.TryGetProperty("lastRunUtc", out var last) && last.ValueKind == JsonValueKind.String)
        {
            state.LastRunUtc = DateTime.Parse(last.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        }

        if (root.TryGetProperty("lastOutcome", out var outcome))
        {
            state.LastOutcome = outcome.GetString();
        }

        if (root.TryGetProperty("lastCounts", out var counts) && counts.ValueKind == JsonValueKind.Array && counts.GetArrayLength() == 3)
        {
            state.LastSucceeded = counts[0].GetInt32();
            state.LastFailed = counts[1].GetInt32();
            state.LastSkipped = counts[2].GetInt32();
        }

        return state;
    }

    /// <summary>
    /// Streams a tree file: <c>{"format":1,"pairId":"…","generation":N,"files":{"key":{"size":…,"mtime":…,"id":…,"hash":…,"path":…},…}}</c>.
    /// The source tree creates records; the destination tree completes them. A key in one tree only is dropped.
    /// </summary>
    private static void ReadTree(string path, PairState state, bool sourceSide)
    {
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
        {
            var reader = new StreamingJsonReader(stream);
            reader.Expect(JsonTokenType.StartObject);
            var sawFiles = false;
            while (reader.Next() && reader.Token == JsonTokenType.PropertyName)
            {
                if (reader.ValueIs("files"u8))
                {
                    sawFiles = true;
                    reader.Expect(JsonTokenType.StartObject);
#if NET
                    var lookup = state.Records.GetAlternateLookup<ReadOnlySpan<char>>();
                    var chars = new char[256];
#endif
                    while (reader.Next() && reader.Token == JsonTokenType.PropertyName)
                    {
                        if (sourceSide)
                        {
                            var key = reader.GetString();
                            var rec = new StateRecord(key);
                            ReadVersion(reader, rec, sourceSide: true);
                            state.Records[key] = rec;
                        }
#if NET
                        // The destination tree finds its records by the key's characters, without a string per entry.
                        else if (reader.TryGetRaw(out var raw) && FindRecord(lookup, raw, ref chars, out var found))
                        {
                            ReadVersion(reader, found, sourceSide: false);
                            found.HasDestination = true;
                        }
                        else if (!reader.TryGetRaw(out _) && state.Records.TryGetValue(reader.GetString(), out var rec))
#else
                        else if (state.Records.TryGetValue(reader.GetString(), out var rec))
#endif
                        {
                            ReadVersion(reader, rec, sourceSide: false);
                            rec.HasDestination = true;
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }

                    if (reader.Token != JsonTokenType.EndObject)
                    {
                        throw new InvalidDataException("files object not closed");
                    }
                }
                else if (reader.ValueIs("format"u8))
                {
                    reader.Next();
                    if (reader.GetInt64() > PairState.FormatVersion)
                    {
                        throw new InvalidDataException("tree from a newer format");
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.Token != JsonTokenType.EndObject || !sawFiles)
            {
                throw new InvalidDataException($"{Path.GetFileName(path)} is incomplete");
            }
        }

        if (!sourceSide)
        {
            // Records the destination tree did not complete are not trustworthy: drop them (they become "new").
            List<string>? incomplete = null;
            foreach (var kv in state.Records)
            {
                if (!kv.Value.HasDestination)
                {
                    (incomplete ??= new List<string>()).Add(kv.Key);
                }
            }

            if (incomplete is not null)
            {
                foreach (var k in incomplete)
                {
                    state.Records.Remove(k);
                }
            }
        }
    }

#if NET
    private static bool FindRecord(Dictionary<string, StateRecord>.AlternateLookup<ReadOnlySpan<char>> lookup, ReadOnlySpan<byte> utf8, ref char[] chars, out StateRecord rec)
    {
        if (chars.Length < utf8.Length)
        {
            chars = new char[utf8.Length * 2];
        }

        var n = Encoding.UTF8.GetChars(utf8, chars);
        return lookup.TryGetValue(new ReadOnlySpan<char>(chars, 0, n), out rec!);
    }

#endif
    private static void ReadVersion(StreamingJsonReader reader, StateRecord rec, bool sourceSide)
    {
        reader.Expect(JsonTokenType.StartObject);
        long size = -1;
        long mtime = long.MinValue;
        ulong id = 0;
        string? path = null;
        var sawHash = false;
        while (reader.Next() && reader.Token == JsonTokenType.PropertyName)
        {
            // Names are compared as UTF-8 bytes: a million entries must not allocate four strings each.
            var field = reader.ValueIs("size"u8) ? 1 : reader.ValueIs("mtime"u8) ? 2 : reader.ValueIs("id"u8) ? 3 : reader.ValueIs("hash"u8) ? 4 : reader.ValueIs("path"u8) ? 5 : 0;
            reader.Next();
            switch (field)
            {
                case 1: size = reader.GetInt64(); break;
                case 2: mtime = TimeCodec.FromUnixSeconds(reader.GetDecimal()); break;
                case 3: id = reader.GetUInt64(); break;
                case 4:
                    if (reader.Token != JsonTokenType.Null)
                    {
                        // Hashes go from the file's bytes to the record's compact form without a string per entry.
                        sawHash = true;
                        reader.TryGetRaw(out var raw);
                        if (sourceSide)
                        {
                            rec.LoadSourceHash(raw, reader.GetString);
                        }
                        else
                        {
                            rec.LoadDestinationHash(raw, reader.GetString);
                        }
                    }

                    break;
                case 5: path = reader.GetString(); break;
                default: reader.SkipValue(); break;
            }
        }

        if (size < 0 || mtime == long.MinValue)
        {
            throw new InvalidDataException($"entry '{rec.Key}' lacks size or mtime");
        }

        if (sourceSide)
        {
            rec.SourceSize = size;
            rec.SourceMtime = mtime;
            rec.SourceId = id;
            rec.SourcePath = path;
        }
        else
        {
            rec.DestinationSize = size;
            rec.DestinationMtime = mtime;
            rec.DestinationId = id;
            rec.DestinationPath = path;
            if (!sawHash)
            {
                rec.LoadDestinationHash(default, null);
            }
        }
    }

    public static void Save(string stateDir, PairState state, SyncPair pair)
    {
        Directory.CreateDirectory(stateDir);
        state.Generation++;
        var srcTree = Path.Combine(stateDir, SourceTreeFile);
        var dstTree = Path.Combine(stateDir, DestinationTreeFile);
        if (state.Dirty || !File.Exists(srcTree) || !File.Exists(dstTree))
        {
            // A run that changed nothing keeps the tree files as they are: a no-change sync writes only the metadata.
            var keys = new List<string>(state.Records.Keys);
            keys.Sort(StringComparer.Ordinal);
            WriteAtomically(srcTree, w => WriteTree(w, state, keys, sourceSide: true));
            WriteAtomically(dstTree, w => WriteTree(w, state, keys, sourceSide: false));
            state.Dirty = false;
        }

        WriteAtomically(Path.Combine(stateDir, MetadataFile), w =>
        {
            w.WriteStartObject();
            w.WriteNumber("format", PairState.FormatVersion);
            w.WriteString("pairId", state.PairId);
            w.WriteString("name", pair.Name);
            w.WriteString("source", pair.Source);
            w.WriteString("destination", pair.Destination);
            w.WriteString("mode", pair.Mode.ToString());
            w.WriteNumber("generation", state.Generation);
            w.WriteNumber("files", state.Records.Count);
            if (state.LastRunUtc is { } last)
            {
                w.WriteString("lastRunUtc", last.ToString("o", CultureInfo.InvariantCulture));
            }

            if (state.LastOutcome is not null)
            {
                w.WriteString("lastOutcome", state.LastOutcome);
            }

            w.WriteStartArray("lastCounts");
            w.WriteNumberValue(state.LastSucceeded);
            w.WriteNumberValue(state.LastFailed);
            w.WriteNumberValue(state.LastSkipped);
            w.WriteEndArray();
            w.WriteEndObject();
        });

        // The snapshot now holds everything the journal said: empty it.
        var journal = Path.Combine(stateDir, JournalFile);
        if (File.Exists(journal))
        {
            using var truncate = new FileStream(journal, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
    }

    private static void WriteTree(Utf8JsonWriter w, PairState state, List<string> keys, bool sourceSide)
    {
        w.WriteStartObject();
        w.WriteNumber("format", PairState.FormatVersion);
        w.WriteString("pairId", state.PairId);
        w.WriteNumber("generation", state.Generation);
        w.WriteStartObject("files");
        foreach (var key in keys)
        {
            var rec = state.Records[key];
            w.WritePropertyName(key);
            if (sourceSide)
            {
                WriteVersion(w, rec.SourceSize, rec.SourceMtime, rec.SourceId, rec.SourceHash, rec.SourcePath);
            }
            else
            {
                WriteVersion(w, rec.DestinationSize, rec.DestinationMtime, rec.DestinationId, rec.DestinationHash, rec.DestinationPath);
            }
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    internal static void WriteVersion(Utf8JsonWriter w, FileVersion v, string key) =>
        WriteVersion(w, v.Size, v.MtimeTicks, v.FileId, v.Hash, string.Equals(v.Path, key, StringComparison.Ordinal) ? null : v.Path);

    private static void WriteVersion(Utf8JsonWriter w, long size, long mtime, ulong id, string? hash, string? path)
    {
        w.WriteStartObject();
        w.WriteNumber("size", size);
        w.WriteNumber("mtime", TimeCodec.ToUnixSeconds(mtime));
        if (id != 0)
        {
            w.WriteNumber("id", id);
        }

        if (hash is not null)
        {
            w.WriteString("hash", hash);
        }

        if (path is not null)
        {
            w.WriteString("path", path);
        }

        w.WriteEndObject();
    }

    /// <summary>Deletes temporary files a killed run left in the state folder (call only while holding the lock).</summary>
    public static void RemoveLeftovers(string stateDir)
    {
        foreach (var temp in Directory.EnumerateFiles(stateDir, "*.tmp-*"))
        {
            TryDelete(temp);
        }
    }

    /// <summary>Writes a file under a temporary name in the same folder, flushes it to disk, then renames it over the target.</summary>
    public static void WriteAtomically(string path, Action<Utf8JsonWriter> write)
    {
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using (var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    write(w);
                }

                fs.Flush(flushToDisk: true);
            }

            NativeFs.Rename(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Replays journal lines onto a state. A torn or garbled line (a kill mid-write) is skipped: entries are independent facts.</summary>
    public static int ReplayJournal(string journalPath, PairState state)
    {
        var n = 0;
        using var fs = new FileStream(journalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(fs, new UTF8Encoding(false));
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                Journal.Apply(line, state);
                n++;
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or FormatException or InvalidOperationException or KeyNotFoundException or OverflowException)
            {
                // Torn write: ignore the line. Losing a record only makes the path look new, which never deletes.
            }
        }

        return n;
    }
}

/// <summary>Modification times in state files: Unix seconds with 7 decimals (exact to the tick).</summary>
internal static class TimeCodec
{
    private const long UnixEpochTicks = 621355968000000000L;

    public static decimal ToUnixSeconds(long ticks) => (ticks - UnixEpochTicks) / 10_000_000m;

    public static long FromUnixSeconds(decimal seconds) => checked((long)decimal.Round(seconds * 10_000_000m, 0) + UnixEpochTicks);
}
