using System;
using System.Buffers.Text;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using SyncEngine.Storage;

namespace SyncEngine.State;

/// <summary>One side's version of one path as a tree file or journal line gave it (reused from entry to entry).</summary>
internal sealed class VersionFields
{
    public long Size;

    /// <summary>Whether "size" was given.</summary>
    public bool SizeSeen;

    public long Mtime;

    /// <summary>Whether "mtime" was given.</summary>
    public bool MtimeSeen;

    public ulong Id;

    /// <summary>True when the hash is lowercase SHA-256 hex, held in <see cref="Sha"/>.</summary>
    public bool HasSha;

    public Sha256Value Sha;

    /// <summary>The hashes of other algorithms ("hashes" other than sha256), or null.</summary>
    public ContentHashes? Others;

    /// <summary>The side's version tag ("tag"), or null.</summary>
    public string? Tag;

    /// <summary>The on-disk name when it differs from the key ("path"); null when absent.</summary>
    public string? Path;

    /// <summary>True when "path" was given as null (the journal reads that as "the key").</summary>
    public bool PathNull;

    public void Reset()
    {
        Size = 0;
        SizeSeen = false;
        Mtime = 0;
        MtimeSeen = false;
        Id = 0;
        HasSha = false;
        Sha = default;
        Others = null;
        Tag = null;
        Path = null;
        PathNull = false;
    }

    /// <summary>The SHA-256 as text (null when none).</summary>
    public string? HashText => HasSha ? Sha.ToHex() : null;

