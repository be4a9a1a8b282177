using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using ZstdSharp;

namespace SyncEngine.Storage.Compression;

/// <summary>
/// A side whose files are stored zstd-compressed on another side where that pays: a file that shrinks by at least
/// a tenth is stored as <c>name.zst</c> (one zstd frame, so <c>zstd -d</c> restores it), any other as <c>name</c>,
/// as is. Every frame carries zstd's content checksum, so a damaged frame is an error, never wrong content. The engine sees plaintext names and sizes; the stored side's hashes are of the stored bytes and are never
/// passed up (SHA-256 is computed by decompressing). Stack it above encryption: compressed, then encrypted.
/// </summary>
/// <remarks>
/// <para>Sizes: the frame header of every file this writes records the plaintext size (zstd's Frame_Content_Size), so
/// a listing reads the first bytes of each <c>.zst</c> file (a HEAD-like read of at most 18 bytes, from the first
/// chunk when encrypted below), remembered per stored version for the life of the provider. A <c>.zst</c> file
/// written elsewhere without the size in its header is decompressed once to count it.</para>
/// <para>Names: a stored name ending in <c>.zst</c> is always a compressed file. So a plaintext name that itself ends
/// in <c>.zst</c> is always compressed (<c>a.zst.zst</c>), never stored as is, and no two plaintext names share a
/// stored one. Should both <c>name</c> and <c>name.zst</c> be stored (a run cut between writing one and removing the
/// other), the one with the later modification time is the file (the compressed one on a tie); the other is removed
/// by the next write, move or deletion of that name.</para>
/// <para>Deciding: the engine tells a write its length (<see cref="ILengthAwareWrite"/>). Up to 1 MiB, the whole
/// content is compressed in memory and the result decides; above, the first MiB decides, and the rest streams through
/// with the length pledged in the frame header. A write that is not told its length and passes 1 MiB is stored as is
/// (unless its name ends in <c>.zst</c>).</para>
/// </remarks>
public sealed class ZstdStorageProvider : IStorageProvider, ITemporaryFileNaming, IDurableStorage
{
    /// <summary>The suffix of a compressed file.</summary>
    public const string Suffix = ".zst";

    /// <summary>The level used when none is given (zstd's own default).</summary>
    public const int DefaultLevel = 3;

    /// <summary>A compressed file must be at most this share of the plaintext, else it is stored as is.</summary>
    internal const double UsefulRatio = 0.9;

    /// <summary>How much is held in memory to decide: the whole file when smaller.</summary>
    internal const int DecideBytes = 1 << 20;

    /// <summary>
    /// The marker a compressed side holds (written before its first compressed file), so that a run opening it without
    /// compression is refused instead of syncing its <c>.zst</c> files as files of their own.
    /// </summary>
    internal const string MarkerPath = PathRules.EngineFolder + "/compressed";

    private readonly IStorageProvider _inner;
    private int _markerWritten;
    private readonly ConcurrentDictionary<string, long> _sizes = new(StringComparer.Ordinal);

