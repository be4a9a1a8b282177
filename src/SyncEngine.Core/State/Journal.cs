using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace SyncEngine.State;

/// <summary>
/// Append-only record of completed actions, one line each. With a <see cref="Barrier"/> (a run), lines are held
/// back and written in batches, each after the barrier made the batch's writes durable, so no line on disk can name
/// a copy the disk does not hold; a kill loses at most the unwritten batch, whose paths then look new on both sides
/// (never deleted). Without one, each line is handed to the operating system at once. The file is synced at the end.
/// </summary>
internal sealed class Journal : IDisposable
{
    private readonly FileStream _stream;
    private readonly ArrayBufferWriter _buffer = new();
    private readonly object _gate = new();

    /// <summary>One writer for every line (reset per line under the lock), not one per completed action.</summary>
    private Utf8JsonWriter? _writer;

    private Utf8JsonWriter Writer()
    {
        _buffer.Clear();
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        }
        else
        {
            _writer.Reset(_buffer);
        }

        return _writer;
    }
    private bool _mayBeTorn;
    private readonly string _stateDir;

    public Journal(string stateDir)
    {
        _stateDir = stateDir;
        Directory.CreateDirectory(stateDir);

        // The journal outlives runs (it is folded into the trees only now and then), so it may end with a line a
        // killed run left unfinished. Appending straight after it would glue this run's first entry onto it and
        // lose both: end the torn line first (a complete entry missing only its newline still reads as one).
        // Other processes may read (lock-free plans) and empty it (a compaction by this run's save), so share both.
        _stream = Storage.EngineFile.Open(Path.Combine(stateDir, StateStore.JournalFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
        try
        {
            var length = _stream.Length;
            if (length > 0)
            {
                _stream.Position = length - 1;
                if (_stream.ReadByte() != '\n')
                {
                    _stream.Position = length;
                    _stream.WriteByte((byte)'\n');
                }
            }

            _stream.Seek(0, SeekOrigin.End);
        }
        catch
        {
            _stream.Dispose();
            throw;
        }
    }

    public void RecordSet(string key, FileVersion source, FileVersion destination)
    {
        lock (_gate)
        {
            var w = Writer();
            {
                w.WriteStartObject();
                w.WriteString("op", "set");
                w.WriteString("key", key);
                w.WritePropertyName("s");
                StateStore.WriteVersion(w, source, key);
                w.WritePropertyName("d");
                StateStore.WriteVersion(w, destination, key);
                w.WriteEndObject();
                w.Flush();
            }

            WriteLine(key, forget: true);
        }
    }

    /// <summary>A rename that changed nothing but the key: <c>{"op":"mv","key":NEW,"from":OLD}</c>.</summary>
    /// <remarks>An engine that does not know the op skips the line: the old key's record then finds its file gone on
    /// both sides and is dropped, and the new path is compared afresh; nothing is copied or deleted for it.</remarks>
    public void RecordMove(string from, string to)
    {
        lock (_gate)
        {
            var w = Writer();
            {
                w.WriteStartObject();
                w.WriteString("op", "mv");
                w.WriteString("key", to);
                w.WriteString("from", from);
                w.WriteEndObject();
                w.Flush();
            }

            WriteLine(to, forget: true);
        }
    }

    public void RecordRemove(string key)
    {
        lock (_gate)
        {
            var w = Writer();
            {
                w.WriteStartObject();
                w.WriteString("op", "del");
                w.WriteString("key", key);
                w.WriteEndObject();
                w.Flush();
            }

            WriteLine(key, forget: false);
        }
    }

    private void WriteLine(string key, bool forget)
    {
        _buffer.Write((byte)'\n');
        if (Barrier is not null)
        {
            // Held back until the next flush, which first makes the actions' writes durable (see Flush).
            if (_pendingKeys.Count == 0 && _pendingCallbacks.Count == 0)
            {
                _oldestPending = System.Diagnostics.Stopwatch.GetTimestamp();
            }

            _pending.Append(_buffer.Array, _buffer.Count);
            _pendingKeys.Add((key, forget, Owner));
            return;
        }

        WriteToFile(_buffer.Array, _buffer.Count);
        Storage.DurabilityTrace.Note("journal", Path.Combine(_stateDir, key));
    }

    /// <summary>Appends whole lines to the file and hands them to the operating system (under <see cref="_gate"/>).</summary>
    private void WriteToFile(byte[] bytes, int count)
    {
        try
        {
            if (_mayBeTorn)
            {
                // An earlier write failed part-way (disk full…): end whatever it left before this entry.
                _stream.WriteByte((byte)'\n');
                _mayBeTorn = false;
            }

            _stream.Write(bytes, 0, count);
            _stream.Flush();
        }
        catch
        {
            _mayBeTorn = true;
            throw;
        }
    }

    /// <summary>
    /// Called before held-back lines are written: makes the writes of the actions they record durable (the sides'
    /// folder syncs). Without it every line is written at once.
    /// </summary>
    internal Action? Barrier { get; set; }

    /// <summary>
    /// Told the keys of lines that were never written (the barrier or the write failed), so the in-memory state can
    /// forget them too: a forgotten record makes its path look new, which never deletes.
    /// </summary>
    internal Action<IReadOnlyList<string>, Exception>? Dropped { get; set; }

    /// <summary>The action the calling thread is recording for (its lines and its <see cref="WhenWritten"/> go together).</summary>
    [ThreadStatic]
    internal static object? Owner;

    /// <summary>Held-back lines are written once there are this many ...</summary>
    internal int BatchLines { get; set; } = 1000;

    /// <summary>... or once the oldest has waited this long (checked by <see cref="FlushIfDue"/>).</summary>
    internal TimeSpan BatchAge { get; set; } = TimeSpan.FromSeconds(1);

    private readonly object _flushGate = new();
    private ArrayBufferWriter _pending = new();
    private ArrayBufferWriter _spare = new();
    private List<(string Key, bool Forget, object? Owner)> _pendingKeys = new();
    private List<(string Key, bool Forget, object? Owner)> _spareKeys = new();
    private List<(object? Owner, Action<bool> Callback)> _pendingCallbacks = new();
    private List<(object? Owner, Action<bool> Callback)> _spareCallbacks = new();
    private readonly HashSet<object> _droppedOwners = new();
    private long _oldestPending;

    /// <summary>
    /// Runs <paramref name="callback"/> once every line recorded so far is written (at once when none is held back),
    /// telling it whether the lines of <paramref name="owner"/> were written (false: dropped, see <see cref="Dropped"/>).
    /// An action counts as done only then.
    /// </summary>
    public void WhenWritten(object owner, Action<bool> callback)
    {
        lock (_gate)
        {
            if (_pendingKeys.Count > 0 || _pendingCallbacks.Count > 0)
            {
                _pendingCallbacks.Add((owner, callback));
                return;
            }
        }

        bool written;
        lock (_flushGate)
        {
            written = !_droppedOwners.Contains(owner);
        }

        callback(written);
    }

    /// <summary>Flushes the held-back lines when there are enough of them or the oldest is old enough.</summary>
    public void FlushIfDue()
    {
        bool due;
        lock (_gate)
        {
            var held = _pendingKeys.Count + _pendingCallbacks.Count;
            due = _pendingKeys.Count >= BatchLines
                  || (held > 0 && System.Diagnostics.Stopwatch.GetTimestamp() - _oldestPending >= BatchAge.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        }

        if (due)
        {
            Flush();
        }
    }

    /// <summary>
    /// Writes the held-back lines, after the barrier has made durable everything the actions they record wrote, then
    /// runs the callbacks waiting for them. The lines are taken before the barrier runs, so every write a taken line
    /// depends on was done before the barrier began; flushes run one at a time, so a later batch never overtakes an
    /// earlier one's barrier.
    /// </summary>
    public void Flush()
    {
        lock (_flushGate)
        {
            ArrayBufferWriter batch;
            List<(string Key, bool Forget, object? Owner)> keys;
            List<(object? Owner, Action<bool> Callback)> callbacks;
            lock (_gate)
            {
                if (_pendingKeys.Count == 0 && _pendingCallbacks.Count == 0)
                {
                    return;
                }

                (batch, _pending, _spare) = (_pending, _spare, _pending);
                (keys, _pendingKeys, _spareKeys) = (_pendingKeys, _spareKeys, _pendingKeys);
                (callbacks, _pendingCallbacks, _spareCallbacks) = (_pendingCallbacks, _spareCallbacks, _pendingCallbacks);
            }

            Exception? failure = null;
            if (keys.Count > 0)
            {
                try
                {
                    Barrier?.Invoke();
                    lock (_gate)
                    {
                        WriteToFile(batch.Array, batch.Count);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
                {
                    failure = ex;
                }
            }

            if (failure is null)
            {
                foreach (var k in keys)
                {
                    Storage.DurabilityTrace.Note("journal", Path.Combine(_stateDir, k.Key));
                }
            }
            else
            {
                var forget = new List<string>();
                foreach (var k in keys)
                {
                    if (k.Forget)
                    {
                        forget.Add(k.Key);
                    }

                    if (k.Owner is not null)
                    {
                        _droppedOwners.Add(k.Owner);
                    }
                }

                Dropped?.Invoke(forget, failure);
            }

            batch.Clear();
            keys.Clear();
            foreach (var (owner, callback) in callbacks)
            {
                callback(owner is null || !_droppedOwners.Contains(owner));
            }

            callbacks.Clear();
        }
    }

    /// <summary>
    /// Replays a journal onto a state, in order. Lines end at '\n' or '\r'; a line that is not a complete entry (a
    /// torn write, garbage) is skipped: entries are independent facts, and losing one only makes its path look new,
    /// which never deletes. Returns the number of entries applied.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    public static int Replay(Stream stream, PairState state)
    {
        var buffer = new byte[1 << 16];
        var start = 0;
        var end = 0;
        var eof = false;
        var n = 0;
        var first = true;
        var fields = (new VersionFields(), new VersionFields());
        while (true)
        {
            var lineEnd = -1;
            for (var i = start; i < end; i++)
            {
                if (buffer[i] is (byte)'\n' or (byte)'\r')
                {
                    lineEnd = i;
                    break;
                }
            }

            if (lineEnd < 0 && !eof)
            {
                eof = !StreamWindow.Refill(stream, ref buffer, ref start, ref end);
                continue;
            }

            var stop = lineEnd < 0 ? end : lineEnd;
            var line = new ReadOnlySpan<byte>(buffer, start, stop - start);
            if (first && line.Length >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF)
            {
                line = line.Slice(3); // a byte order mark, as a text reader would drop it
            }

            first = false;
            if (line.Length > 0 && TryApply(line, state, fields))
            {
                n++;
            }

            if (lineEnd < 0)
            {
                return n;
            }

            start = lineEnd + 1;
        }
    }

    private static bool TryApply(ReadOnlySpan<byte> line, PairState state, (VersionFields S, VersionFields D) fields)
    {
        try
        {
            if (!IsValidUtf8(line))
            {
                // As a text reader would have read it: invalid sequences become U+FFFD.
                var text = JsonNumbers.Utf8(line);
                line = Encoding.UTF8.GetBytes(text);
            }

            if (!TryApplyFast(line, state, fields.S, fields.D))
            {
                Apply(line, state, fields.S, fields.D);
            }

            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or FormatException or InvalidOperationException or KeyNotFoundException or OverflowException or ArgumentException)
        {
            return false;
        }
    }

    private static bool IsValidUtf8(ReadOnlySpan<byte> bytes)
    {
#if NET
        return System.Text.Unicode.Utf8.IsValid(bytes);
#else
        foreach (var b in bytes)
        {
            if (b >= 0x80)
            {
                try
                {
                    StrictUtf8.GetCharCount(bytes.ToArray());
                    return true;
                }
                catch (DecoderFallbackException)
                {
                    return false;
                }
            }
        }

        return true;
#endif
    }

#if !NET
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
#endif

    /// <summary>
    /// Applies one journal line: <c>{"op":"set","key":K,"s":{version},"d":{version}}</c> or <c>{"op":"del","key":K}</c>
    /// (properties in any order; a repeated one counts once, the last). Throws when the line is not such an entry.
    /// </summary>
    internal static void Apply(ReadOnlySpan<byte> line, PairState state, VersionFields s, VersionFields d)
    {
        var r = new Utf8JsonReader(line, isFinalBlock: true, default);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException("not an object");
        }

        string? key = null;
        string? from = null;
        var op = 0;
        int sStart = -1, sEnd = -1, dStart = -1, dEnd = -1;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = r.ValueTextEquals("key"u8) ? 1 : r.ValueTextEquals("op"u8) ? 2 : r.ValueTextEquals("s"u8) ? 3 : r.ValueTextEquals("d"u8) ? 4 : r.ValueTextEquals("from"u8) ? 5 : 0;
            r.Read();
            switch (name)
            {
                case 1:
                    key = r.TokenType == JsonTokenType.Null ? null : JsonNumbers.String(ref r);
                    break;
                case 2:
                    if (r.TokenType == JsonTokenType.Null)
                    {
                        op = 3;
                    }
                    else if (r.TokenType == JsonTokenType.String)
                    {
                        op = r.ValueTextEquals("set"u8) ? 1 : r.ValueTextEquals("del"u8) ? 2 : r.ValueTextEquals("mv"u8) ? 4 : 3;
                    }
                    else
                    {
                        throw new InvalidDataException("op is not a string");
                    }

                    break;
                case 3:
                case 4:
                    var valueStart = (int)r.TokenStartIndex;
                    r.Skip();
                    if (name == 3)
                    {
                        (sStart, sEnd) = (valueStart, (int)r.BytesConsumed);
                    }
                    else
                    {
                        (dStart, dEnd) = (valueStart, (int)r.BytesConsumed);
                    }

                    break;
                case 5:
                    from = r.TokenType == JsonTokenType.Null ? null : JsonNumbers.String(ref r);
                    break;
                default:
                    r.Skip();
                    break;
            }
        }

        if (r.TokenType != JsonTokenType.EndObject || r.Read())
        {
            throw new InvalidDataException("not one object");
        }

        if (key is null)
        {
            throw new InvalidDataException("key missing");
        }

        switch (op)
        {
            case 1:
                if (sStart < 0 || dStart < 0)
                {
                    throw new InvalidDataException("version missing");
                }

                ReadVersion(line.Slice(sStart, sEnd - sStart), s);
                ReadVersion(line.Slice(dStart, dEnd - dStart), d);
                state.SetLoaded(key, s, d);
                break;
            case 2:
                state.Remove(key);
                break;
            case 4:
                if (from is null)
                {
                    throw new InvalidDataException("from missing");
                }

                state.Move(from, key);
                break;
            default:
                throw new InvalidDataException("unknown op");
        }
    }

    private static void ReadVersion(ReadOnlySpan<byte> json, VersionFields v)
    {
        var r = new Utf8JsonReader(json, isFinalBlock: true, default);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject || !v.ReadObject(ref r, journal: true))
        {
            throw new InvalidDataException("expected a version object");
        }

        if (!v.SizeSeen || !v.MtimeSeen)
        {
            throw new InvalidDataException("size or mtime missing");
        }
    }

    /// <summary>
    /// A line exactly as <see cref="RecordSet"/> or <see cref="RecordRemove"/> writes it, applied without a general
    /// JSON reader; false (nothing changed) for any other shape, which <see cref="Apply"/> then reads.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    internal static bool TryApplyFast(ReadOnlySpan<byte> line, PairState state, VersionFields s, VersionFields d)
    {
        var p = 0;
        bool set;
        if (FastJson.Literal(line, ref p, "{\"op\":\"set\",\"key\":"u8) == 1)
        {
            set = true;
        }
        else if (FastJson.Literal(line, ref p, "{\"op\":\"del\",\"key\":"u8) == 1)
        {
            set = false;
        }
        else if (FastJson.Literal(line, ref p, "{\"op\":\"mv\",\"key\":"u8) == 1)
        {
            return TryApplyMoveFast(line, p, state);
        }
        else
        {
            return false;
        }

        if (FastJson.String(line, ref p, out var keyStart, out var keyLength) != 1)
        {
            return false;
        }

        if (set && (FastJson.Literal(line, ref p, ",\"s\":"u8) != 1 || FastJson.Version(line, ref p, s) != 1
                    || FastJson.Literal(line, ref p, ",\"d\":"u8) != 1 || FastJson.Version(line, ref p, d) != 1))
        {
            return false;
        }

        if (FastJson.Literal(line, ref p, "}"u8) != 1 || p != line.Length)
        {
            return false;
        }

        var key = JsonNumbers.Utf8(line.Slice(keyStart, keyLength));
        if (set)
        {
            state.SetLoaded(key, s, d);
        }
        else
        {
            state.Remove(key);
        }

        return true;
    }

    private static bool TryApplyMoveFast(ReadOnlySpan<byte> line, int p, PairState state)
    {
        if (FastJson.String(line, ref p, out var toStart, out var toLength) != 1
            || FastJson.Literal(line, ref p, ",\"from\":"u8) != 1
            || FastJson.String(line, ref p, out var fromStart, out var fromLength) != 1
            || FastJson.Literal(line, ref p, "}"u8) != 1 || p != line.Length)
        {
            return false;
        }

        state.Move(JsonNumbers.Utf8(line.Slice(fromStart, fromLength)), JsonNumbers.Utf8(line.Slice(toStart, toLength)));
        return true;
    }

    public void FlushToDisk()
    {
        Flush();
        lock (_gate)
        {
            _stream.Flush(flushToDisk: true);
        }
    }

    public void Dispose()
    {
        Flush();
        _writer?.Dispose();
        _stream.Dispose();
    }

    /// <summary>A growable byte buffer for one journal line (IBufferWriter without the netstandard2.0 gap).</summary>
    private sealed class ArrayBufferWriter : IBufferWriter<byte>
    {
        public byte[] Array { get; private set; } = new byte[1024];

        public int Count { get; private set; }

        public void Clear() => Count = 0;

        public void Append(byte[] bytes, int count)
        {
            Ensure(count);
            Buffer.BlockCopy(bytes, 0, Array, Count, count);
            Count += count;
        }

        public void Write(byte b)
        {
            Ensure(1);
            Array[Count++] = b;
        }

        public void Advance(int count) => Count += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return new Memory<byte>(Array, Count, Array.Length - Count);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return new Span<byte>(Array, Count, Array.Length - Count);
        }

        private void Ensure(int hint)
        {
            if (hint < 1)
            {
                hint = 256;
            }

            if (Array.Length - Count < hint)
            {
                var next = new byte[Math.Max(Array.Length * 2, Count + hint)];
                Buffer.BlockCopy(Array, 0, next, 0, Count);
                Array = next;
            }
        }
    }
}
