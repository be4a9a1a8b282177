using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;

namespace SyncEngine.Storage.Crypt;

/// <summary>
/// Writes plaintext as an rclone crypt file into another stream: the header (magic and a random nonce) first, then
/// each 64 KiB of plaintext sealed as one chunk, the nonce incremented after each. A file of one chunk holds one
/// chunk in memory; a larger one holds <see cref="BatchChunks"/> and seals them in parallel (each chunk has its own
/// nonce and keystream, so the output is the same as sealing them one by one). <see cref="Finish"/> seals the last,
/// shorter chunk; a stream disposed without it leaves the file incomplete (an abandoned write). <see cref="Flush"/>
/// never seals a partial chunk: the format allows only the last to be short.
/// </summary>
internal sealed class EncryptingStream : Stream
{
    /// <summary>Chunks held and sealed together once a file is larger than one (512 KiB of plaintext).</summary>
    internal const int BatchChunks = 8;

    private readonly Stream _inner;
    private readonly RcloneCipher _cipher;
    private readonly byte[] _nonce = new byte[RcloneCipher.NonceSize];
    private readonly byte[][] _nonces = new byte[BatchChunks][];
    private byte[] _plain = new byte[RcloneCipher.ChunkData];
    private byte[] _sealed = new byte[RcloneCipher.ChunkSize];
    private int _filled;
    private long _position;
    private bool _headerWritten;
    private bool _finished;

    public EncryptingStream(Stream inner, RcloneCipher cipher)
    {
        _inner = inner;
        _cipher = cipher;
        using var rng = RandomNumberGenerator.Create();
        rng.GetBytes(_nonce);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_finished;

    public override long Length => _position;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (_finished)
        {
            throw new InvalidOperationException("The encrypted file is already finished.");
        }

        WriteHeader();
        while (count > 0)
        {
            var n = Math.Min(count, _plain.Length - _filled);
            Buffer.BlockCopy(buffer, offset, _plain, _filled, n);
            _filled += n;
            offset += n;
            count -= n;
            _position += n;
            if (_filled == _plain.Length && count > 0 && _plain.Length < BatchChunks * RcloneCipher.ChunkData)
            {
                // More than one chunk: from here on hold a batch of chunks and seal them in parallel.
                Array.Resize(ref _plain, BatchChunks * RcloneCipher.ChunkData);
                _sealed = new byte[BatchChunks * RcloneCipher.ChunkSize];
            }
            else if (_filled == _plain.Length)
            {
                SealChunks();
            }
        }
    }

    /// <summary>Seals the last chunk and flushes: the inner stream then holds a complete encrypted file.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        WriteHeader();
        if (_filled > 0)
        {
            SealChunks();
        }