    /// <summary>Wraps <paramref name="inner"/> (which the decorator then owns), compressing at <paramref name="level"/>.</summary>
    public ZstdStorageProvider(IStorageProvider inner, int level = DefaultLevel)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        if (level < 1 || level > 22)
        {
            throw new SyncEngineException("SyncCompressLevelInvalid", SyncErrorKind.InvalidArgument, $"The zstd level {level} is out of range: give 1 to 22 (3 is zstd's default; 19 and above are slow).", level.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Level = level;
        var caps = inner.Capabilities;
        Capabilities = new StorageCapabilities
        {
            CaseSensitive = caps.CaseSensitive,
            WindowsNames = caps.WindowsNames,
            MtimePrecision = caps.MtimePrecision,
            Rename = caps.Rename,
            MtimeInListing = caps.MtimeInListing,
            HasFolders = caps.HasFolders,
            PosixPermissions = caps.PosixPermissions,

            // A name has two stored forms: a no-replace commit of one cannot refuse the other in the same step.
            NoReplaceCommit = false,
        };
    }

    /// <summary>The zstd level.</summary>
    public int Level { get; }

    /// <summary>The side the files are stored on.</summary>
    public IStorageProvider Inner => _inner;

    /// <inheritdoc />
    public string Root => _inner.Root;

    /// <inheritdoc />
    public StorageCapabilities Capabilities { get; }

    /// <inheritdoc />
    public bool RootExists() => _inner.RootExists();

    /// <inheritdoc />
    public void CreateRoot() => _inner.CreateRoot();

    /// <inheritdoc />
    public IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken)
    {
        // Both stored forms of a name ("a", "a.zst") may come anywhere in the listing: the files are gathered first.
        var pending = new Dictionary<string, StorageEntry>(StringComparer.Ordinal);
        foreach (var entry in _inner.Enumerate(includeFolder, onIssue, cancellationToken))
        {
            if (entry.Kind != EntryKind.File)
            {
                yield return entry;
                continue;
            }

            var plain = PlainName(entry.Path);
            pending[plain] = pending.TryGetValue(plain, out var other) ? Current(other, entry) : entry;
        }

        foreach (var pair in pending)
        {
            StorageEntry? plainEntry = null;
            try
            {
                plainEntry = Plain(pair.Value, pair.Key);
            }
            catch (Exception ex) when (ex is IOException or SyncEngineException or UnauthorizedAccessException)
            {
                onIssue(new ScanIssue(SyncSide.Source, pair.Key, "its size could not be read from the zstd frame: " + ex.Message));
            }

            if (plainEntry is not null)
            {
                yield return plainEntry;
            }
        }
    }

    /// <inheritdoc />
    public StorageEntry? Stat(string path)
    {
        var stored = CurrentStored(path);
        return stored is null ? null : Plain(stored, path);
    }

    /// <inheritdoc />
    public Stream OpenRead(string path)
    {
        var stored = CurrentStored(path) ?? throw new FileNotFoundException($"'{path}' does not exist on {Root}.", path);
        var stream = _inner.OpenRead(stored.Path);
        return IsCompressed(stored.Path) ? new FrameReadStream(new DecompressionStream(stream, leaveOpen: false), path, Root) : stream;
    }

    /// <inheritdoc />
    public IStagedWrite BeginWrite(string path)
    {
        PathRules.EnsureRelative(path);
        if (Volatile.Read(ref _markerWritten) == 0 && !path.StartsWith(PathRules.EngineFolder + "/", StringComparison.Ordinal))
        {
            WriteMarker();
        }

        return new ZstdWrite(this, path);
    }

    private void WriteMarker()
    {
        lock (_sizes)
        {
            if (_markerWritten != 0)
            {
                return;
            }

            if (_inner.Stat(MarkerPath) is null)
            {
                if (!_inner.RootExists())
                {
                    _inner.CreateRoot();
                }

                var text = System.Text.Encoding.UTF8.GetBytes("zstd\n");
                try
                {
                    using var write = _inner.BeginWrite(MarkerPath);
                    write.Stream.Write(text, 0, text.Length);
                    write.Commit(DateTime.UtcNow, overwrite: false);
                }
                catch (IOException) when (_inner.Stat(MarkerPath) is not null)
                {
                    // another run wrote it meanwhile
                }
            }

            Volatile.Write(ref _markerWritten, 1);
        }
    }

    /// <inheritdoc />
    public void Move(string fromPath, string toPath, bool overwrite)
    {
        PathRules.EnsureRelative(toPath);
        var from = CurrentStored(fromPath) ?? throw new FileNotFoundException($"'{fromPath}' does not exist on {Root}.", fromPath);
        var compressed = IsCompressed(from.Path);
        var caseOnly = !Capabilities.CaseSensitive && string.Equals(fromPath, toPath, StringComparison.OrdinalIgnoreCase);
        if (!overwrite && !caseOnly && CurrentStored(toPath) is not null)
        {
            throw Exists(toPath);
        }

        var to = compressed ? toPath + Suffix : toPath;
        _inner.Move(from.Path, to, overwrite);
        if (!caseOnly)
        {
            RemoveOtherForm(toPath, compressed);
        }
    }

