using System;
using System.Buffers.Text;
using System.Globalization;
using System.IO;
using System.Text;
using System.Collections.Generic;
using System.Text.Json;

namespace SyncEngine.Core.Tests.Support;

/// <summary>
/// The engine's state-file tokenizer before the fast tree reader replaced it, kept here unchanged as the reference
/// the new reader is compared against (TreeReaderTests).
/// Reads a JSON document token by token from a stream with a small rolling buffer, so a state file of a million
/// entries is never held in memory whole. (Utf8JsonReader is a ref struct; this class carries its state between refills.)
/// </summary>
internal sealed class LegacyStreamingJsonReader
{
    private readonly Stream _stream;
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private bool _final;
    private JsonReaderState _state = new(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
    private string? _string;
    private byte[] _raw = new byte[256];
    private int _rawLength;
    private bool _rawEscaped;
    private readonly byte[] _number = new byte[64];
    private int _numberLength;

    public LegacyStreamingJsonReader(Stream stream) => _stream = stream;

    public JsonTokenType Token { get; private set; } = JsonTokenType.None;

    public bool Next()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(_buffer, _start, _end - _start), _final, _state);
            if (reader.Read())
            {
                Token = reader.TokenType;
                if (Token is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    // Keep the raw UTF-8; decode to a string only when asked (property names are compared as bytes).
                    _string = null;
                    _rawEscaped = reader.ValueIsEscaped;
                    if (_rawEscaped)
                    {
                        _string = reader.GetString();
                    }
                    else
                    {
                        var span = reader.ValueSpan;
                        if (span.Length > _raw.Length)
                        {
                            _raw = new byte[Math.Max(span.Length, _raw.Length * 2)];
                        }

                        span.CopyTo(_raw);
                        _rawLength = span.Length;
                    }
                }
                else if (Token == JsonTokenType.Number)
                {
                    var span = reader.ValueSpan;
                    if (span.Length > _number.Length)
                    {
                        throw new InvalidDataException("number too long");
                    }

                    span.CopyTo(_number);
                    _numberLength = span.Length;
                }

                _start += (int)reader.BytesConsumed;
                _state = reader.CurrentState;
                return true;
            }

            _start += (int)reader.BytesConsumed;
            _state = reader.CurrentState;
            if (_final)
            {
                Token = JsonTokenType.None;
                return false;
            }

