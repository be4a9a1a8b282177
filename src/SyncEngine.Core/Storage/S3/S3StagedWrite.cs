using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3;
using Amazon.S3.Model;

namespace SyncEngine.Storage.S3;

/// <summary>
/// A write to one object. Content up to the multipart threshold goes to a local temporary file (owner-only, deleted on
/// close) and is PUT in one request on commit, with the time and SHA-256 in the metadata and, without overwrite,
/// <c>If-None-Match: *</c>. Beyond the threshold the content is streamed as a multipart upload: parts of
/// <see cref="S3ConnectionOptions.PartSize"/> are sent in parallel while the rest is written, and the upload completes
/// on commit (it is aborted when the write fails or is abandoned, so no parts are left behind). Nothing is visible at
/// the key before the commit.
/// </summary>
internal sealed class S3StagedWrite : IStagedWrite, ITimedWrite
{
    private readonly S3StorageProvider _owner;
    private readonly string _relative;
    private readonly string _key;
    private UploadStream? _stream;
    private bool _committed;

    public S3StagedWrite(S3StorageProvider owner, string relative, string key)
    {
        _owner = owner;
        _relative = relative;
        _key = key;
    }

    /// <inheritdoc />
    public int? Permissions { get; set; }

    /// <inheritdoc />
    public DateTime? IntendedLastWriteTimeUtc { get; set; }

    /// <inheritdoc />
    public Stream Stream => _stream ??= new UploadStream(_owner, _relative, _key, () => IntendedLastWriteTimeUtc);

    /// <inheritdoc />
    public StorageEntry Commit(DateTime lastWriteTimeUtc, bool overwrite)
    {
        var stream = (UploadStream)Stream;
        var utc = lastWriteTimeUtc.Kind == DateTimeKind.Local ? lastWriteTimeUtc.ToUniversalTime() : DateTime.SpecifyKind(lastWriteTimeUtc, DateTimeKind.Utc);
        var entry = stream.Commit(utc, overwrite);
        _committed = true;
        return entry;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stream?.Abandon(_committed);
        _stream = null;
    }

    /// <summary>The stream the content is written to: a temporary file, then (past the threshold) parts in flight.</summary>
    private sealed class UploadStream : Stream
    {
        private readonly S3StorageProvider _owner;
        private readonly string _relative;
        private readonly string _key;
        private readonly Func<DateTime?> _intendedTime;
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly List<Task<PartETag>> _parts = new();
        private readonly SemaphoreSlim _inFlight;
        private readonly CancellationTokenSource _abort = new();
        private FileStream? _file;
        private string? _filePath;
        private long _length;
        private string? _uploadId;
        private byte[]? _part;
        private int _partFill;
        private bool _closed;

        public UploadStream(S3StorageProvider owner, string relative, string key, Func<DateTime?> intendedTime)
        {
            _owner = owner;
            _relative = relative;
            _key = key;
            _intendedTime = intendedTime;
            _inFlight = new SemaphoreSlim(owner.Options.PartConcurrency);
        }

        private long PartSize => _owner.Options.PartSize;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => !_closed;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_closed)
            {
                throw new ObjectDisposedException(nameof(UploadStream));
            }

            _sha.AppendData(buffer, offset, count);
            if (_uploadId is null)
            {
                File().Write(buffer, offset, count);
                _length += count;
                if (_length > _owner.Options.MultipartThreshold)
                {
                    StartMultipart();
                }

                return;
            }