    /// <inheritdoc />
    public void PreserveCopy(string path, string copyPath)
    {
        PathRules.EnsureRelative(copyPath);
        var from = CurrentStored(path) ?? throw new FileNotFoundException($"'{path}' does not exist on {Root}.", path);
        _inner.PreserveCopy(from.Path, IsCompressed(from.Path) ? copyPath + Suffix : copyPath);
    }

    /// <inheritdoc />
    public void Delete(string path)
    {
        PathRules.EnsureRelative(path);
        if (!IsCompressed(path))
        {
            _inner.Delete(path);
        }

        _inner.Delete(path + Suffix);
    }

    /// <inheritdoc />
    public void RemoveEmptyParents(string path) => _inner.RemoveEmptyParents(path);

    /// <summary>The SHA-256 of the plaintext (decompressed on the way).</summary>
    public string ComputeHash(string path, CancellationToken cancellationToken)
    {
        using var stream = OpenRead(path);
        return Hashing.Sha256Hex(stream, cancellationToken);
    }

    /// <inheritdoc />
    public void CleanUp(CancellationToken cancellationToken) => _inner.CleanUp(cancellationToken);

    /// <inheritdoc />
    public IReadOnlyList<string> ListEngineFolders(string engineFolder) => _inner.ListEngineFolders(engineFolder);

    /// <inheritdoc />
    public void DeleteEngineFolder(string engineFolder, CancellationToken cancellationToken) => _inner.DeleteEngineFolder(engineFolder, cancellationToken);

    /// <inheritdoc />
    public void UseTemporaryNames(TemporaryNames names) => (_inner as ITemporaryFileNaming)?.UseTemporaryNames(names);

    /// <inheritdoc />
    public void FlushCompletedWrites() => (_inner as IDurableStorage)?.FlushCompletedWrites();

    /// <inheritdoc />
    public void Dispose() => _inner.Dispose();

    // ---- names and sizes ----

    private static bool IsCompressed(string stored) => stored.EndsWith(Suffix, StringComparison.Ordinal) && stored.Length > Suffix.Length && stored[stored.Length - Suffix.Length - 1] != '/';

    private static string PlainName(string stored) => IsCompressed(stored) ? stored.Substring(0, stored.Length - Suffix.Length) : stored;

    /// <summary>Of two stored forms of one name, the file: the later modification time, the compressed one on a tie.</summary>
    private static StorageEntry Current(StorageEntry a, StorageEntry b)
    {
        if (a.MtimeTicks != b.MtimeTicks)
        {
            return a.MtimeTicks > b.MtimeTicks ? a : b;
        }

        return IsCompressed(a.Path) ? a : b;
    }

    /// <summary>The stored entry that is the file at a plaintext path, or null.</summary>
    private StorageEntry? CurrentStored(string path)
    {
        PathRules.EnsureRelative(path);
        var compressed = _inner.Stat(path + Suffix);
        var plain = IsCompressed(path) ? null : _inner.Stat(path);
        return compressed is null ? plain : plain is null ? compressed : Current(compressed, plain);
    }

    private void RemoveOtherForm(string path, bool keptCompressed)
    {
        if (keptCompressed && !IsCompressed(path))
        {
            _inner.Delete(path);
        }
        else if (!keptCompressed)
        {
            _inner.Delete(path + Suffix);
        }
    }

    /// <summary>A stored entry as the plaintext's: the size from the frame header for a compressed file; no hashes.</summary>
    private StorageEntry Plain(StorageEntry stored, string plainPath)
    {
        var size = stored.Size;
        if (IsCompressed(stored.Path))
        {
            var key = stored.Path + "\n" + stored.Size.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n" + stored.MtimeTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)
                + "\n" + stored.FileId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n" + stored.VersionTag;
            if (!_sizes.TryGetValue(key, out size))
            {
                size = ContentSize(stored.Path, plainPath);
                _sizes[key] = size;
            }
        }

        return new StorageEntry(plainPath, EntryKind.File, size, stored.MtimeTicks, stored.FileId) { VersionTag = stored.VersionTag, Permissions = stored.Permissions };
    }

