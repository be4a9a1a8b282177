using System;

namespace SyncEngine.State;

/// <summary>
/// A SHA-256 held as four integers (no array), parsed from and written as lowercase hex. Only lowercase is accepted:
/// the engine writes lowercase, so a value read back gives the very same string; anything else stays a string.
/// </summary>
internal readonly struct Sha256Value : IEquatable<Sha256Value>
{
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    private Sha256Value(ulong a, ulong b, ulong c, ulong d)
    {
        _a = a;
        _b = b;
        _c = c;
        _d = d;
    }

    /// <summary>Nibble of each byte; 0xFF for anything but 0-9 and a-f.</summary>
    private static ReadOnlySpan<byte> Nibbles => new byte[]
    {
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 10, 11, 12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    };

    /// <summary>Parses 64 lowercase hex digits given as UTF-8.</summary>
    [System.Runtime.CompilerServices.MethodImpl(HotPath.Options)]
    public static bool TryParse(ReadOnlySpan<byte> hex, out Sha256Value value)
    {
        value = default;
        if (hex.Length != 64)
        {
            return false;
        }

#if NET
        // The runtime's vectorised decoder; it also takes uppercase, which stays a string here (see the type's summary).
        if (hex.IndexOfAnyInRange((byte)'A', (byte)'F') >= 0)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[32];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        value = new Sha256Value(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(8)),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(16)),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(24)));
        return true;
#else
        return TryParsePortable(hex, out value);
#endif
    }

    /// <summary>The table decoder netstandard2.0 uses (compiled everywhere so tests check it against the runtime's).</summary>
    internal static bool TryParsePortable(ReadOnlySpan<byte> hex, out Sha256Value value)
    {
        value = default;
        if (hex.Length != 64)
        {
            return false;
        }

        var table = Nibbles;
        var bad = 0;
        var a = Word(hex.Slice(0, 16), table, ref bad);
        var b = Word(hex.Slice(16, 16), table, ref bad);
        var c = Word(hex.Slice(32, 16), table, ref bad);
        var d = Word(hex.Slice(48, 16), table, ref bad);
        if ((bad & 0xF0) != 0)
        {
            return false;
        }

        value = new Sha256Value(a, b, c, d);
        return true;
    }

    /// <summary>Parses 64 lowercase hex digits.</summary>
    public static bool TryParse(string hex, out Sha256Value value)
    {
        value = default;
        if (hex.Length != 64)
        {
            return false;
        }

        Span<byte> ascii = stackalloc byte[64];
        for (var i = 0; i < 64; i++)
        {
            var ch = hex[i];
            if (ch > 0x7F)
            {
                return false;
            }

            ascii[i] = (byte)ch;
        }

        return TryParse(ascii, out value);
    }

    private static ulong Word(ReadOnlySpan<byte> hex, ReadOnlySpan<byte> table, ref int bad)
    {
        ulong w = 0;
        for (var i = 0; i < hex.Length; i++)
        {
            int n = table[hex[i]];
            bad |= n;
            w = (w << 4) | (uint)n;
        }

        return w;
    }

    /// <summary>The lowercase hex form (64 characters).</summary>
    public string ToHex()
    {
#if NET
        return string.Create(64, this, static (chars, v) => v.Write(chars));
#else
        var chars = new char[64];
        Write(chars);
        return new string(chars);
#endif
    }

    /// <summary>Writes the lowercase hex form as 64 UTF-8 bytes.</summary>
    public void WriteHex(Span<byte> utf8)
    {
        WriteWord(utf8.Slice(0, 16), _a);
        WriteWord(utf8.Slice(16, 16), _b);
        WriteWord(utf8.Slice(32, 16), _c);
        WriteWord(utf8.Slice(48, 16), _d);
    }

    private static void WriteWord(Span<byte> utf8, ulong w)
    {
        for (var i = 15; i >= 0; i--)
        {
            var n = (int)(w & 0xF);
            utf8[i] = (byte)(n < 10 ? '0' + n : 'a' + n - 10);
            w >>= 4;
        }
    }

    private void Write(Span<char> chars)
    {
        WriteWord(chars.Slice(0, 16), _a);
        WriteWord(chars.Slice(16, 16), _b);
        WriteWord(chars.Slice(32, 16), _c);
        WriteWord(chars.Slice(48, 16), _d);
    }

    private static void WriteWord(Span<char> chars, ulong w)
    {
        for (var i = 15; i >= 0; i--)
        {
            var n = (int)(w & 0xF);
            chars[i] = (char)(n < 10 ? '0' + n : 'a' + n - 10);
            w >>= 4;
        }
    }

    public bool Equals(Sha256Value other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is Sha256Value other && Equals(other);

    public override int GetHashCode() => _a.GetHashCode();
}