            Refill();
        }
    }

    private void Refill()
    {
        var remaining = _end - _start;
        if (remaining > 0 && _start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, remaining);
        }
        else if (remaining == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        _start = 0;
        _end = remaining;
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _final = true;
        }

        _end += read;
    }

    public void Expect(JsonTokenType type)
    {
        if (!Next() || Token != type)
        {
            throw new InvalidDataException($"expected {type}, found {Token}");
        }
    }

    public string GetString()
    {
        if (Token is not (JsonTokenType.String or JsonTokenType.PropertyName))
        {
            throw new InvalidDataException("expected a string");
        }

        return _string ??= Encoding.UTF8.GetString(_raw, 0, _rawLength);
    }

    /// <summary>The current name or string as UTF-8 bytes when it had no escapes (valid until the next <see cref="Next"/>).</summary>
    public bool TryGetRaw(out ReadOnlySpan<byte> utf8)
    {
        utf8 = _rawEscaped ? default : new ReadOnlySpan<byte>(_raw, 0, _rawLength);
        return !_rawEscaped && Token is JsonTokenType.String or JsonTokenType.PropertyName;
    }

    /// <summary>Whether the current property name or string equals these UTF-8 bytes (no allocation).</summary>
    public bool ValueIs(ReadOnlySpan<byte> utf8)
    {
        if (_rawEscaped)
        {
            return _string is not null && _string.Length == utf8.Length && string.Equals(_string, Encoding.UTF8.GetString(utf8.ToArray()), StringComparison.Ordinal);
        }

        return new ReadOnlySpan<byte>(_raw, 0, _rawLength).SequenceEqual(utf8);
    }

    public long GetInt64()
    {
        if (Token == JsonTokenType.Number && Utf8Parser.TryParse(new ReadOnlySpan<byte>(_number, 0, _numberLength), out long v, out var used) && used == _numberLength)
        {
            return v;
        }

        throw new InvalidDataException("expected an integer");
    }

    public ulong GetUInt64()
    {
        if (Token == JsonTokenType.Number && Utf8Parser.TryParse(new ReadOnlySpan<byte>(_number, 0, _numberLength), out ulong v, out var used) && used == _numberLength)
        {
            return v;
        }

        throw new InvalidDataException("expected an unsigned integer");
    }

    public decimal GetDecimal()
    {
        if (Token != JsonTokenType.Number)
        {
            throw new InvalidDataException("expected a number");
        }

        var span = new ReadOnlySpan<byte>(_number, 0, _numberLength);
        if (Utf8Parser.TryParse(span, out decimal v, out var used) && used == _numberLength)
        {
            return v;
        }

        return decimal.Parse(Encoding.ASCII.GetString(_number, 0, _numberLength), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>After a property name: reads and discards its value.</summary>
    public void Skip()
    {
        if (!Next())
        {
            throw new InvalidDataException("unexpected end");
        }

        SkipValue();
    }

    /// <summary>The current token starts a value: discards the rest of it.</summary>
    public void SkipValue()
    {
        if (Token is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        var depth = 1;
        while (depth > 0)
        {
            if (!Next())
            {
                throw new InvalidDataException("unexpected end");
            }

            if (Token is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                depth++;
            }
            else if (Token is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                depth--;
            }
        }
    }
}

/// <summary>One side of one key as a tree file gives it.</summary>
internal readonly record struct SideModel(long Size, long Mtime, ulong Id, string? Hash, string? Path);

/// <summary>
/// The engine's tree loading before this change (ReadTree/ReadVersion over <see cref="LegacyStreamingJsonReader"/>),
/// producing a plain model instead of records: key → (source, destination). A key in one tree only is dropped.
/// </summary>
internal static class LegacyTreeReader
{
    public static SortedDictionary<string, (SideModel S, SideModel D)> Read(byte[] source, byte[] destination)
    {
        var src = new Dictionary<string, SideModel>(StringComparer.Ordinal);
        ReadTree(source, (key, side) => src[key] = side, _ => true);
        var dst = new Dictionary<string, SideModel>(StringComparer.Ordinal);
        ReadTree(destination, (key, side) => dst[key] = side, src.ContainsKey);
        var result = new SortedDictionary<string, (SideModel, SideModel)>(StringComparer.Ordinal);
        foreach (var kv in src)
        {
            if (dst.TryGetValue(kv.Key, out var d))
            {
                result[kv.Key] = (kv.Value, d);
            }
        }

        return result;
    }

    private static void ReadTree(byte[] bytes, Action<string, SideModel> found, Func<string, bool> wanted)
    {
        var reader = new LegacyStreamingJsonReader(new MemoryStream(bytes));
        reader.Expect(JsonTokenType.StartObject);
        var sawFiles = false;
        while (reader.Next() && reader.Token == JsonTokenType.PropertyName)
        {
            if (reader.ValueIs("files"u8))
            {
                sawFiles = true;
                reader.Expect(JsonTokenType.StartObject);
                while (reader.Next() && reader.Token == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString();
                    if (wanted(key))
                    {
                        found(key, ReadVersion(reader, key));
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
                if (reader.GetInt64() > SyncEngine.State.PairState.FormatVersion)
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
            throw new InvalidDataException("incomplete");
        }
    }

    private static SideModel ReadVersion(LegacyStreamingJsonReader reader, string key)
    {
        reader.Expect(JsonTokenType.StartObject);
        long size = -1;
        long mtime = long.MinValue;
        ulong id = 0;
        string? path = null;
        string? hash = null;
        while (reader.Next() && reader.Token == JsonTokenType.PropertyName)
        {
            var field = reader.ValueIs("size"u8) ? 1 : reader.ValueIs("mtime"u8) ? 2 : reader.ValueIs("id"u8) ? 3 : reader.ValueIs("hash"u8) ? 4 : reader.ValueIs("path"u8) ? 5
                : reader.ValueIs("hashes"u8) ? 6 : 0;
            reader.Next();
            switch (field)
            {
                case 1: size = reader.GetInt64(); break;
                case 2: mtime = SyncEngine.State.TimeCodec.FromUnixSeconds(reader.GetDecimal()); break;
                case 3: id = reader.GetUInt64(); break;
                case 4: hash = reader.Token == JsonTokenType.String && IsSha(reader.GetString()) ? reader.GetString() : null; break;
                case 6:
                    // Format 2: {"sha256":"…","md5":"…"}; only the SHA-256 is modelled here.
                    hash = null;
                    if (reader.Token == JsonTokenType.StartObject)
                    {
                        while (reader.Next() && reader.Token == JsonTokenType.PropertyName)
                        {
                            var isSha = reader.ValueIs("sha256"u8);
                            reader.Next();
                            if (isSha && reader.Token == JsonTokenType.String && IsSha(reader.GetString()))
                            {
                                hash = reader.GetString();
                            }
                            else
                            {
                                reader.SkipValue();
                            }
                        }
                    }
                    else
                    {
                        reader.SkipValue();
                    }

                    break;
                case 5: path = reader.GetString(); break;
                default: reader.SkipValue(); break;
            }
        }

        if (size < 0 || mtime == long.MinValue)
        {
            throw new InvalidDataException($"entry '{key}' lacks size or mtime");
        }

        return new SideModel(size, mtime, id, hash, path);
    }

    private static bool IsSha(string? s) => SyncEngine.Storage.HashAlgorithms.IsValid(SyncEngine.Storage.HashAlgorithms.Sha256, s);
}