    /// <summary>
    /// Reads the fields of a version object whose <c>{</c> the reader has just read, up to and including its <c>}</c>.
    /// False when the buffer ends first (read again with more data). Throws on a field of the wrong type. Field
    /// names are compared as UTF-8 (escaped names too); unknown fields are skipped; a repeated field counts once, the last.
    /// </summary>
    public bool ReadObject(ref Utf8JsonReader r, bool journal)
    {
        Reset();
        while (true)
        {
            if (!r.Read())
            {
                return false;
            }

            if (r.TokenType == JsonTokenType.EndObject)
            {
                return true;
            }

            var field = r.ValueTextEquals("size"u8) ? 1 : r.ValueTextEquals("mtime"u8) ? 2 : r.ValueTextEquals("id"u8) ? 3 : r.ValueTextEquals("hash"u8) ? 4 : r.ValueTextEquals("path"u8) ? 5
                : r.ValueTextEquals("hashes"u8) ? 6 : r.ValueTextEquals("tag"u8) ? 7 : 0;
            if (!r.Read())
            {
                return false;
            }

            switch (field)
            {
                case 1:
                    Size = JsonNumbers.Int64(ref r);
                    SizeSeen = true;
                    break;
                case 2:
                    // The journal takes the integer fast path first (same result); trees read here take the decimal
                    // path only, as the reference the fast tree scanner is tested against.
                    if (!(journal && r.TokenType == JsonTokenType.Number && TimeCodec.TryParseTicks(r.ValueSpan, out Mtime)))
                    {
                        Mtime = TimeCodec.FromUnixSeconds(JsonNumbers.Decimal(ref r));
                    }

                    MtimeSeen = true;
                    break;
                case 3:
                    Id = JsonNumbers.UInt64(ref r);
                    break;
                case 4:
                    // Format 1's single "hash": a SHA-256 when it is one; any other value named no algorithm, so it
                    // cannot be compared with anything and is dropped (the hash is learned again), never misread.
                    // The last of "hash" and "hashes" decides, as for any repeated field.
                    HasSha = false;
                    if (r.TokenType == JsonTokenType.String)
                    {
                        HasSha = TryReadSha(ref r, out Sha);
                    }
                    else if (r.TokenType != JsonTokenType.Null)
                    {
                        throw new InvalidDataException("expected a string");
                    }

                    break;
                case 6:
                    if (!ReadHashes(ref r))
                    {
                        return false;
                    }

                    break;
                case 7:
                    if (r.TokenType == JsonTokenType.String)
                    {
                        Tag = JsonNumbers.String(ref r);
                    }
                    else if (r.TokenType != JsonTokenType.Null)
                    {
                        throw new InvalidDataException("expected a string");
                    }

                    break;
                case 5:
                    if (journal && r.TokenType == JsonTokenType.Null)
                    {
                        Path = null;
                        PathNull = true;
                    }
                    else if (r.TokenType == JsonTokenType.String)
                    {
                        Path = JsonNumbers.String(ref r);
                        PathNull = false;
                    }
                    else
                    {
                        throw new InvalidDataException("expected a string");
                    }

                    break;
                default:
                    if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !r.TrySkip())
                    {
                        return false;
                    }

                    break;
            }
        }
    }
    /// <summary>A string token that is lowercase SHA-256 hex (escaped or not, as JSON allows).</summary>
    private static bool TryReadSha(ref Utf8JsonReader r, out Sha256Value sha)
    {
        if (!r.ValueIsEscaped)
        {
            return Sha256Value.TryParse(r.ValueSpan, out sha);
        }

        return Sha256Value.TryParse(JsonNumbers.String(ref r), out sha);
    }

    /// <summary>
    /// Reads a "hashes" object (<c>{"sha256":"…","md5":"…"}</c>) whose <c>{</c> is the current token, up to its <c>}</c>.
    /// An algorithm this version does not know, or a value that is not that algorithm's lowercase hex digest, is
    /// skipped: such a hash is unknown here, and is learned again, never compared. False when the buffer ends first.
    /// </summary>
    private bool ReadHashes(ref Utf8JsonReader r)
    {
        HasSha = false;
        Others = null;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException("expected an object");
        }

        while (true)
        {
            if (!r.Read())
            {
                return false;
            }

            if (r.TokenType == JsonTokenType.EndObject)
            {
                return true;
            }

            var algorithm = r.GetString();
            if (!r.Read())
            {
                return false;
            }

            if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                if (!r.TrySkip())
                {
                    return false;
                }

                continue;
            }

            if (r.TokenType != JsonTokenType.String)
            {
                continue;
            }

            if (string.Equals(algorithm, HashAlgorithms.Sha256, StringComparison.Ordinal))
            {
                if (TryReadSha(ref r, out var sha))
                {
                    Sha = sha;
                    HasSha = true;
                }
            }
            else if (algorithm is not null && HashAlgorithms.IsKnown(algorithm))
            {
                var value = JsonNumbers.String(ref r);
                if (HashAlgorithms.IsValid(algorithm, value))
                {
                    Others = (Others ?? ContentHashes.None).With(algorithm, value);
                }
            }
        }
    }
}

/// <summary>Reading values from a <see cref="Utf8JsonReader"/> with the state files' rules (numbers as exact text).</summary>
internal static class JsonNumbers
{
    public static long Int64(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Number && Utf8Parser.TryParse(r.ValueSpan, out long v, out var used) && used == r.ValueSpan.Length)
        {
            return v;
        }