        _finished = true;
        _inner.Flush();
    }

    private void WriteHeader()
    {
        if (_headerWritten)
        {
            return;
        }

        _inner.Write(RcloneCipher.Magic, 0, RcloneCipher.Magic.Length);
        _inner.Write(_nonce, 0, _nonce.Length);
        _headerWritten = true;
    }

    /// <summary>Seals what is held (whole chunks, the last of them possibly short) and writes it in order.</summary>
    private void SealChunks()
    {
        var chunks = (_filled + RcloneCipher.ChunkData - 1) / RcloneCipher.ChunkData;
        if (chunks == 1)
        {
            _inner.Write(_sealed, 0, _cipher.Seal(_plain, _filled, _nonce, _sealed));
            RcloneCipher.Increment(_nonce);
            _filled = 0;
            return;
        }

        for (var i = 0; i < chunks; i++)
        {
            _nonces[i] ??= new byte[RcloneCipher.NonceSize];
            Buffer.BlockCopy(_nonce, 0, _nonces[i], 0, _nonce.Length);
            RcloneCipher.Increment(_nonce);
        }

        var filled = _filled;
        Parallel.For(0, chunks, i =>
        {
            var offset = i * RcloneCipher.ChunkData;
            _cipher.Seal(_plain, offset, Math.Min(RcloneCipher.ChunkData, filled - offset), _nonces[i], _sealed, i * RcloneCipher.ChunkSize);
        });

        // Every chunk but the last is whole, so the sealed chunks lie end to end.
        _inner.Write(_sealed, 0, ((chunks - 1) * RcloneCipher.ChunkSize) + RcloneCipher.TagSize + (filled - ((chunks - 1) * RcloneCipher.ChunkData)));
        _filled = 0;
    }

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Array.Clear(_plain, 0, _plain.Length);
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Reads an rclone crypt file as plaintext, one chunk at a time, checking every chunk's tag before any of its bytes
/// are given out. A bad header, a chunk whose tag does not match (changed, appended, cut inside a chunk, or another
/// key) or a chunk cut to its tag is a <see cref="SyncEngineException"/> <c>SyncCryptDamaged</c> naming the file.
/// </summary>
/// <remarks>
/// The format itself cannot tell a file cut exactly at a chunk boundary from a shorter one (rclone's cannot either):
/// such a file reads as shorter, and the engine sees a size other than the one it recorded.
/// </remarks>
internal sealed class DecryptingStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly RcloneCipher _cipher;
    private readonly string _path;
    private readonly string _root;
    private readonly byte[] _nonce = new byte[RcloneCipher.NonceSize];
    private readonly byte[] _sealed = new byte[RcloneCipher.ChunkSize];
    private readonly byte[] _plain = new byte[RcloneCipher.ChunkData];
    private int _at;
    private int _available;
    private bool _eof;
    private long _position;
    private long _chunk;

    /// <summary>Opens the stream and reads the header (so a file that is not encrypted fails here, not on the first read).</summary>
    public DecryptingStream(Stream inner, RcloneCipher cipher, string path, string root)
    {
        _inner = inner;
        _cipher = cipher;
        _path = path;
        _root = root;
        var header = new byte[RcloneCipher.HeaderSize];
        var n = ReadFill(header, header.Length);
        if (n < header.Length)
        {
            throw Damaged($"it is {n} bytes long, shorter than an encrypted file's {RcloneCipher.HeaderSize}-byte header");
        }

        for (var i = 0; i < RcloneCipher.Magic.Length; i++)
        {
            if (header[i] != RcloneCipher.Magic[i])
            {
                throw Damaged("it does not start with rclone crypt's header (RCLONE\\0\\0): it is not an encrypted file, or its header was changed");
            }
        }

        Buffer.BlockCopy(header, RcloneCipher.Magic.Length, _nonce, 0, RcloneCipher.NonceSize);
    }

    public override long Position
    {
        get => _position;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (count == 0)
        {
            return 0;
        }

        if (_at == _available)
        {
            if (_eof || !NextChunk())
            {
                return 0;
            }
        }

        var n = Math.Min(count, _available - _at);
        Buffer.BlockCopy(_plain, _at, buffer, offset, n);
        _at += n;
        _position += n;
        return n;
    }

    private bool NextChunk()
    {
        var n = ReadFill(_sealed, _sealed.Length);
        if (n == 0)
        {
            _eof = true;
            return false;
        }

        if (n <= RcloneCipher.TagSize)
        {
            throw Damaged($"chunk {_chunk} is cut short ({n} bytes, not even its tag and one byte): the file was truncated or had bytes appended");
        }

        if (!_cipher.Open(_sealed, n, _nonce, _plain))
        {
            throw Damaged($"chunk {_chunk} (at byte {RcloneCipher.HeaderSize + (_chunk * RcloneCipher.ChunkSize)}) fails authentication: the file was changed, truncated or extended, or it was encrypted with another password");
        }

        RcloneCipher.Increment(_nonce);
        _chunk++;
        _at = 0;
        _available = n - RcloneCipher.TagSize;
        if (n < _sealed.Length)
        {
            _eof = true;
        }

        return true;
    }

    private int ReadFill(byte[] buffer, int count)
    {
        var total = 0;
        while (total < count)
        {
            var n = _inner.Read(buffer, total, count - total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private SyncEngineException Damaged(string why) =>
        new("SyncCryptDamaged", SyncErrorKind.IOError, $"The encrypted file '{_path}' on {_root} cannot be decrypted: {why}.", _path);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            Array.Clear(_plain, 0, _plain.Length);
        }

        base.Dispose(disposing);
    }
}