            _length += count;
            while (count > 0)
            {
                _part ??= ArrayPool<byte>.Shared.Rent(checked((int)PartSize));
                var n = Math.Min(count, (int)PartSize - _partFill);
                Buffer.BlockCopy(buffer, offset, _part, _partFill, n);
                _partFill += n;
                offset += n;
                count -= n;
                if (_partFill == PartSize)
                {
                    SendPart();
                }
            }
        }

        private FileStream File()
        {
            if (_file is null)
            {
                _filePath = Path.Combine(Path.GetTempPath(), "syncengine-s3-" + Guid.NewGuid().ToString("N"));
                _file = new FileStream(_filePath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                NativeFs.TryChmod(_filePath, 0x180);
            }

            return _file;
        }

        /// <summary>Starts the multipart upload and sends what the temporary file holds as parts; the file goes.</summary>
        private void StartMultipart()
        {
            var create = new InitiateMultipartUploadRequest { BucketName = _owner.Bucket, Key = _key };
            if (_intendedTime() is { } when)
            {
                // Visible at once; the commit sets the final time (and the hash) again.
                create.Metadata[S3StorageProvider.MtimeKey] = S3StorageProvider.FormatMtime(DateTime.SpecifyKind(when.Kind == DateTimeKind.Local ? when.ToUniversalTime() : when, DateTimeKind.Utc));
            }

            _uploadId = _owner.Call(_relative, ct => _owner.Client.InitiateMultipartUploadAsync(create, ct)).UploadId;
            var file = _file!;
            file.Position = 0;
            var left = file.Length;
            while (left > 0)
            {
                _part ??= ArrayPool<byte>.Shared.Rent(checked((int)PartSize));
                var want = (int)Math.Min(PartSize - _partFill, left);
                var n = file.Read(_part, _partFill, want);
                if (n <= 0)
                {
                    throw new IOException($"The temporary copy of '{_relative}' ended early.");
                }

                _partFill += n;
                left -= n;
                if (_partFill == PartSize)
                {
                    SendPart();
                }
            }

            file.Dispose();
            _file = null;
        }

        /// <summary>Sends the current part in the background (at most PartConcurrency at once); a failed part fails the write.</summary>
        private void SendPart()
        {
            ThrowIfPartFailed();
            _inFlight.Wait(_abort.Token);
            var number = _parts.Count + 1;
            var data = _part!;
            var size = _partFill;
            _part = null;
            _partFill = 0;
            _parts.Add(Task.Run(async () =>
            {
                try
                {
                    _owner.BeforePart?.Invoke(number);
                    var response = await _owner.CallAsync(_relative, ct =>
                    {
                        var request = new UploadPartRequest
                        {
                            BucketName = _owner.Bucket,
                            Key = _key,
                            UploadId = _uploadId,
                            PartNumber = number,
                            PartSize = size,
                            InputStream = new MemoryStream(data, 0, size, writable: false),
                        };
                        return _owner.Client.UploadPartAsync(request, ct);
                    }, _abort.Token).ConfigureAwait(false);
                    return new PartETag(number, response.ETag);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(data);
                    _inFlight.Release();
                }
            }));
        }

        private void ThrowIfPartFailed()
        {
            foreach (var part in _parts)
            {
                if (part.IsFaulted)
                {
                    throw Failure(part.Exception!);
                }
            }
        }

        private Exception Failure(AggregateException ex)
        {
            var inner = ex.InnerExceptions.FirstOrDefault() ?? ex;
            return inner is IOException or UnauthorizedAccessException or SyncEngineException or OperationCanceledException
                ? inner
                : new IOException($"Uploading a part of '{_relative}' failed: {inner.Message}", inner);
        }

        public StorageEntry Commit(DateTime utc, bool overwrite)
        {
            var mtime = S3StorageProvider.FormatMtime(utc);
            var sha = Hex(_sha.GetHashAndReset());
            _closed = true;
            if (_uploadId is null)
            {
                var (etag, size) = PutWhole(mtime, sha, overwrite);
                if (!string.IsNullOrEmpty(etag))
                {
                    // The PUT's answer says what landed: our bytes and metadata, under this ETag. No HEAD.
                    return S3StorageProvider.FromPut(_relative, size, mtime, etag!, sha);
                }
            }
            else
            {
                CompleteMultipart(mtime, sha, overwrite);
            }

            return _owner.Stat(_relative) ?? throw new IOException($"'{_relative}' vanished right after it was written.");
        }

        /// <summary>PUTs the object; returns the answer's ETag (null when an earlier attempt's answer was lost) and the size sent.</summary>
        private (string? ETag, long Size) PutWhole(string mtime, string sha, bool overwrite)
        {
            var file = File();
            file.Flush();
            if (!overwrite && !_owner.Capabilities.NoReplaceCommit && _owner.Stat(_relative) is not null)
            {
                throw new S3ExistsException($"'{_relative}' already exists.");
            }

            var attempt = 0;
            try
            {
                var answer = _owner.Call(_relative, async ct =>
                {
                    file.Position = 0;
                    var request = new PutObjectRequest
                    {
                        BucketName = _owner.Bucket,
                        Key = _key,
                        InputStream = new NonClosingStream(file),
                        AutoCloseStream = false,
                        AutoResetStreamPosition = false,
                        ContentType = "application/octet-stream",
                    };
                    request.Headers.ContentLength = file.Length;
                    request.Metadata[S3StorageProvider.MtimeKey] = mtime;
                    request.Metadata[S3StorageProvider.Sha256Key] = sha;
                    if (!overwrite)
                    {
                        request.IfNoneMatch = "*";
                    }

                    attempt++;
                    try
                    {
                        return await _owner.Client.PutObjectAsync(request, ct).ConfigureAwait(false);
                    }
                    catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.PreconditionFailed && attempt > 1 && IsOurs(sha, mtime))
                    {
                        return new PutObjectResponse(); // an earlier attempt landed and only its answer was lost
                    }
                });
                return (answer.ETag, file.Length);
            }
            catch (IOException ex) when (ex.HResult == 17)
            {
                throw new S3ExistsException($"'{_relative}' already exists.", ex);
            }
        }

        private bool IsOurs(string sha, string mtime)
        {
            var entry = _owner.Stat(_relative);
            return entry is not null && entry.Hashes.Get(HashAlgorithms.Sha256) == sha && S3StorageProvider.FormatMtime(entry.LastWriteTimeUtc) == mtime;
        }

        private void CompleteMultipart(string mtime, string sha, bool overwrite)
        {
            if (_partFill > 0 || _parts.Count == 0)
            {
                SendPart();
            }

            PartETag[] parts;
            try
            {
                parts = Task.WhenAll(_parts).GetAwaiter().GetResult();
            }
            catch (Exception) when (_parts.Any(p => p.IsFaulted))
            {
                throw Failure(_parts.First(p => p.IsFaulted).Exception!);
            }

            if (!overwrite && _owner.Stat(_relative) is not null)
            {
                throw new S3ExistsException($"'{_relative}' already exists.");
            }

            var complete = new CompleteMultipartUploadRequest
            {
                BucketName = _owner.Bucket,
                Key = _key,
                UploadId = _uploadId,
                PartETags = parts.OrderBy(p => p.PartNumber).ToList(),
            };
            if (!overwrite)
            {
                complete.IfNoneMatch = "*";
            }

            _owner.Call(_relative, ct => _owner.Client.CompleteMultipartUploadAsync(complete, ct));
            _uploadId = null; // completed: nothing to abort

            // The SHA-256 is known only now, after the last part, and a completed upload takes no metadata: it is set,
            // with the time when the upload did not start with it, by a server-side copy of the object onto itself
            // (no data crosses the network), only while the key holds the object this upload made. Its ETag is the MD5
            // of the parts' MD5s and "-<parts>" (RGW's CompleteMultipartUpload answers with none, so it is computed).
            var expected = MultipartETag(complete.PartETags);
            var head = _owner.TryHead(_relative, _key) ?? throw new IOException($"'{_relative}' vanished right after its upload completed.");
            if ((expected is not null && !string.Equals(head.ETag, expected, StringComparison.Ordinal)) || head.ContentLength != _length)
            {
                throw new S3ChangedException($"'{_relative}' was replaced right after its upload completed (ETag {head.ETag}, not {expected}): its time and hash are not set on what is there now.");
            }

            _owner.SetMetadata(_relative, _key, head, new Dictionary<string, string>
            {
                [S3StorageProvider.MtimeKey] = mtime,
                [S3StorageProvider.Sha256Key] = sha,
            });
        }

        /// <summary>
        /// The ETag S3 gives a multipart upload: the MD5 of the parts' MD5s, a dash and the number of parts (null when a
        /// part's ETag is no MD5: a store with another scheme, where only the size is checked).
        /// </summary>
        internal static string? MultipartETag(IReadOnlyList<PartETag> parts)
        {
            var all = new byte[parts.Count * 16];
            for (var i = 0; i < parts.Count; i++)
            {
                var hex = (parts[i].ETag ?? "").Trim('"');
                if (hex.Length != 32 || !hex.All(Uri.IsHexDigit))
                {
                    return null;
                }

                for (var b = 0; b < 16; b++)
                {
                    all[(i * 16) + b] = byte.Parse(hex.Substring(b * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                }
            }

#pragma warning disable CA5351 // the store's ETag scheme, not a security use
            using var md5 = MD5.Create();
            return "\"" + Hex(md5.ComputeHash(all)) + "-" + parts.Count.ToString(CultureInfo.InvariantCulture) + "\"";
#pragma warning restore CA5351
        }

        private static string Hex(byte[] bytes) => string.Concat(bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

        /// <summary>Drops what was written: the temporary file goes, an unfinished multipart upload is aborted.</summary>
        public void Abandon(bool committed)
        {
            _closed = true;
            _abort.Cancel();
            if (_uploadId is not null && !committed)
            {
                try
                {
                    Task.WhenAll(_parts).Wait(TimeSpan.FromSeconds(30));
                }
                catch (AggregateException)
                {
                }

                _owner.TryAbort(_key, _uploadId);
                _uploadId = null;
            }

            _file?.Dispose();
            _file = null;
            if (_part is not null)
            {
                ArrayPool<byte>.Shared.Return(_part);
                _part = null;
            }

            _sha.Dispose();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            // The staged write owns the upload; disposing the stream alone (as a using of a copy loop may) keeps it.
            base.Dispose(disposing);
        }
    }

    /// <summary>A view of the temporary file the SDK may dispose without closing it (a retry sends it again).</summary>
    private sealed class NonClosingStream : Stream
    {
        private readonly Stream _inner;

        public NonClosingStream(Stream inner) => _inner = inner;

        public override bool CanRead => true;

        public override bool CanSeek => _inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => _inner.Length;

        public override long Position
        {
            get => _inner.Position;
            set => _inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);

#if NET
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);
#endif

        public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
