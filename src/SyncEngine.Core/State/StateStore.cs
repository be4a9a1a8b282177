using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using SyncEngine.Storage;

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
/// The trees are rewritten only when the journal has outgrown them (<see cref="ShouldCompact"/>): until then the
/// journal is carried from run to run and every load applies snapshot + journal.
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

        // Anything but a regular file in their place (a FIFO would block the run forever) is refused before any is read.
        foreach (var file in new[] { metaPath, srcPath, dstPath, journalPath, Path.Combine(stateDir, TempRecord.FileName) })
        {
            Storage.EngineFile.Exists(file);
        }

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
        bool identitiesKnown;
        int format;
        try
        {
            (state, identitiesKnown, format) = ReadMetadata(metaPath, pair);
            ReadTrees(srcPath, dstPath, state);
            state.TreesOnDisk = true;
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
        if (!identitiesKnown)
        {
            state.ForgetIdentities();
        }

        if (format < PairState.FormatVersion)
        {
            // An older format was read (format 1: one unnamed "hash" per version): the next save writes the whole
            // state in this format, so the trees never stay older than the metadata that names the format.
            state.TreesOnDisk = false;
            state.Dirty = true;
        }

        return new StateLoad { State = state, JournalEntriesReplayed = replayed };
    }

    private static (PairState State, bool IdentitiesKnown, int Format) ReadMetadata(string metaPath, SyncPair pair)
    {
        using var doc = JsonDocument.Parse(Storage.EngineFile.ReadAllBytes(metaPath));
        var root = doc.RootElement;
        var format = root.GetProperty("format").GetInt32();
        if (format > PairState.FormatVersion)
        {
            throw new SyncEngineException("SyncStateFromNewerVersion", SyncErrorKind.InvalidState,
                $"The state in '{Path.GetDirectoryName(metaPath)}' was written by a newer SyncEngine (format {format}; this version reads {PairState.FormatVersion}). Upgrade SyncEngine or use another state folder.",
                metaPath);
        }

        var pairId = root.GetProperty("pairId").GetString() ?? throw new InvalidDataException("pairId missing");
        if (!string.Equals(pairId, pair.Id, StringComparison.Ordinal)
            && !(pair.IsLocal && string.Equals(pairId, SyncPair.LiteralId(pair.Source, pair.Destination), StringComparison.Ordinal)))
        {
            var otherSource = root.TryGetProperty("source", out var s) ? s.GetString() : "?";
            var otherDestination = root.TryGetProperty("destination", out var d) ? d.GetString() : "?";
            throw new SyncEngineException("SyncStateForAnotherPair", SyncErrorKind.InvalidState,
                $"The state folder '{Path.GetDirectoryName(metaPath)}' belongs to another pair ('{otherSource}' -> '{otherDestination}'). Use the pair's own state folder or an empty one.",
                metaPath);
        }

        var capacity = root.TryGetProperty("files", out var files) && files.ValueKind == JsonValueKind.Number ? Math.Max(0, files.GetInt32()) : 0;
        // An id derived the earlier way (from the roots as written) is this pair's too; the next save writes the new one.
        var state = new PairState(pair.Id, pair.Source, pair.Destination, capacity)
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

        var identitiesKnown = root.TryGetProperty("identities", out var ids) && ids.ValueKind == JsonValueKind.String
                              && string.Equals(ids.GetString(), PairState.IdentityScheme, StringComparison.Ordinal);
        return (state, identitiesKnown, format);
    }

    /// <summary>
    /// Reads both tree files: <c>{"format":1,"pairId":"…","generation":N,"files":{"key":{"size":…,"mtime":…,"id":…,"hashes":{"sha256":…},"tag":…,"path":…},…}}</c> (format 1: "hash" instead of "hashes").
    /// A record exists for a key found in both trees; a key in one tree only is dropped (it becomes "new").
    /// </summary>
    internal static void ReadTrees(string srcPath, string dstPath, PairState state) =>
        ReadTrees(() => OpenTree(srcPath), () => OpenTree(dstPath), state, fast: true, bufferSize: 1 << 16);

    /// <summary>Reads two tree files given as streams (tests pass <paramref name="fast"/> false to read every entry the general way).</summary>
    internal static void ReadTrees(Func<Stream> openSource, Func<Stream> openDestination, PairState state, bool fast, int bufferSize)
    {
        if (!ReadTreesInStep(openSource, openDestination, state, fast, bufferSize))
        {
            state.Records.Clear();
            ReadTreesByKey(openSource, openDestination, state, fast, bufferSize);
        }
    }

    private static FileStream OpenTree(string path) => Storage.EngineFile.Open(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);

    /// <summary>
    /// The usual case: both trees were written from one sorted key list, so their entries pair up in order and each
    /// record is made once, from both entries, without looking the destination's key up. False (records half made)
    /// when the keys do not pair up or repeat: the caller then reads the trees by key.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    private static bool ReadTreesInStep(Func<Stream> openSource, Func<Stream> openDestination, PairState state, bool fast, int bufferSize)
    {
        using var src = openSource();
        using var dst = openDestination();
        var sourceTree = new TreeScanner(src, fast, bufferSize);
        var destinationTree = new TreeScanner(dst, fast, bufferSize);
        var s = new TreeEntry();
        var d = new TreeEntry();
        var records = state.Records;
        while (true)
        {
            var hasSource = sourceTree.Next(s);
            var hasDestination = destinationTree.Next(d);
            if (!hasSource || !hasDestination)
            {
                return hasSource == hasDestination;
            }

            if (!s.SameKey(d))
            {
                return false;
            }

            var key = s.Key();
            var rec = new StateRecord(key);
            SetSide(rec, s.Version, sourceSide: true);
            SetSide(rec, d.Version, sourceSide: false);
            rec.LoadHashes(s.Version.HasSha, s.Version.Sha, null, d.Version.HasSha, d.Version.Sha, null);
            rec.SetMetadata(SyncSide.Source, s.Version.Others, s.Version.Tag);
            rec.SetMetadata(SyncSide.Destination, d.Version.Others, d.Version.Tag);
            rec.HasDestination = true;
#if NET
            if (!records.TryAdd(key, rec))
#else
            if (records.ContainsKey(key))
#endif
            {
                return false;
            }
#if !NET
            records.Add(key, rec);
#endif
        }
    }

    /// <summary>The general case: the source tree makes the records, the destination tree completes those it names.</summary>
    private static void ReadTreesByKey(Func<Stream> openSource, Func<Stream> openDestination, PairState state, bool fast, int bufferSize)
    {
        var records = state.Records;
        var e = new TreeEntry();
        using (var src = openSource())
        {
            var tree = new TreeScanner(src, fast, bufferSize);
            while (tree.Next(e))
            {
                var key = e.Key();
                var rec = new StateRecord(key);
                SetSide(rec, e.Version, sourceSide: true);
                rec.LoadHashes(e.Version.HasSha, e.Version.Sha, null, false, default, null);
                rec.SetMetadata(SyncSide.Source, e.Version.Others, e.Version.Tag);
                records[key] = rec;
            }
        }

        using (var dst = openDestination())
        {
            var tree = new TreeScanner(dst, fast, bufferSize);
#if NET
            var lookup = records.GetAlternateLookup<ReadOnlySpan<char>>();
            var chars = new char[256];
#endif
            while (tree.Next(e))
            {
                StateRecord? rec;
#if NET
                if (e.KeyString is null)
                {
                    if (chars.Length < e.KeyLength)
                    {
                        chars = new char[e.KeyLength * 2];
                    }

                    var n = Encoding.UTF8.GetChars(e.RawKey, chars);
                    lookup.TryGetValue(new ReadOnlySpan<char>(chars, 0, n), out rec);
                }
                else
#endif
                {
                    records.TryGetValue(e.Key(), out rec);
                }

                if (rec is not null)
                {
                    SetSide(rec, e.Version, sourceSide: false);
                    rec.LoadDestinationHash(e.Version.HasSha, e.Version.Sha, null);
                    rec.SetMetadata(SyncSide.Destination, e.Version.Others, e.Version.Tag);
                    rec.HasDestination = true;
                }
            }
        }

        // Records the destination tree did not complete are not trustworthy: drop them (they become "new").
        List<string>? incomplete = null;
        foreach (var kv in records)
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
                records.Remove(k);
            }
        }
    }

    private static void SetSide(StateRecord rec, VersionFields v, bool sourceSide)
    {
        if (!v.SizeSeen || v.Size < 0 || !v.MtimeSeen)
        {
            throw new InvalidDataException($"entry '{rec.Key}' lacks size or mtime");
        }

        if (sourceSide)
        {
            rec.SourceSize = v.Size;
            rec.SourceMtime = v.Mtime;
            rec.SourceId = v.Id;
            rec.SourcePath = v.Path;
        }
        else
        {
            rec.DestinationSize = v.Size;
            rec.DestinationMtime = v.Mtime;
            rec.DestinationId = v.Id;
            rec.DestinationPath = v.Path;
        }
    }

    /// <summary>
    /// When the journal may stay instead of being folded into new tree files: while it is at most as large as the two
    /// tree files together. Rewriting the trees costs their whole size; appending costs only the lines. Folding the
    /// journal in once it outgrows the trees means the state files written over any series of runs add up to at most
    /// twice the journal lines themselves (each rewrite follows at least as many journal bytes as it writes), instead of
    /// the whole trees after every run that changed anything; and a load never reads more than twice the snapshot.
    /// A run that changed most records writes about as many journal bytes as the trees hold, so it compacts at once
    /// or on the next run.
    /// </summary>
    internal static bool ShouldCompact(long journalBytes, long treeBytes) => journalBytes > treeBytes;

    /// <summary>Test hook: called with the name of each step of <see cref="Save"/> (tests throw from it to simulate a crash there).</summary>
    [ThreadStatic]
    internal static Action<string>? FaultPoint;

    /// <summary>
    /// Records a run's end. The tree files are rewritten only when they are missing, when the records did not come
    /// from them plus the journal, or when the journal has grown past <see cref="ShouldCompact"/>; otherwise the
    /// journal (already flushed to disk by the run) stays beside them and only <c>sync_metadata.json</c> is written.
    /// After a rewrite the journal is emptied, last: any crash before that leaves trees + journal, whose replay gives
    /// the same records (journal entries are absolute facts).
    /// </summary>
    public static void Save(string stateDir, PairState state, SyncPair pair)
    {
        Directory.CreateDirectory(stateDir);
        state.Generation++;
        var srcTree = Path.Combine(stateDir, SourceTreeFile);
        var dstTree = Path.Combine(stateDir, DestinationTreeFile);
        var journal = Path.Combine(stateDir, JournalFile);
        var srcInfo = new FileInfo(srcTree);
        var dstInfo = new FileInfo(dstTree);
        bool rewrite;
        if (!srcInfo.Exists || !dstInfo.Exists)
        {
            rewrite = true;
        }
        else if (!state.Dirty)
        {
            rewrite = false; // nothing changed since the trees (and the journal beside them) were read
        }
        else if (!state.TreesOnDisk)
        {
            rewrite = true; // the records did not come from these trees: they are the only full copy
        }
        else
        {
            var journalInfo = new FileInfo(journal);
            rewrite = ShouldCompact(journalInfo.Exists ? journalInfo.Length : 0, srcInfo.Length + dstInfo.Length);
        }

        if (rewrite)
        {
            var records = new List<StateRecord>(state.Records.Values);
            records.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            FaultPoint?.Invoke("source-tree");
            WriteAtomically(srcTree, w => WriteTree(w, state, records, sourceSide: true));
            FaultPoint?.Invoke("destination-tree");
            WriteAtomically(dstTree, w => WriteTree(w, state, records, sourceSide: false));
        }

        FaultPoint?.Invoke("metadata");
        WriteAtomically(Path.Combine(stateDir, MetadataFile), w =>
        {
            w.WriteStartObject();
            w.WriteNumber("format", PairState.FormatVersion);
            w.WriteString("identities", PairState.IdentityScheme);
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

        if (rewrite)
        {
            // The snapshot now holds everything the journal said: empty it.
            FaultPoint?.Invoke("journal");
            if (File.Exists(journal))
            {
                using var truncate = Storage.EngineFile.Open(journal, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            }

            state.Dirty = false;
            state.TreesOnDisk = true;
        }
    }

    private static void WriteTree(Utf8JsonWriter w, PairState state, List<StateRecord> records, bool sourceSide)
    {
        w.WriteStartObject();
        w.WriteNumber("format", PairState.FormatVersion);
        w.WriteString("pairId", state.PairId);
        w.WriteNumber("generation", state.Generation);
        w.WriteStartObject("files");
        Span<byte> hex = stackalloc byte[64];
        foreach (var rec in records)
        {
            w.WritePropertyName(rec.Key);
            if (sourceSide)
            {
                WriteVersion(w, rec.SourceSize, rec.SourceMtime, rec.SourceId, rec, SyncSide.Source, rec.SourcePath, hex);
            }
            else
            {
                WriteVersion(w, rec.DestinationSize, rec.DestinationMtime, rec.DestinationId, rec, SyncSide.Destination, rec.DestinationPath, hex);
            }

            if (w.BytesPending > 1 << 16)
            {
                w.Flush(); // the writer would otherwise hold the whole file in memory
            }
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    internal static void WriteVersion(Utf8JsonWriter w, FileVersion v, string key)
    {
        w.WriteStartObject();
        WriteSizeAndTime(w, v.Size, v.MtimeTicks, v.FileId);
        WriteHashes(w, v.Hash, default, false, v.OtherHashes, v.VersionTag);

        if (!string.Equals(v.Path, key, StringComparison.Ordinal))
        {
            w.WriteString("path"u8, v.Path);
        }

        w.WriteEndObject();
    }

    private static void WriteVersion(Utf8JsonWriter w, long size, long mtime, ulong id, StateRecord rec, SyncSide side, string? path, Span<byte> hex)
    {
        w.WriteStartObject();
        WriteSizeAndTime(w, size, mtime, id);
        if (rec.TryGetInlineHash(side, out var sha))
        {
            sha.WriteHex(hex);
            WriteHashes(w, null, hex, true, rec.OtherHashes(side), rec.Tag(side));
        }
        else
        {
            WriteHashes(w, side == SyncSide.Source ? rec.SourceHash : rec.DestinationHash, default, false, rec.OtherHashes(side), rec.Tag(side));
        }

        if (path is not null)
        {
            w.WriteString("path"u8, path);
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// Format 2's hashes, keyed by algorithm (<c>"hashes":{"md5":"…","sha256":"…"}</c>, sorted, SHA-256 last so the
    /// usual record, SHA-256 only, reads on the fast path), then the version tag. The SHA-256 comes as text
    /// (<paramref name="sha256"/>) or as hex bytes (<paramref name="hexSha"/> with <paramref name="hasHex"/>).
    /// </summary>
    private static void WriteHashes(Utf8JsonWriter w, string? sha256, ReadOnlySpan<byte> hexSha, bool hasHex, ContentHashes? others, string? tag)
    {
        // Only a SHA-256 is written as one: a value that is not (a provider's own string) is not kept.
        if (sha256 is not null && !HashAlgorithms.IsValid(HashAlgorithms.Sha256, sha256))
        {
            sha256 = null;
        }

        var hasOthers = others is { Count: > 0 };
        if (sha256 is not null || hasHex || hasOthers)
        {
            w.WriteStartObject("hashes"u8);
            if (hasOthers)
            {
                foreach (var kv in others!.Pairs())
                {
                    if (!string.Equals(kv.Key, HashAlgorithms.Sha256, StringComparison.Ordinal))
                    {
                        w.WriteString(kv.Key, kv.Value);
                    }
                }
            }

            if (hasHex)
            {
                w.WriteString("sha256"u8, hexSha);
            }
            else if (sha256 is not null)
            {
                w.WriteString("sha256"u8, sha256);
            }

            w.WriteEndObject();
        }

        if (tag is not null)
        {
            w.WriteString("tag"u8, tag);
        }
    }

    private static void WriteSizeAndTime(Utf8JsonWriter w, long size, long mtime, ulong id)
    {
        w.WriteNumber("size"u8, size);
        w.WritePropertyName("mtime"u8);
        Span<byte> seconds = stackalloc byte[TimeCodec.MaxFormattedLength];
        w.WriteRawValue(seconds.Slice(0, TimeCodec.FormatUnixSeconds(mtime, seconds)), skipInputValidation: true);
        if (id != 0)
        {
            w.WriteNumber("id"u8, id);
        }
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
        using var fs = Storage.EngineFile.Open(journalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        return Journal.Replay(fs, state);
    }
}
