using System;
using System.Text;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace SyncEngine.Storage.Crypt;

/// <summary>How an encrypted side stores file names (rclone crypt's <c>filename_encryption</c>).</summary>
public enum CryptNameEncryption
{
    /// <summary>Every path segment (folders too) encrypted with AES-EME, PKCS#7 padded, lowercase base32hex without padding.</summary>
    Standard,

    /// <summary>Names kept as they are, with <c>.bin</c> appended to file names.</summary>
    Off,
}

/// <summary>
/// The keys of rclone's crypt format, derived from the password and the optional salt password with scrypt
/// (N = 16384, r = 8, p = 1, 80 bytes: 32 data key, 32 name key, 16 name tweak); without a salt password rclone's
/// fixed default salt is used. Every primitive is BouncyCastle's (scrypt, XSalsa20, Poly1305, AES); only the EME
/// wide-block mode (<see cref="Eme"/>), which BouncyCastle does not have, is written here on AES block operations.
/// </summary>
internal sealed class RcloneCipher
{
    /// <summary>"RCLONE\0\0": the first 8 bytes of every encrypted file.</summary>
    public static readonly byte[] Magic = { (byte)'R', (byte)'C', (byte)'L', (byte)'O', (byte)'N', (byte)'E', 0, 0 };

    /// <summary>Magic and the 24-byte nonce of the first chunk.</summary>
    public const int HeaderSize = 8 + NonceSize;

    public const int NonceSize = 24;

    /// <summary>The Poly1305 tag before each chunk.</summary>
    public const int TagSize = 16;

    /// <summary>Plaintext bytes per chunk (the last may be shorter, never empty).</summary>
    public const int ChunkData = 64 * 1024;

    public const int ChunkSize = TagSize + ChunkData;

    /// <summary>rclone's salt when no salt password is given.</summary>
    private static readonly byte[] DefaultSalt = { 0xA8, 0x0D, 0xF4, 0x3A, 0x8F, 0xBD, 0x03, 0x08, 0xA7, 0xCA, 0xB8, 0x3E, 0x58, 0x1F, 0x86, 0xB1 };

    private static readonly byte[] Zero32 = new byte[32];

    private readonly byte[] _dataKey = new byte[32];
    private readonly byte[] _nameKey = new byte[32];
    private readonly byte[] _nameTweak = new byte[16];

    /// <summary>Derives the keys. The password must not be empty (rclone would use all-zero keys).</summary>
    public RcloneCipher(string password, string? saltPassword, CryptNameEncryption names)
    {
        if (string.IsNullOrEmpty(password))
        {
            throw new ArgumentException("The encryption password is empty.", nameof(password));
        }

        var salt = string.IsNullOrEmpty(saltPassword) ? DefaultSalt : Encoding.UTF8.GetBytes(saltPassword);
        var key = SCrypt.Generate(Encoding.UTF8.GetBytes(password), salt, 16384, 8, 1, 80);
        Buffer.BlockCopy(key, 0, _dataKey, 0, 32);
        Buffer.BlockCopy(key, 32, _nameKey, 0, 32);
        Buffer.BlockCopy(key, 64, _nameTweak, 0, 16);
        Array.Clear(key, 0, key.Length);
        Names = names;
    }

    /// <summary>The name encryption mode.</summary>
    public CryptNameEncryption Names { get; }

    // ---- sizes ----

    /// <summary>The stored size of a plaintext of <paramref name="size"/> bytes.</summary>
    public static long EncryptedSize(long size)
    {
        var chunks = size / ChunkData;
        var rest = size % ChunkData;
        return HeaderSize + (chunks * ChunkSize) + (rest == 0 ? 0 : TagSize + rest);
    }

    /// <summary>The plaintext size of a stored file of <paramref name="size"/> bytes; false for a size no encrypted file has.</summary>
    public static bool TryDecryptedSize(long size, out long plain)
    {
        plain = 0;
        size -= HeaderSize;
        if (size < 0)
        {
            return false;
        }

        var chunks = size / ChunkSize;
        var rest = size % ChunkSize;
        if (rest != 0)
        {
            rest -= TagSize;
            if (rest <= 0)
            {
                return false;
            }
        }

        plain = (chunks * ChunkData) + rest;
        return true;
    }

    // ---- content: NaCl secretbox (XSalsa20-Poly1305) per chunk ----