    /// <summary>The plaintext size of a stored frame: from its header, else by decompressing it.</summary>
    private long ContentSize(string stored, string plainPath)
    {
        var header = new byte[ZstdFrame.MaxHeader];
        int n;
        using (var stream = _inner.OpenRead(stored))
        {
            n = 0;
            int r;
            while (n < header.Length && (r = stream.Read(header, n, header.Length - n)) > 0)
            {
                n += r;
            }
        }

        var size = ZstdFrame.ContentSize(header, n);
        if (size == ZstdFrame.NotAFrame)
        {
            throw new SyncEngineException("SyncCompressDamaged", SyncErrorKind.IOError, $"The compressed file '{plainPath}' on {Root} does not start with a zstd frame header.", plainPath);
        }

        if (size >= 0)
        {
            return size;
        }

        using var all = OpenRead(plainPath);
        var buffer = new byte[81920];
        long total = 0;
        int got;
        while ((got = all.Read(buffer, 0, buffer.Length)) > 0)
        {
            total += got;
        }

        return total;
    }

    private static IOException Exists(string path) => new($"'{path}' already exists.", 17);

    /// <summary>A write that holds the first MiB to decide, then streams to the chosen stored form.</summary>
    private sealed class ZstdWrite : IStagedWrite, ILengthAwareWrite
    {
        private readonly ZstdStorageProvider _owner;
        private readonly string _path;
        private readonly MemoryStream _head = new();
        private readonly WriteStream _stream;
        private IStagedWrite? _target;
        private Stream? _out;
        private CompressionStream? _compressor;
        private bool _compressed;
        private long _written;
        private int? _permissions;

        public ZstdWrite(ZstdStorageProvider owner, string path)
        {
            _owner = owner;
            _path = path;
            _stream = new WriteStream(this);
        }

        public long? ExpectedLength { get; set; }

        public Stream Stream => _stream;

        public int? Permissions
        {
            get => _permissions;
            set
            {
                _permissions = value;
                if (_target is not null)
                {
                    _target.Permissions = value;
                }
            }
        }

        private bool MustCompress => IsCompressed(_path);

        public void Write(byte[] buffer, int offset, int count)
        {
            _written += count;
            if (_out is null)
            {
                var take = Math.Min(count, DecideBytes - (int)_head.Length);
                _head.Write(buffer, offset, take);
                offset += take;
                count -= take;
                if (_head.Length < DecideBytes)
                {
                    return;
                }

                Decide(final: false);
            }

            if (count > 0)
            {
                Guard(() => _out!.Write(buffer, offset, count));
            }
        }

        /// <summary>Chooses the stored form and opens it; <paramref name="final"/> when the whole content is held.</summary>
        private void Decide(bool final)
        {
            var head = _head.GetBuffer();
            var length = (int)_head.Length;
            byte[]? whole = null;
            bool compress;
            using (var compressor = new Compressor(_owner.Level))
            {
                compressor.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
                var trial = compressor.Wrap(new ReadOnlySpan<byte>(head, 0, length)).ToArray();
                compress = MustCompress || (trial.Length <= length * UsefulRatio && (final || ExpectedLength is not null));
                if (final && compress)
                {
                    whole = trial;
                }
            }

            _compressed = compress;
            _target = _owner._inner.BeginWrite(compress ? _path + Suffix : _path);
            if (_permissions is not null)
            {
                _target.Permissions = _permissions;
            }

            if (whole is not null)
            {
                _target.Stream.Write(whole, 0, whole.Length);
                _out = Stream.Null;
                return;
            }

            if (compress)
            {
                _compressor = new CompressionStream(_target.Stream, _owner.Level, leaveOpen: true);
                _compressor.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
                if (ExpectedLength is { } expected)
                {
                    _compressor.SetPledgedSrcSize((ulong)expected);
                }

                _out = _compressor;
            }
            else
            {
                _out = _target.Stream;
            }

            Guard(() => _out.Write(head, 0, length));
        }

        private void Guard(Action write)
        {
            try
            {
                write();
            }
            catch (ZstdException ex)
            {
                throw new IOException($"Compressing '{_path}' for {_owner.Root} failed: {ex.Message}", ex);
            }
        }