        throw new InvalidDataException("expected an integer");
    }

    public static ulong UInt64(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Number && Utf8Parser.TryParse(r.ValueSpan, out ulong v, out var used) && used == r.ValueSpan.Length)
        {
            return v;
        }

        throw new InvalidDataException("expected an unsigned integer");
    }

    public static decimal Decimal(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.Number)
        {
            throw new InvalidDataException("expected a number");
        }

        var span = r.ValueSpan;
        if (Utf8Parser.TryParse(span, out decimal v, out var used) && used == span.Length)
        {
            return v;
        }

        return decimal.Parse(Encoding.ASCII.GetString(span.ToArray()), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>A string token's text: unescaped UTF-8 is decoded leniently (as state files always were), escaped text strictly.</summary>
    public static string String(ref Utf8JsonReader r)
    {
        if (r.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
        {
            throw new InvalidDataException("expected a string");
        }

        return r.ValueIsEscaped ? r.GetString()! : Utf8(r.ValueSpan);
    }

    public static string Utf8(ReadOnlySpan<byte> bytes)
    {
#if NET
        return Encoding.UTF8.GetString(bytes);
#else
        return Encoding.UTF8.GetString(bytes.ToArray());
#endif
    }
}

/// <summary>One entry of a tree file's <c>files</c> object: the key and the version (valid until the next entry is read).</summary>
internal sealed class TreeEntry
{
    public readonly VersionFields Version = new();

    /// <summary>The key when it had escapes; null when it is raw UTF-8 in <see cref="KeyBuffer"/>.</summary>
    public string? KeyString;

    public byte[] KeyBuffer = Array.Empty<byte>();
    public int KeyStart;
    public int KeyLength;

    public ReadOnlySpan<byte> RawKey => new(KeyBuffer, KeyStart, KeyLength);

    public string Key() => KeyString ?? JsonNumbers.Utf8(RawKey);

    /// <summary>Whether two entries (of different trees) have the same key.</summary>
    public bool SameKey(TreeEntry other)
    {
        if (KeyString is null && other.KeyString is null)
        {
            return RawKey.SequenceEqual(other.RawKey);
        }

        return string.Equals(Key(), other.Key(), StringComparison.Ordinal);
    }
}

/// <summary>
/// Reads a tree file (<c>{"format":1,"pairId":"…","generation":N,"files":{"key":{"size":…,"mtime":…,"id":…,"hash":"…","path":"…"},…}}</c>)
/// entry by entry from a stream through one rolling buffer, so a file of millions of entries is never held whole.
/// Each entry is first matched against the exact shape the engine writes (no whitespace, no escapes, fields in
/// order, plain numbers, lowercase SHA-256) by a hand-written scanner; anything else (escapes, whitespace, other
/// field order, unknown fields, null hash, exponents…) is read by <see cref="Utf8JsonReader"/> from the entry's
/// start. Both give the same result for everything the scanner accepts. An entry cut by the end of the buffer is
/// read again, whole, after a refill.
/// </summary>
internal sealed class TreeScanner
{
    private enum Where
    {
        Start,
        HeaderFirst,
        HeaderNext,
        FilesFirst,
        FilesNext,
        Done,
    }

    private readonly Stream _stream;
    private readonly bool _fast;
    private byte[] _buffer;
    private int _pos;
    private int _end;
    private bool _eof;
    private Where _where = Where.Start;
    private bool _sawFiles;

    /// <param name="stream">The tree file.</param>
    /// <param name="fast">False reads every entry with the general reader (tests compare the two).</param>
    /// <param name="bufferSize">Initial buffer size (tests use tiny ones to cut entries everywhere).</param>
    public TreeScanner(Stream stream, bool fast = true, int bufferSize = 1 << 16)
    {
        _stream = stream;
        _fast = fast;
        _buffer = new byte[Math.Max(16, bufferSize)];
    }

    /// <summary>Reads the next entry; false after the file's closing brace. Throws when the file is malformed or incomplete.</summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    public bool Next(TreeEntry entry)
    {
        while (true)
        {
            int c;
            switch (_where)
            {
                case Where.Start:
                    if (PeekToken() != '{')
                    {
                        throw Bad("expected an object");
                    }

                    _pos++;
                    _where = Where.HeaderFirst;
                    break;

                case Where.HeaderFirst:
                case Where.HeaderNext:
                    c = PeekToken();
                    if (c == '}')
                    {
                        _pos++;
                        _where = Where.Done;
                        break;
                    }

                    if (_where == Where.HeaderNext)
                    {
                        if (c != ',')
                        {
                            throw Bad("expected ','");
                        }

                        _pos++;
                        c = PeekToken();
                    }

                    if (c != '"')
                    {
                        throw Bad("expected a property name");
                    }

                    ReadHeaderProperty();
                    break;

                case Where.FilesFirst:
                case Where.FilesNext:
                    c = PeekToken();
                    if (c == '}')
                    {
                        _pos++;
                        _where = Where.HeaderNext;
                        break;
                    }

                    if (_where == Where.FilesNext)
                    {
                        if (c != ',')
                        {
                            throw Bad("expected ','");
                        }

                        _pos++;
                        c = PeekToken();
                    }

                    if (c != '"')
                    {
                        throw Bad("expected a key");
                    }

                    ReadEntry(entry);
                    _where = Where.FilesNext;
                    return true;

                default:
                    if (!_sawFiles)
                    {
                        throw Bad("no files");
                    }

                    return false;
            }
        }
    }

    private static InvalidDataException Bad(string what) => new($"tree file malformed or incomplete: {what}");

    /// <summary>The next non-whitespace byte (not consumed); throws at the end of the file.</summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    private int PeekToken()
    {
        while (true)
        {
            while (_pos < _end)
            {
                var b = _buffer[_pos];
                if (b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
                {
                    _pos++;
                    continue;
                }

                return b;
            }

            if (_eof)
            {
                throw Bad("unexpected end");
            }

            Refill();
        }
    }

    /// <summary>Moves the unread bytes to the front (growing the buffer when they fill it) and reads more.</summary>
    private void Refill()
    {
        if (!StreamWindow.Refill(_stream, ref _buffer, ref _pos, ref _end))
        {
            _eof = true;
        }
    }

    /// <summary>The length of the complete JSON value at the current position, refilling as needed.</summary>
    private int ValueLength()
    {
        while (true)
        {
            var r = new Utf8JsonReader(new ReadOnlySpan<byte>(_buffer, _pos, _end - _pos), _eof, default);
            if (r.Read() && (r.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray) || r.TrySkip()))
            {
                return (int)r.BytesConsumed;
            }

            if (_eof)
            {
                throw Bad("unexpected end");
            }

            Refill();
        }
    }

    private void ReadHeaderProperty()
    {
        var length = ValueLength();
        var nameReader = new Utf8JsonReader(new ReadOnlySpan<byte>(_buffer, _pos, length), true, default);
        nameReader.Read();
        var name = JsonNumbers.String(ref nameReader);
        _pos += length;
        if (PeekToken() != ':')
        {
            throw Bad("expected ':'");
        }

        _pos++;
        if (string.Equals(name, "files", StringComparison.Ordinal))
        {
            if (PeekToken() != '{')
            {
                throw Bad("files is not an object");
            }

            _pos++;
            _sawFiles = true;
            _where = Where.FilesFirst;
            return;
        }

        PeekToken();
        length = ValueLength();
        if (string.Equals(name, "format", StringComparison.Ordinal))
        {
            var valueReader = new Utf8JsonReader(new ReadOnlySpan<byte>(_buffer, _pos, length), true, default);
            valueReader.Read();
            if (JsonNumbers.Int64(ref valueReader) > PairState.FormatVersion)
            {
                throw new InvalidDataException("tree from a newer format");
            }
        }

        _pos += length;
        _where = Where.HeaderNext;
    }

    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    private void ReadEntry(TreeEntry entry)
    {
        while (true)
        {
            var span = new ReadOnlySpan<byte>(_buffer, _pos, _end - _pos);
            var n = _fast ? FastEntry(span, entry) : -1;
            if (n < 0 || (n == 0 && _eof))
            {
                n = GeneralEntry(span, entry);
            }

            if (n > 0)
            {
                entry.KeyBuffer = _buffer;
                entry.KeyStart += _pos;
                _pos += n;
                return;
            }

            if (_eof)
            {
                throw Bad("unexpected end");
            }

            Refill();
        }
    }

    /// <summary>
    /// Matches the exact shape the engine writes. Returns the bytes consumed, 0 when the buffer ends before the
    /// entry does, or -1 when the entry has another shape (then the general reader takes it from the start).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    private static int FastEntry(ReadOnlySpan<byte> s, TreeEntry e)
    {
        var p = 0;
        int m;
        if ((m = FastJson.String(s, ref p, out var keyStart, out var keyLength)) <= 0 || (m = FastJson.Literal(s, ref p, ":"u8)) <= 0
            || (m = FastJson.Version(s, ref p, e.Version)) <= 0)
        {
            return m;
        }

        e.KeyString = null;
        e.KeyStart = keyStart;
        e.KeyLength = keyLength;
        return p;
    }

    /// <summary>Reads an entry of any valid shape with <see cref="Utf8JsonReader"/>; 0 when the buffer ends first.</summary>
    private int GeneralEntry(ReadOnlySpan<byte> s, TreeEntry e)
    {
        var keyReader = new Utf8JsonReader(s, _eof, default);
        if (!keyReader.Read())
        {
            return 0;
        }

        if (keyReader.TokenType != JsonTokenType.String)
        {
            throw Bad("expected a key");
        }

        if (keyReader.ValueIsEscaped)
        {
            e.KeyString = keyReader.GetString();
        }
        else
        {
            e.KeyString = null;
            e.KeyStart = (int)keyReader.TokenStartIndex + 1;
            e.KeyLength = keyReader.ValueSpan.Length;
        }

        var p = (int)keyReader.BytesConsumed;
        while (p < s.Length && s[p] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            p++;
        }

        if (p >= s.Length)
        {
            return _eof ? throw Bad("unexpected end") : 0;
        }

        if (s[p] != (byte)':')
        {
            throw Bad("expected ':'");
        }

        p++;
        var r = new Utf8JsonReader(s.Slice(p), _eof, default);
        if (!r.Read())
        {
            return 0;
        }

        if (r.TokenType != JsonTokenType.StartObject)
        {
            throw Bad("expected an object");
        }

        return e.Version.ReadObject(ref r, journal: false) ? p + (int)r.BytesConsumed : 0;
    }
}

/// <summary>
/// Matchers for the exact JSON the engine writes (no whitespace, no escapes, fields in the written order, plain
/// numbers, lowercase SHA-256). Each returns 1 and advances on a match, 0 when the span ends before the value does
/// (read again with more data), and -1 when the text has another shape (a general JSON reader must take it).
/// </summary>
internal static class FastJson
{
    /// <summary>A string without escapes or control characters; its content's place in the span.</summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    public static int String(ReadOnlySpan<byte> s, ref int p, out int start, out int length)
    {
        start = 0;
        length = 0;
        if (p >= s.Length)
        {
            return 0;
        }

        if (s[p] != (byte)'"')
        {
            return -1;
        }

        var i = p + 1;
        while (true)
        {
            if (i >= s.Length)
            {
                return 0;
            }

            var b = s[i];
            if (b == (byte)'"')
            {
                break;
            }

            if (b == (byte)'\\' || b < 0x20)
            {
                return -1;
            }

            i++;
        }

        start = p + 1;
        length = i - start;
        p = i + 1;
        return 1;
    }

    /// <summary>
    /// A version object as this format writes it in the usual case:
    /// <c>{"size":N,"mtime":T[,"id":N][,"hashes":{"sha256":"…"}][,"path":"…"]}</c>. Anything else (another
    /// algorithm, a tag, format 1's "hash") returns -1 and is read by the general reader.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    public static int Version(ReadOnlySpan<byte> s, ref int p, VersionFields v)
    {
        v.Reset();
        var i = p;
        int m;
        if ((m = Literal(s, ref i, "{\"size\":"u8)) <= 0 || (m = Digits(s, ref i, 18, out var size)) <= 0
            || (m = Literal(s, ref i, ",\"mtime\":"u8)) <= 0)
        {
            return m;
        }

        v.Size = (long)size;
        v.SizeSeen = true;
        var start = i;
        while (i < s.Length && ((uint)(s[i] - '0') <= 9 || s[i] is (byte)'-' or (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+'))
        {
            i++;
        }

        if (i >= s.Length)
        {
            return 0;
        }

        if (!TimeCodec.TryParseTicks(s.Slice(start, i - start), out v.Mtime))
        {
            return -1;
        }

        v.MtimeSeen = true;

        // Optional fields, each at most once and in the order written: id, hash, path.
        var next = 0;
        while (true)
        {
            if (i >= s.Length)
            {
                return 0;
            }

            if (s[i] == (byte)'}')
            {
                p = i + 1;
                return 1;
            }

            if (next <= 0 && (m = Literal(s, ref i, ",\"id\":"u8)) != -1)
            {
                if (m == 0 || (m = Digits(s, ref i, 19, out v.Id)) <= 0)
                {
                    return m;
                }

                next = 1;
            }
            else if (next <= 1 && (m = Literal(s, ref i, ",\"hashes\":{\"sha256\":\""u8)) != -1)
            {
                if (m == 0 || i + 66 > s.Length)
                {
                    return 0;
                }

                if (s[i + 64] != (byte)'"' || s[i + 65] != (byte)'}' || !Sha256Value.TryParse(s.Slice(i, 64), out v.Sha))
                {
                    return -1; // another algorithm too, or not as written: the general reader takes it
                }

                v.HasSha = true;
                i += 66;
                next = 2;
            }
            else if (next <= 2 && (m = Literal(s, ref i, ",\"path\":"u8)) != -1)
            {
                if (m == 0 || (m = String(s, ref i, out start, out var length)) <= 0)
                {
                    return m;
                }

                v.Path = JsonNumbers.Utf8(s.Slice(start, length));
                next = 3;
            }
            else
            {
                return -1;
            }
        }
    }

    /// <summary>The bytes of <paramref name="literal"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    public static int Literal(ReadOnlySpan<byte> s, ref int p, ReadOnlySpan<byte> literal)
    {
        var available = s.Length - p;
        if (available >= literal.Length)
        {
            if (!s.Slice(p, literal.Length).SequenceEqual(literal))
            {
                return -1;
            }

            p += literal.Length;
            return 1;
        }

        return s.Slice(p).SequenceEqual(literal.Slice(0, available)) ? 0 : -1;
    }

    /// <summary>A plain unsigned integer (no sign, no leading zero, at most <paramref name="maxDigits"/> digits) followed by ',' or '}'.</summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    public static int Digits(ReadOnlySpan<byte> s, ref int p, int maxDigits, out ulong value)
    {
        value = 0;
        var start = p;
        var i = p;
        while (i < s.Length && (uint)(s[i] - '0') <= 9)
        {
            if (i - start == maxDigits)
            {
                return -1;
            }

            value = (value * 10) + (uint)(s[i] - '0');
            i++;
        }

        if (i >= s.Length)
        {
            return 0;
        }

        var digits = i - start;
        if (digits == 0 || (digits > 1 && s[start] == (byte)'0') || s[i] is not ((byte)',' or (byte)'}'))
        {
            return -1;
        }

        p = i;
        return 1;
    }
}

/// <summary>
/// For the loops that load the state at start-up: compiled fully optimised on first call instead of running the
/// precompiled (ReadyToRun) code, which cannot inline across assemblies (span helpers) and is what a short-lived
/// process would otherwise run for the whole load (about 10 % of the load's time on a 100,000-file tree).
/// <c>MethodImplOptions.AggressiveOptimization</c> by value: netstandard2.0 lacks the name; runtimes that do not
/// know it ignore it.
/// </summary>
internal static class HotPath
{
    public const System.Runtime.CompilerServices.MethodImplOptions Options = (System.Runtime.CompilerServices.MethodImplOptions)512;
}