    /// <summary>Adds one to a nonce, little-endian (rclone's per-chunk increment).</summary>
    public static void Increment(byte[] nonce)
    {
        for (var i = 0; i < nonce.Length; i++)
        {
            if (++nonce[i] != 0)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Seals <paramref name="length"/> bytes of <paramref name="plain"/> into <paramref name="output"/> as secretbox does:
    /// the 16-byte tag, then the ciphertext. Returns the sealed length.
    /// </summary>
    public int Seal(byte[] plain, int length, byte[] nonce, byte[] output) => Seal(plain, 0, length, nonce, output, 0);

    /// <summary>
    /// As <see cref="Seal(byte[], int, byte[], byte[])"/>, from <paramref name="plainOffset"/> into
    /// <paramref name="output"/> at <paramref name="outputOffset"/>. Safe to call from several threads at once (each
    /// call has its own keystream), which is how a large file's chunks are sealed in parallel.
    /// </summary>
    public int Seal(byte[] plain, int plainOffset, int length, byte[] nonce, byte[] output, int outputOffset)
    {
        var salsa = Stream(nonce, out var polyKey);
        salsa.ProcessBytes(plain, plainOffset, length, output, outputOffset + TagSize);
        var mac = new Poly1305();
        mac.Init(new KeyParameter(polyKey));
        mac.BlockUpdate(output, outputOffset + TagSize, length);
        mac.DoFinal(output, outputOffset);
        Array.Clear(polyKey, 0, polyKey.Length);
        return TagSize + length;
    }

    /// <summary>
    /// Opens a sealed chunk (<paramref name="length"/> bytes of <paramref name="sealedChunk"/>, tag first) into
    /// <paramref name="plain"/>. False when the tag does not match: the chunk was changed, or the key is another.
    /// </summary>
    public bool Open(byte[] sealedChunk, int length, byte[] nonce, byte[] plain)
    {
        if (length <= TagSize)
        {
            return false;
        }

        var salsa = Stream(nonce, out var polyKey);
        var mac = new Poly1305();
        mac.Init(new KeyParameter(polyKey));
        mac.BlockUpdate(sealedChunk, TagSize, length - TagSize);
        var tag = new byte[TagSize];
        mac.DoFinal(tag, 0);
        Array.Clear(polyKey, 0, polyKey.Length);
        if (!Org.BouncyCastle.Utilities.Arrays.FixedTimeEquals(TagSize, tag, 0, sealedChunk, 0))
        {
            return false;
        }

        salsa.ProcessBytes(sealedChunk, TagSize, length - TagSize, plain, 0);
        return true;
    }

    /// <summary>An XSalsa20 keystream for the nonce, with its first 32 bytes taken as the Poly1305 key (secretbox).</summary>
    private XSalsa20Engine Stream(byte[] nonce, out byte[] polyKey)
    {
        var salsa = new XSalsa20Engine();
        salsa.Init(true, new ParametersWithIV(new KeyParameter(_dataKey), nonce));
        polyKey = new byte[32];
        salsa.ProcessBytes(Zero32, 0, 32, polyKey, 0);
        return salsa;
    }

    // ---- names: AES-EME, PKCS#7, base32hex ----

    /// <summary>One path segment encrypted (standard mode).</summary>
    public string EncryptSegment(string segment)
    {
        if (segment.Length == 0)
        {
            return segment;
        }

        var bytes = Encoding.UTF8.GetBytes(segment);
        var pad = 16 - (bytes.Length % 16);
        var padded = new byte[bytes.Length + pad];
        Buffer.BlockCopy(bytes, 0, padded, 0, bytes.Length);
        for (var i = bytes.Length; i < padded.Length; i++)
        {
            padded[i] = (byte)pad;
        }

        if (padded.Length > Eme.MaxBytes)
        {
            throw new ArgumentException($"The name '{segment}' is too long to encrypt ({bytes.Length} bytes of UTF-8; at most {Eme.MaxBytes - 1}).", nameof(segment));
        }

        return Base32Hex.Encode(Eme.Transform(_nameKey, _nameTweak, padded, encrypt: true));
    }

    /// <summary>One path segment decrypted (standard mode); null when it is not a name this key encrypted.</summary>
    public string? DecryptSegment(string segment)
    {
        if (segment.Length == 0)
        {
            return segment;
        }

        var raw = Base32Hex.Decode(segment);
        if (raw is null || raw.Length == 0 || raw.Length % 16 != 0 || raw.Length > Eme.MaxBytes)
        {
            return null;
        }

        var padded = Eme.Transform(_nameKey, _nameTweak, raw, encrypt: false);
        int pad = padded[padded.Length - 1];
        if (pad == 0 || pad > 16)
        {
            return null;
        }

        for (var i = padded.Length - pad; i < padded.Length; i++)
        {
            if (padded[i] != pad)
            {
                return null;
            }
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(padded, 0, padded.Length - pad);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>
/// EME (ECB-Mix-ECB, Halevi and Rogaway 2003), the wide-block mode rclone encrypts name segments with, as its
/// reference implementation (github.com/rfjakob/eme) specifies it: 1 to 128 AES blocks, a 16-byte tweak. Written here
/// on BouncyCastle's AES block operations because no maintained .NET library has it; checked byte for byte against
/// real rclone in the interop tests.
/// </summary>
internal static class Eme
{
    /// <summary>The longest input: 128 blocks.</summary>
    public const int MaxBytes = 16 * 128;

    public static byte[] Transform(byte[] key, byte[] tweak, byte[] input, bool encrypt)
    {
        if (input.Length == 0 || input.Length % 16 != 0 || input.Length > MaxBytes)
        {
            throw new ArgumentException("EME works on 1 to 128 blocks of 16 bytes.", nameof(input));
        }

        var enc = new AesEngine();
        enc.Init(true, new KeyParameter(key));
        var aes = enc;
        if (!encrypt)
        {
            aes = new AesEngine();
            aes.Init(false, new KeyParameter(key));
        }

        var m = input.Length / 16;

        // L_j = 2^(j+1) * AES-enc(K, 0): always the encryption direction.
        var l = new byte[m * 16];
        var li = new byte[16];
        enc.ProcessBlock(new byte[16], 0, li, 0);
        for (var j = 0; j < m; j++)
        {
            Double(li);
            Buffer.BlockCopy(li, 0, l, j * 16, 16);
        }

        var c = new byte[input.Length];
        var pp = new byte[16];
        for (var j = 0; j < m; j++)
        {
            Xor(pp, 0, input, j * 16, l, j * 16);
            aes.ProcessBlock(pp, 0, c, j * 16);
        }

        var mp = new byte[16];
        Xor(mp, 0, c, 0, tweak, 0);
        for (var j = 1; j < m; j++)
        {
            Xor(mp, 0, mp, 0, c, j * 16);
        }

        var mc = new byte[16];
        aes.ProcessBlock(mp, 0, mc, 0);
        var mm = new byte[16];
        Xor(mm, 0, mp, 0, mc, 0);
        for (var j = 1; j < m; j++)
        {
            Double(mm);
            Xor(c, j * 16, c, j * 16, mm, 0);
        }

        var c1 = new byte[16];
        Xor(c1, 0, mc, 0, tweak, 0);
        for (var j = 1; j < m; j++)
        {
            Xor(c1, 0, c1, 0, c, j * 16);
        }

        Buffer.BlockCopy(c1, 0, c, 0, 16);
        var block = new byte[16];
        for (var j = 0; j < m; j++)
        {
            aes.ProcessBlock(c, j * 16, block, 0);
            Xor(c, j * 16, block, 0, l, j * 16);
        }

        return c;
    }

    /// <summary>Multiplication by 2 in GF(2^128), little-endian, as the EME-32 draft specifies (reduction 135).</summary>
    private static void Double(byte[] b)
    {
        var carry = b[15] >= 128;
        for (var j = 15; j > 0; j--)
        {
            b[j] = (byte)((b[j] << 1) | (b[j - 1] >> 7));
        }

        b[0] = (byte)(b[0] << 1);
        if (carry)
        {
            b[0] ^= 135;
        }
    }

    private static void Xor(byte[] dst, int d, byte[] a, int ia, byte[] b, int ib)
    {
        for (var i = 0; i < 16; i++)
        {
            dst[d + i] = (byte)(a[ia + i] ^ b[ib + i]);
        }
    }
}

/// <summary>RFC 4648 base32 with the extended hex alphabet, lowercase and without padding, as rclone writes names; decoding ignores case.</summary>
internal static class Base32Hex
{
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuv";

    public static string Encode(byte[] data)
    {
        var sb = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                sb.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            sb.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return sb.ToString();
    }

    /// <summary>The bytes, or null for text that is not unpadded base32hex (a wrong length or stray bits count as not).</summary>
    public static byte[]? Decode(string text)
    {
        // Lengths an unpadded encoding can have: 8k + {0, 2, 4, 5, 7}.
        var tail = text.Length % 8;
        if (tail is 1 or 3 or 6)
        {
            return null;
        }

        var result = new byte[text.Length * 5 / 8];
        int buffer = 0, bits = 0, n = 0;
        foreach (var ch in text)
        {
            int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'v' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'V' ? ch - 'A' + 10 : -1;
            if (v < 0)
            {
                return null;
            }

            buffer = ((buffer << 5) | v) & 0xFFFF;
            bits += 5;
            if (bits >= 8)
            {
                result[n++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
        }

        // The leftover bits of the last character must be zero, as Go's decoder requires.
        return (buffer & ((1 << bits) - 1)) != 0 ? null : result;
    }
}