        public StorageEntry Commit(DateTime lastWriteTimeUtc, bool overwrite)
        {
            if (_out is null)
            {
                Decide(final: true);
            }

            if (_compressor is not null)
            {
                Guard(() => _compressor.Dispose()); // writes the end of the frame (and checks the pledged length)
                _compressor = null;
            }

            var other = _compressed ? (IsCompressed(_path) ? null : _path) : _path + Suffix;
            if (!overwrite && other is not null && _owner._inner.Stat(other) is not null)
            {
                throw Exists(_path);
            }

            var entry = _target!.Commit(lastWriteTimeUtc, overwrite);
            if (other is not null)
            {
                _owner._inner.Delete(other);
            }

            return new StorageEntry(_path, EntryKind.File, _written, entry.MtimeTicks, entry.FileId) { VersionTag = entry.VersionTag, Permissions = entry.Permissions };
        }

        public void Dispose()
        {
            try
            {
                _compressor?.Dispose();
            }
            catch (ZstdException)
            {
                // an abandoned write: the frame is never committed
            }

            _target?.Dispose();
            _head.Dispose();
        }

        private sealed class WriteStream : Stream
        {
            private readonly ZstdWrite _owner;

            public WriteStream(ZstdWrite owner) => _owner = owner;

            public override bool CanRead => false;

            public override bool CanSeek => false;

            public override bool CanWrite => true;

            public override long Length => _owner._written;

            public override long Position
            {
                get => _owner._written;
                set => throw new NotSupportedException();
            }

            public override void Flush()
            {
                // Nothing to push: a partial zstd block flushed early would only cost ratio.
            }

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => _owner.Write(buffer, offset, count);
        }
    }

    /// <summary>A decompressing stream whose zstd errors are IO errors naming the file.</summary>
    private sealed class FrameReadStream : ForwardReadStream
    {
        private readonly Stream _inner;
        private readonly string _path;
        private readonly string _root;

        public FrameReadStream(Stream inner, string path, string root)
        {
            _inner = inner;
            _path = path;
            _root = root;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return _inner.Read(buffer, offset, count);
            }
            catch (ZstdException ex)
            {
                throw new SyncEngineException("SyncCompressDamaged", SyncErrorKind.IOError, $"The compressed file '{_path}' on {_root} cannot be decompressed: {ex.Message}.", _path, ex);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>The zstd frame header (RFC 8878, 3.1.1): where the content size is recorded.</summary>
internal static class ZstdFrame
{
    /// <summary>The longest frame header: magic 4, descriptor 1, window 1, dictionary id 4, content size 8.</summary>
    public const int MaxHeader = 18;

    public const long NotAFrame = -2;

    public const long Unknown = -1;

    /// <summary>The Frame_Content_Size of the header in the first <paramref name="length"/> bytes; <see cref="Unknown"/> when the header has none, <see cref="NotAFrame"/> when it is no zstd frame.</summary>
    public static long ContentSize(byte[] header, int length)
    {
        if (length < 5 || header[0] != 0x28 || header[1] != 0xB5 || header[2] != 0x2F || header[3] != 0xFD)
        {
            return NotAFrame;
        }

        var descriptor = header[4];
        var fcsFlag = descriptor >> 6;
        var singleSegment = (descriptor & 0x20) != 0;
        var dictFlag = descriptor & 0x03;
        var at = 5 + (singleSegment ? 0 : 1) + (dictFlag == 3 ? 4 : dictFlag);
        var fcsSize = fcsFlag switch
        {
            0 => singleSegment ? 1 : 0,
            1 => 2,
            2 => 4,
            _ => 8,
        };
        if (fcsSize == 0)
        {
            return Unknown;
        }

        if (at + fcsSize > length)
        {
            return NotAFrame;
        }

        ulong value = 0;
        for (var i = fcsSize - 1; i >= 0; i--)
        {
            value = (value << 8) | header[at + i];
        }

        if (fcsSize == 2)
        {
            value += 256;
        }

        return value > long.MaxValue ? NotAFrame : (long)value;
    }
}
