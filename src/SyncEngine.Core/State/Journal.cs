using System;
using System.Buffers;
using System.IO;
using System.Text.Json;

namespace SyncEngine.State;

/// <summary>
/// Append-only record of completed actions. Each completed action is written as one line and handed to the
/// operating system at once (it survives the process being killed); the file is flushed to disk when the run ends.
/// </summary>
internal sealed class Journal : IDisposable
{
    private readonly FileStream _stream;
    private readonly ArrayBufferWriter _buffer = new();
    private readonly object _gate = new();

    public Journal(string stateDir)
    {
        Directory.CreateDirectory(stateDir);
        _stream = new FileStream(Path.Combine(stateDir, StateStore.JournalFile), FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, 1);
    }

    public void RecordSet(string key, FileVersion source, FileVersion destination)
    {
        lock (_gate)
        {
            _buffer.Clear();
            using (var w = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                w.WriteString("op", "set");
                w.WriteString("key", key);
                w.WritePropertyName("s");
                StateStore.WriteVersion(w, source, key);
                w.WritePropertyName("d");
                StateStore.WriteVersion(w, destination, key);
                w.WriteEndObject();
            }

            WriteLine();
        }
    }

    public void RecordRemove(string key)
    {
        lock (_gate)
        {
            _buffer.Clear();
            using (var w = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                w.WriteString("op", "del");
                w.WriteString("key", key);
                w.WriteEndObject();
            }

            WriteLine();
        }
    }

    private void WriteLine()
    {
        _buffer.Write((byte)'\n');
        _stream.Write(_buffer.Array, 0, _buffer.Count);
        _stream.Flush();
    }

    /// <summary>Applies one journal line to a state.</summary>
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

    public void FlushToDisk()
    {
        lock (_gate)
        {
            _stream.Flush(flushToDisk: true);
        }
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>A growable byte buffer for one journal line (IBufferWriter without the netstandard2.0 gap).</summary>
    private sealed class ArrayBufferWriter : IBufferWriter<byte>
    {
        public byte[] Array { get; private set; } = new byte[1024];

        public int Count { get; private set; }

        public void Clear() => Count = 0;

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
