using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace SyncEngine.Storage.S3;

/// <summary>
/// A bucket, or a key prefix in one, on an S3-compatible store (AWSSDK.S3) as a side of a pair. Folders are implied by
/// keys (empty folders are not objects). A write is buffered in a local temporary file and PUT in one request when it
/// commits, so no temporary object is ever visible; above <see cref="S3ConnectionOptions.MultipartThreshold"/> it is
/// streamed as a multipart upload with parts sent in parallel, which the store makes visible only when it completes
/// (and which is aborted when the write fails or is abandoned). The file's modification time is kept in the object's
/// metadata under rclone's key <c>mtime</c> (seconds since 1970 with a nine-digit fraction) and the SHA-256 of its
/// content under <c>sha256</c>; an object without them (written by another tool) has its LastModified as its time. A
/// rename is a server-side copy and a delete. Throttling (503 SlowDown), server errors, timeouts and dropped
/// connections are retried with backoff, on top of the SDK's own retries; a request that still fails fails its
/// action only.
/// </summary>
public sealed class S3StorageProvider : IStorageProvider
{
    /// <summary>rclone's metadata key for the modification time.</summary>
    internal const string MtimeKey = "mtime";

    /// <summary>The metadata key for the SHA-256 of the content (lowercase hex).</summary>
    internal const string Sha256Key = "sha256";

    /// <summary>rclone's metadata key for the MD5 of a multipart upload's content (base64).</summary>
    internal const string RcloneMd5Key = "md5chksum";

    private const long MaxSinglePartCopy = 5L << 30;
    private static readonly DateTime Epoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly StorageCapabilities _capabilities;
    private readonly DateTime _openedUtc = DateTime.UtcNow;

    /// <summary>Opens a bucket (or a prefix in it) as one side of a pair; nothing is sent until the first operation.</summary>
    /// <param name="options">Endpoint, region, addressing, part sizes and retries.</param>
    /// <param name="bucket">The bucket's name.</param>
    /// <param name="prefix">The key prefix of the root, without a leading or trailing '/'; empty for the whole bucket.</param>
    /// <param name="credentials">
    /// Access key and secret (a PowerShell credential); null for the AWS SDK's standard chain (environment
    /// <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>/<c>AWS_SESSION_TOKEN</c>, <c>AWS_PROFILE</c> and the
    /// shared credentials file). Never shown.
    /// </param>
    public S3StorageProvider(S3ConnectionOptions options, string bucket, string prefix, AWSCredentials? credentials = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        if (string.IsNullOrEmpty(bucket))
        {
            throw new SyncEngineException("SyncS3OptionsInvalid", SyncErrorKind.InvalidArgument, "An S3 side needs a bucket.", bucket);
        }

        if (options.PartSize < S3ConnectionOptions.MinimumPartSize || options.MultipartThreshold < options.PartSize || options.PartConcurrency < 1)
        {
            throw new SyncEngineException("SyncS3OptionsInvalid", SyncErrorKind.InvalidArgument,
                string.Format(CultureInfo.InvariantCulture, "S3 parts must be at least 5 MiB, the multipart threshold at least one part, and at least one part sent at a time (got part {0}, threshold {1}, {2} at a time).",
                    options.PartSize, options.MultipartThreshold, options.PartConcurrency));
        }

        _bucket = bucket;
        _prefix = (prefix ?? "").Trim('/');
        var problem = _prefix.Length == 0 ? null : PathRules.ValidateRelative(_prefix);
        if (problem is not null)
        {
            throw new SyncEngineException("SyncS3RootInvalid", SyncErrorKind.InvalidArgument, $"The S3 prefix '{PathRules.Printable(prefix)}' cannot be used: {problem}.", prefix);
        }

        Root = "s3://" + bucket + (_prefix.Length == 0 ? "" : "/" + _prefix);
        OwnTimesInListing = options.HeadInListing;
        _client = CreateClient(options, credentials);
        _capabilities = new StorageCapabilities
        {
            CaseSensitive = true,
            WindowsNames = false,
            MtimePrecision = TimeSpan.FromTicks(1),
            Rename = RenameSupport.ServerSideCopy,
            HasFolders = false,
            PosixPermissions = false,
            MtimeInListing = OwnTimesInListing,
            NoReplaceCommit = options.ConditionalPut,
        };
    }

    /// <inheritdoc />
    public string Root { get; }

    /// <summary>How the store is reached (no secret in it).</summary>
    public S3ConnectionOptions Options { get; }

    /// <summary>The bucket.</summary>
    public string Bucket => _bucket;

    /// <summary>The root's key prefix (no leading or trailing '/'), empty for the whole bucket.</summary>
    public string Prefix => _prefix;

    /// <inheritdoc />
    public StorageCapabilities Capabilities => _capabilities;

    /// <summary>
    /// Whether a listing asks each object for its own modification time (a HEAD per object). False: listed entries
    /// carry LastModified and a <see cref="StorageEntry.VersionTag"/> (ETag and LastModified), and the engine asks
    /// <see cref="Stat"/> only for files whose size and tag are not the recorded ones, so a no-change run needs the
    /// listing only (<see cref="StorageCapabilities.MtimeInListing"/> false).
    /// </summary>
    internal bool OwnTimesInListing { get; }

    /// <summary>For tests: called with the part number before each part is sent (throw to make that part fail).</summary>
    internal Action<int>? BeforePart { get; set; }

    internal AmazonS3Client Client => _client;

    private static AmazonS3Client CreateClient(S3ConnectionOptions options, AWSCredentials? credentials)
    {
        var config = new AmazonS3Config
        {
            AuthenticationRegion = options.Region,
            ForcePathStyle = options.PathStyle ?? options.Endpoint is not null,
            // Ceph RGW (and other S3-compatible stores) refuse the SDK's default trailing checksums
            // (XAmzContentSHA256Mismatch): checksums only where an operation requires one.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = 3,
            Timeout = options.RequestTimeout,
            IgnoreConfiguredEndpointUrls = true,
            MaxConnectionsPerServer = 64,
        };
        if (options.Endpoint is not null)
        {
            config.ServiceURL = options.Endpoint;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        if (options.WrapHandler is { } wrap)
        {
            config.HttpClientFactory = new WrappingHttpClientFactory(wrap);
        }

        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    private sealed class WrappingHttpClientFactory : HttpClientFactory
    {
        private readonly Func<HttpMessageHandler, HttpMessageHandler> _wrap;

        public WrappingHttpClientFactory(Func<HttpMessageHandler, HttpMessageHandler> wrap) => _wrap = wrap;

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(_wrap(new HttpClientHandler { AllowAutoRedirect = false }), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }

    // ---- keys and messages

    /// <summary>The object key of a relative path, refusing one that would leave the root.</summary>
    internal string Key(string relative)
    {
        PathRules.EnsureRelative(relative);
        var key = _prefix.Length == 0 ? relative : _prefix + "/" + relative;
        if (Encoding.UTF8.GetByteCount(key) > ProviderSpec.MaxS3KeyBytes)
        {
            throw new IOException($"'{Shown(relative)}' is longer than S3's key limit of {ProviderSpec.MaxS3KeyBytes} bytes.");
        }

        return key;
    }

    private string ListPrefix => _prefix.Length == 0 ? "" : _prefix + "/";

    private string Shown(string relative) => Root + "/" + PathRules.Printable(relative);

    // ---- requests, retries and errors

    /// <summary>
    /// Runs one request, trying it again (with a growing pause) after a throttling answer, a server error, a timeout or
    /// a dropped connection, and maps what still fails to the exceptions the engine handles.
    /// </summary>
    internal T Call<T>(string relative, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken = default) =>
        CallAsync(relative, request, cancellationToken).GetAwaiter().GetResult();

    internal async Task<T> CallAsync<T>(string relative, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken = default)
    {
        var delay = Options.RetryDelay;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await request(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex, cancellationToken) && attempt < Options.Retries)
            {
                await Task.Delay(Jitter(delay), cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(8).Ticks));
            }
            catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or TaskCanceledException or WebException)
            {
                throw Map(ex, relative, cancellationToken);
            }
        }
    }

    private static TimeSpan Jitter(TimeSpan delay)
    {
        var r = ThreadLocalRandom.Next(50, 150);
        return TimeSpan.FromTicks(delay.Ticks * r / 100);
    }

    private static class ThreadLocalRandom
    {
        [ThreadStatic]
        private static Random? _random;

        public static int Next(int min, int max) => (_random ??= new Random(Guid.NewGuid().GetHashCode())).Next(min, max);
    }

    /// <summary>Whether a failed request may succeed when sent again: throttling, 5xx, timeouts, dropped connections.</summary>
    internal static bool IsTransient(Exception ex, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        switch (ex)
        {
            case AmazonServiceException service:
                if (service.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
                    or HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout || (int)service.StatusCode == 429)
                {
                    return true;
                }

                if (service.ErrorCode is "SlowDown" or "RequestTimeout" or "ServiceUnavailable" or "InternalError" or "Throttling" or "RequestTimeTooSkewed")
                {
                    return true;
                }

                return service.StatusCode == 0 && service.InnerException is not null && IsTransient(service.InnerException, cancellationToken);
            case AmazonClientException client:
                return client.InnerException is { } inner ? IsTransient(inner, cancellationToken) : !IsCredentialProblem(client);
            case HttpRequestException:
            case IOException:
            case WebException:
            case TaskCanceledException:
            case System.Net.Sockets.SocketException:
                return true;
            default:
                return ex.InnerException is { } next && IsTransient(next, cancellationToken);
        }
    }

    private static bool IsCredentialProblem(AmazonClientException ex) =>
        ex.Message.IndexOf("credential", StringComparison.OrdinalIgnoreCase) >= 0;

    /// <summary>A failed request as the exception the engine expects for it (never with a secret in it).</summary>
    internal Exception Map(Exception ex, string relative, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException(cancellationToken);
        }

        switch (ex)
        {
            case AmazonServiceException service when service.ErrorCode == "NoSuchBucket":
                return BucketMissing(service);
            case AmazonServiceException service when service.StatusCode == HttpStatusCode.NotFound || service.ErrorCode == "NoSuchKey":
                return new FileNotFoundException($"'{Shown(relative)}' does not exist.", Shown(relative), ex);
            case AmazonServiceException service when service.ErrorCode is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" or "ExpiredToken":
                return new SyncEngineException("SyncS3CredentialsRefused", SyncErrorKind.PermissionDenied,
                    $"{Options} refused the credentials ({service.ErrorCode}): check the access key and secret (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile, or -Credential).", Root, ex);
            case AmazonServiceException service when service.StatusCode == HttpStatusCode.Forbidden:
                return new UnauthorizedAccessException($"{Options} denied access to '{Shown(relative)}' ({service.ErrorCode}).", ex);
            case AmazonServiceException service when service.StatusCode == HttpStatusCode.PreconditionFailed:
                return new S3ExistsException($"'{Shown(relative)}' already exists or changed meanwhile (precondition failed).", ex);
            case AmazonServiceException service:
                return new IOException($"{Options} refused an operation on '{Shown(relative)}': {service.ErrorCode} ({(int)service.StatusCode}) {service.Message}", ex);
            case AmazonClientException client when IsCredentialProblem(client) && client.InnerException is null:
                return new SyncEngineException("SyncS3CredentialsMissing", SyncErrorKind.InvalidArgument,
                    "No S3 credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or the shared credentials file), or give -Credential.", Root, ex);
            default:
                return new IOException($"Cannot reach {Options} for '{Shown(relative)}': {Innermost(ex).Message}", ex);
        }
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null && ex is not System.Net.Sockets.SocketException)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    private SyncEngineException BucketMissing(Exception? inner) =>
        new("SyncS3BucketNotFound", SyncErrorKind.NotFound, $"The bucket '{_bucket}' does not exist on {Options}: create it first (SyncEngine never creates buckets).", Root, inner);

    private static bool IsNotFound(Exception ex) => ex is AmazonServiceException { StatusCode: HttpStatusCode.NotFound } s && s.ErrorCode != "NoSuchBucket";

    // ---- root

    /// <inheritdoc />
    /// <remarks>
    /// True when the bucket exists (a prefix is implied by keys, so an empty one exists as a folder with no files
    /// does). A missing bucket, refused credentials or an unreachable store are errors, never "no root".
    /// </remarks>
    public bool RootExists()
    {
        try
        {
            Call("", ct => _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = ListPrefix, MaxKeys = 1 }, ct));
            return true;
        }
        catch (FileNotFoundException ex)
        {
            throw BucketMissing(ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SyncEngineException("SyncS3AccessDenied", SyncErrorKind.PermissionDenied, $"{Options} denied listing the bucket '{_bucket}': {ex.Message}", Root, ex);
        }
        catch (IOException ex)
        {
            throw new SyncEngineException("SyncS3ConnectFailed", SyncErrorKind.IOError, $"Cannot use {Root} on {Options}: {ex.Message}", Root, ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>A prefix needs no creating; a missing bucket is an error (buckets are never created).</remarks>
    public void CreateRoot() => RootExists();

    // ---- listing

    /// <inheritdoc />
    /// <remarks>
    /// One flat, paged listing (ListObjectsV2) of every key under the root. Keys that are not usable paths (<c>..</c>,
    /// empty segments, a leading '/', NUL or other control characters, invalid UTF-8, a name that is both a file and a
    /// folder) and objects whose key ends in '/' with content are reported and never synchronized; an empty object
    /// whose key ends in '/' is a folder marker (as consoles make them) and is left out silently.
    /// </remarks>
    public IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken)
    {
        var side = SyncSide.Source; // The scanner rewrites the side of issues.
        var folders = new Dictionary<string, bool>(StringComparer.Ordinal);
        var files = new List<(string Rel, S3Object Obj)>();
        var listPrefix = ListPrefix;
        string? token = null;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = listPrefix, ContinuationToken = token, Encoding = EncodingType.Url };
            ListObjectsV2Response page;
            try
            {
                page = Call("", ct => _client.ListObjectsV2Async(request, ct), cancellationToken);
            }
            catch (FileNotFoundException ex)
            {
                throw BucketMissing(ex);
            }

            foreach (var obj in page.S3Objects ?? new List<S3Object>())
            {
                var key = DecodeKey(obj.Key);
                if (key is null)
                {
                    onIssue(new ScanIssue(side, PathRules.Printable(obj.Key), "key is not valid UTF-8: not synchronized"));
                    continue;
                }

                obj.Key = key;
                var rel = key.StartsWith(listPrefix, StringComparison.Ordinal) ? key.Substring(listPrefix.Length) : key;
                var admitted = Admit(rel, obj, side, onIssue);
                if (admitted is not null && Included(admitted, includeFolder, folders))
                {
                    files.Add((admitted, obj));
                }
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        // A key that is also the folder of other keys ("a" and "a/b") cannot be both on a file system.
        var kept = new List<(string Rel, S3Object Obj)>(files.Count);
        foreach (var file in files)
        {
            if (folders.ContainsKey(file.Rel))
            {
                onIssue(new ScanIssue(side, file.Rel, "is both an object and the folder of other objects: not synchronized"));
            }
            else
            {
                kept.Add(file);
            }
        }

        return OwnTimesInListing ? WithOwnTimes(kept, cancellationToken) : kept.Select(f => FromListing(f.Rel, f.Obj));
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// A key as listed with <c>encoding-type=url</c> (so that any byte survives the XML), decoded: %XX escapes and
    /// '+' for a space (a literal '+' is always escaped), then strict UTF-8. Null when the bytes are not valid UTF-8.
    /// </summary>
    internal static string? DecodeKey(string encoded)
    {
        if (encoded.IndexOf('%') < 0 && encoded.IndexOf('+') < 0)
        {
            return encoded;
        }

        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%' && i + 2 < encoded.Length && IsHex(encoded[i + 1]) && IsHex(encoded[i + 2]))
            {
                bytes.Add((byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2])));
                i += 2;
            }
            else if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else
            {
                var end = char.IsHighSurrogate(c) && i + 1 < encoded.Length ? 2 : 1;
                bytes.AddRange(Encoding.UTF8.GetBytes(encoded.Substring(i, end)));
                i += end - 1;
            }
        }

        try
        {
            return StrictUtf8.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static bool IsHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>The relative path of a listed key, or null when it is left out (reported unless it is the engine's own or a folder marker).</summary>
    private static string? Admit(string rel, S3Object obj, SyncSide side, Action<ScanIssue> onIssue)
    {
        if (rel.Length == 0)
        {
            return null; // the root's own folder marker
        }

        var first = rel.IndexOf('/');
        if (string.Equals(first < 0 ? rel : rel.Substring(0, first), PathRules.EngineFolder, StringComparison.Ordinal) && first > 0)
        {
            return null;
        }

        if (rel.IndexOf('\uFFFD') >= 0)
        {
            onIssue(new ScanIssue(side, PathRules.Printable(rel), "key is not valid UTF-8: not synchronized"));
            return null;
        }

        if (rel[rel.Length - 1] == '/')
        {
            var folder = rel.TrimEnd('/');
            if ((obj.Size ?? 0) == 0 && folder.Length > 0 && PathRules.ValidateRelative(folder) is null && folder.Length == rel.Length - 1)
            {
                return null; // a folder marker: folders are implied by keys, an empty one is not synchronized
            }

            onIssue(new ScanIssue(side, PathRules.Printable(rel), "key ends with '/', so it names a folder, not a file: not synchronized"));
            return null;
        }

        var problem = PathRules.ValidateRelative(rel);
        if (problem is not null)
        {
            onIssue(new ScanIssue(side, PathRules.Printable(rel), problem));
            return null;
        }

        return rel;
    }

    /// <summary>Whether every folder above a file is included (asked once per folder, top down).</summary>
    private static bool Included(string rel, Func<string, bool> includeFolder, Dictionary<string, bool> folders)
    {
        var at = rel.IndexOf('/');
        while (at > 0)
        {
            var folder = rel.Substring(0, at);
            if (!folders.TryGetValue(folder, out var included))
            {
                included = includeFolder(folder);
                folders[folder] = included;
            }

            if (!included)
            {
                return false;
            }

            at = rel.IndexOf('/', at + 1);
        }

        return true;
    }

    /// <summary>A listed object as an entry: LastModified as its time, a single-part ETag as its MD5, ETag and LastModified as its tag.</summary>
    private static StorageEntry FromListing(string rel, S3Object obj)
    {
        var modified = ToUtc(obj.LastModified);
        return new StorageEntry(rel, EntryKind.File, obj.Size ?? 0, modified.Ticks, hashes: HashesOf(obj.ETag, null))
        {
            VersionTag = TagOf(obj.ETag, modified),
        };
    }

    /// <summary>The listed entries with each file's own time, asked by HEAD requests sent in parallel.</summary>
    private IEnumerable<StorageEntry> WithOwnTimes(List<(string Rel, S3Object Obj)> files, CancellationToken cancellationToken)
    {
        var results = new StorageEntry?[files.Count];
        using var gate = new SemaphoreSlim(Math.Max(1, Options.ListConcurrency));
        var tasks = new List<Task>(files.Count);
        for (var i = 0; i < files.Count; i++)
        {
            var index = i;
            tasks.Add(Task.Run(async () =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var (rel, obj) = files[index];
                    try
                    {
                        var head = await CallAsync(rel, ct => _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = obj.Key }, ct), cancellationToken).ConfigureAwait(false);
                        results[index] = FromHead(rel, head);
                    }
                    catch (FileNotFoundException)
                    {
                        results[index] = null; // deleted since it was listed
                    }
                }
                finally
                {
                    gate.Release();
                }
            }, cancellationToken));
        }

        try
        {
            Task.WaitAll(tasks.ToArray(), cancellationToken);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            throw ex.InnerExceptions[0] is IOException or UnauthorizedAccessException or SyncEngineException or OperationCanceledException
                ? ex.InnerExceptions[0]
                : new IOException($"Listing {Root} failed: {ex.InnerExceptions[0].Message}", ex.InnerExceptions[0]);
        }

        return results.Where(r => r is not null).Select(r => r!);
    }

    private static DateTime ToUtc(DateTime? time)
    {
        var t = time ?? Epoch;
        return t.Kind == DateTimeKind.Utc ? t : t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc);
    }

    /// <summary>
    /// An object version's tag: its ETag and LastModified in whole seconds. A listing gives LastModified to the
    /// millisecond, a HEAD's Last-Modified header to the second; the tag must be the same either way, or a version
    /// recorded after its upload (a HEAD) would never match its listing and every no-change run would HEAD it again.
    /// </summary>
    internal static string TagOf(string? etag, DateTime lastModified) =>
        (etag ?? "").Trim('"') + "@" + (lastModified.Ticks - (lastModified.Ticks % TimeSpan.TicksPerSecond)).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The entry of an object this provider just PUT, from what it sent and the answer's ETag (no HEAD: the answer has
    /// no LastModified). Its tag is pending, "ETag@", and the next listing completes it
    /// (<see cref="State.StateRecord.TagMatches"/>).
    /// </summary>
    internal static StorageEntry FromPut(string rel, long size, string mtime, string etag, string sha256)
    {
        var hashes = HashesOf(etag, null);
        if (HashAlgorithms.IsValid(HashAlgorithms.Sha256, sha256))
        {
            hashes = hashes.With(HashAlgorithms.Sha256, sha256);
        }

        var time = ParseMtime(mtime) ?? throw new InvalidOperationException("an mtime of our own that does not parse: " + mtime);
        return new StorageEntry(rel, EntryKind.File, size, time.Ticks, hashes: hashes) { VersionTag = etag.Trim('"') + "@" };
    }

    /// <summary>
    /// The hashes an object gives without being read: its ETag as MD5 when it was uploaded in one part (32 hex digits;
    /// a multipart ETag "…-N" is no MD5), rclone's <c>md5chksum</c> and our <c>sha256</c> metadata.
    /// </summary>
    internal static ContentHashes HashesOf(string? etag, MetadataCollection? metadata)
    {
        var hashes = ContentHashes.None;
        var md5 = (etag ?? "").Trim('"').ToLowerInvariant();
        if (HashAlgorithms.IsValid(HashAlgorithms.Md5, md5))
        {
            hashes = hashes.With(HashAlgorithms.Md5, md5);
        }
        else if (Meta(metadata, RcloneMd5Key) is { } b64 && FromBase64Hex(b64) is { } rcloneMd5 && HashAlgorithms.IsValid(HashAlgorithms.Md5, rcloneMd5))
        {
            hashes = hashes.With(HashAlgorithms.Md5, rcloneMd5);
        }

        if (Meta(metadata, Sha256Key) is { } sha && HashAlgorithms.IsValid(HashAlgorithms.Sha256, sha))
        {
            hashes = hashes.With(HashAlgorithms.Sha256, sha);
        }

        return hashes;
    }

    private static string? FromBase64Hex(string b64)
    {
        try
        {
            var bytes = Convert.FromBase64String(b64);
            return string.Concat(bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? Meta(MetadataCollection? metadata, string key)
    {
        if (metadata is null)
        {
            return null;
        }

        foreach (var k in metadata.Keys)
        {
            var bare = k.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? k.Substring(11) : k;
            if (string.Equals(bare, key, StringComparison.OrdinalIgnoreCase))
            {
                return metadata[k];
            }
        }

        return null;
    }

    /// <summary>An object's HEAD as an entry: its own time from the <c>mtime</c> metadata, else LastModified.</summary>
    private static StorageEntry FromHead(string rel, GetObjectMetadataResponse head)
    {
        var modified = ToUtc(head.LastModified);
        var mtime = ParseMtime(Meta(head.Metadata, MtimeKey)) ?? modified;
        return new StorageEntry(rel, EntryKind.File, head.ContentLength, mtime.Ticks, hashes: HashesOf(head.ETag, head.Metadata))
        {
            VersionTag = TagOf(head.ETag, modified),
        };
    }

    /// <summary>rclone's <c>mtime</c>: seconds since 1970, a '.' and up to nine digits of fraction (exact, no float).</summary>
    internal static DateTime? ParseMtime(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var s = text!.Trim();
        var dot = s.IndexOf('.');
        var whole = dot < 0 ? s : s.Substring(0, dot);
        var fraction = dot < 0 ? "" : s.Substring(dot + 1);
        if (!long.TryParse(whole, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) || fraction.Length > 9 || fraction.Any(c => c < '0' || c > '9'))
        {
            return null;
        }

        var nanos = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(9, '0'), CultureInfo.InvariantCulture);
        try
        {
            var ticks = checked(Epoch.Ticks + (seconds * TimeSpan.TicksPerSecond) + (nanos / 100));
            return ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks ? null : new DateTime(ticks, DateTimeKind.Utc);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>A time as rclone writes <c>mtime</c>: whole seconds (rounded down) and a nine-digit fraction.</summary>
    internal static string FormatMtime(DateTime utc)
    {
        var ticks = utc.Ticks - Epoch.Ticks;
        var seconds = ticks >= 0 ? ticks / TimeSpan.TicksPerSecond : -((-ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
        var rest = ticks - (seconds * TimeSpan.TicksPerSecond);
        return seconds.ToString(CultureInfo.InvariantCulture) + "." + (rest * 100).ToString("D9", CultureInfo.InvariantCulture);
    }

    // ---- single objects

    /// <inheritdoc />
    public StorageEntry? Stat(string path)
    {
        var key = Key(path);
        var head = TryHead(path, key);
        return head is null ? null : FromHead(path, head);
    }

    internal GetObjectMetadataResponse? TryHead(string path, string key)
    {
        try
        {
            return Call(path, async ct =>
            {
                try
                {
                    return await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, ct).ConfigureAwait(false);
                }
                catch (AmazonS3Exception ex) when (IsNotFound(ex))
                {
                    return null;
                }
            });
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Streams the object. A connection dropped while reading is resumed from where it stopped with a ranged GET
    /// that must match the first answer's ETag, so a replaced object is never read half old, half new.
    /// </remarks>
    public Stream OpenRead(string path)
    {
        var key = Key(path);
        var response = Call(path, ct => _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, ct));
        return new S3ReadStream(this, path, key, response);
    }

    /// <inheritdoc />
    public IStagedWrite BeginWrite(string path)
    {
        var key = Key(path);
        return new S3StagedWrite(this, path, key);
    }

    /// <inheritdoc />
    /// <remarks>A server-side copy (of the version looked at, by ETag) and a delete of the original.</remarks>
    public void Move(string fromPath, string toPath, bool overwrite)
    {
        var fromKey = Key(fromPath);
        var toKey = Key(toPath);
        var source = TryHead(fromPath, fromKey) ?? throw new FileNotFoundException($"'{Shown(fromPath)}' does not exist.", Shown(fromPath));
        if (string.Equals(fromKey, toKey, StringComparison.Ordinal))
        {
            return;
        }

        if (!overwrite && TryHead(toPath, toKey) is not null)
        {
            throw new S3ExistsException($"'{Shown(toPath)}' already exists.");
        }

        ServerCopy(fromPath, fromKey, source, toPath, toKey, null);
        DeleteIfUnchanged(fromPath, fromKey, source, toPath);
    }

    /// <summary>
    /// Deletes the original of a move only while it is still the version that was copied: it is looked up again (ETag,
    /// LastModified and size must match), and the delete carries <c>If-Match</c> with the ETag (honoured by AWS and
    /// newer gateways; RGW 16 ignores it, so there the check just before is what guards, leaving only the time
    /// between the two requests). A source written anew meanwhile stays where it is, beside the copy, and the move
    /// fails (an IOException), so the engine never records it as done and the next run sees both.
    /// </summary>
    private void DeleteIfUnchanged(string fromPath, string fromKey, GetObjectMetadataResponse copied, string toPath)
    {
        var now = TryHead(fromPath, fromKey);
        if (now is null)
        {
            return; // deleted meanwhile: nothing of it is lost, the copy holds the version looked at
        }

        if (!SameVersion(copied, now))
        {
            throw ChangedDuringMove(fromPath, toPath, null);
        }

        try
        {
            Call(fromPath, ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = fromKey, IfMatch = copied.ETag }, ct));
        }
        catch (S3ExistsException ex)
        {
            throw ChangedDuringMove(fromPath, toPath, ex);
        }
    }

    /// <summary>
    /// Sets metadata values on an object by a server-side copy onto itself (the rest of its metadata kept), only while
    /// it is the version <paramref name="head"/> describes.
    /// </summary>
    internal void SetMetadata(string path, string key, GetObjectMetadataResponse head, IReadOnlyDictionary<string, string> set) =>
        ServerCopy(path, key, head, path, key, set);

    private static bool SameVersion(GetObjectMetadataResponse a, GetObjectMetadataResponse b) =>
        string.Equals(a.ETag, b.ETag, StringComparison.Ordinal) && a.ContentLength == b.ContentLength
        && ToUtc(a.LastModified) == ToUtc(b.LastModified)
        && string.Equals(Meta(a.Metadata, MtimeKey), Meta(b.Metadata, MtimeKey), StringComparison.Ordinal);

    private IOException ChangedDuringMove(string fromPath, string toPath, Exception? inner) =>
        new S3ChangedException($"'{Shown(fromPath)}' changed while it was being moved to '{Shown(toPath)}': the new version stays at '{Shown(fromPath)}', the version that was moved is at '{Shown(toPath)}'.", inner);

    /// <inheritdoc />
    /// <remarks>
    /// A server-side copy: no data crosses the network. The copy keeps the original's metadata (time, SHA-256); an
    /// original without an <c>mtime</c> gets its LastModified there, so the kept version has the time it had.
    /// </remarks>
    public void PreserveCopy(string path, string copyPath)
    {
        var fromKey = Key(path);
        var toKey = Key(copyPath);
        var source = TryHead(path, fromKey) ?? throw new FileNotFoundException($"'{Shown(path)}' does not exist.", Shown(path));
        var extra = Meta(source.Metadata, MtimeKey) is null ? new Dictionary<string, string> { [MtimeKey] = FormatMtime(ToUtc(source.LastModified)) } : null;
        ServerCopy(path, fromKey, source, copyPath, toKey, extra);
    }

    /// <summary>
    /// Copies an object on the server, only while it is still the version <paramref name="source"/> describes (by
    /// ETag); with <paramref name="set"/> the copy gets those metadata values (the rest kept).
    /// </summary>
    private void ServerCopy(string fromPath, string fromKey, GetObjectMetadataResponse source, string toPath, string toKey, IReadOnlyDictionary<string, string>? set)
    {
        var etag = source.ETag;
        if (source.ContentLength > MaxSinglePartCopy)
        {
            MultipartCopy(fromPath, fromKey, source, toPath, toKey, set);
            return;
        }

        var request = new CopyObjectRequest
        {
            SourceBucket = _bucket,
            SourceKey = fromKey,
            DestinationBucket = _bucket,
            DestinationKey = toKey,
            ETagToMatch = etag,
        };
        if (set is not null)
        {
            request.MetadataDirective = S3MetadataDirective.REPLACE;
            CopyMetadata(source.Metadata, request.Metadata);
            foreach (var pair in set)
            {
                request.Metadata[pair.Key] = pair.Value;
            }

            if (!string.IsNullOrEmpty(source.Headers.ContentType))
            {
                request.ContentType = source.Headers.ContentType;
            }
        }

        Call(toPath, ct => _client.CopyObjectAsync(request, ct));
    }

    private static void CopyMetadata(MetadataCollection from, MetadataCollection to)
    {
        foreach (var k in from.Keys)
        {
            var bare = k.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? k.Substring(11) : k;
            to[bare] = from[k];
        }
    }

    private void MultipartCopy(string fromPath, string fromKey, GetObjectMetadataResponse source, string toPath, string toKey, IReadOnlyDictionary<string, string>? set)
    {
        var create = new InitiateMultipartUploadRequest { BucketName = _bucket, Key = toKey };
        CopyMetadata(source.Metadata, create.Metadata);
        foreach (var pair in set ?? new Dictionary<string, string>())
        {
            create.Metadata[pair.Key] = pair.Value;
        }

        if (!string.IsNullOrEmpty(source.Headers.ContentType))
        {
            create.ContentType = source.Headers.ContentType;
        }

        var uploadId = Call(toPath, ct => _client.InitiateMultipartUploadAsync(create, ct)).UploadId;
        try
        {
            var parts = new List<PartETag>();
            var partSize = Math.Max(Options.PartSize, (source.ContentLength / 9_000) + 1);
            var number = 1;
            for (long at = 0; at < source.ContentLength; at += partSize, number++)
            {
                var n = number;
                var last = Math.Min(at + partSize, source.ContentLength) - 1;
                var request = new CopyPartRequest
                {
                    SourceBucket = _bucket,
                    SourceKey = fromKey,
                    DestinationBucket = _bucket,
                    DestinationKey = toKey,
                    UploadId = uploadId,
                    PartNumber = n,
                    FirstByte = at,
                    LastByte = last,
                    ETagToMatch = new List<string> { source.ETag },
                };
                var part = Call(toPath, ct => _client.CopyPartAsync(request, ct));
                parts.Add(new PartETag(n, part.ETag));
            }

            Call(toPath, ct => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = _bucket, Key = toKey, UploadId = uploadId, PartETags = parts }, ct));
        }
        catch
        {
            TryAbort(toKey, uploadId);
            throw;
        }
    }

    /// <inheritdoc />
    public void Delete(string path)
    {
        var key = Key(path);
        Call(path, ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key }, ct));
    }

    /// <inheritdoc />
    /// <remarks>Folders are implied by keys: a folder with no files left is gone already.</remarks>
    public void RemoveEmptyParents(string path) => PathRules.EnsureRelative(path);

    /// <inheritdoc />
    /// <remarks>The <c>sha256</c> the object's metadata holds (written with this content at upload), else by reading it.</remarks>
    public string ComputeHash(string path, CancellationToken cancellationToken)
    {
        var key = Key(path);
        var head = TryHead(path, key) ?? throw new FileNotFoundException($"'{Shown(path)}' does not exist.", Shown(path));
        if (Meta(head.Metadata, Sha256Key) is { } sha && HashAlgorithms.IsValid(HashAlgorithms.Sha256, sha))
        {
            return sha;
        }

        using var stream = OpenRead(path);
        return Hashing.Sha256Hex(stream, cancellationToken);
    }

    // ---- clean-up

    /// <inheritdoc />
    /// <remarks>
    /// Aborts multipart uploads under the root that an interrupted run left (older than
    /// <see cref="S3ConnectionOptions.OrphanedUploadAge"/>), so their parts stop taking space. No temporary objects
    /// are ever written, so there are none to remove; trash retention is the engine's.
    /// </remarks>
    public void CleanUp(CancellationToken cancellationToken)
    {
        try
        {
            AbortOrphanedUploads(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <inheritdoc />
    /// <remarks>Folders are key prefixes: the names of the common prefixes directly under the engine folder's one.</remarks>
    public IReadOnlyList<string> ListEngineFolders(string engineFolder)
    {
        var relative = PathRules.EngineFolder + "/" + engineFolder;
        PathRules.EnsureRelative(relative);
        return ListFolders(relative, CancellationToken.None);
    }

    /// <inheritdoc />
    public void DeleteEngineFolder(string engineFolder, CancellationToken cancellationToken)
    {
        var relative = PathRules.EngineFolder + "/" + engineFolder;
        PathRules.EnsureRelative(relative);
        DeleteUnder(relative, cancellationToken);
    }

    /// <summary>The names of the folders directly under a relative folder (common prefixes).</summary>
    private List<string> ListFolders(string relativeFolder, CancellationToken cancellationToken)
    {
        var prefix = Key(relativeFolder) + "/";
        var names = new List<string>();
        string? token = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = prefix, Delimiter = "/", ContinuationToken = token };
            var page = Call(relativeFolder, ct => _client.ListObjectsV2Async(request, ct), cancellationToken);
            foreach (var common in page.CommonPrefixes ?? new List<string>())
            {
                var name = common.Substring(prefix.Length).TrimEnd('/');
                if (name.Length > 0)
                {
                    names.Add(name);
                }
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return names;
    }

    /// <summary>Deletes every object under a relative folder (a few at a time).</summary>
    private void DeleteUnder(string relativeFolder, CancellationToken cancellationToken)
    {
        var prefix = Key(relativeFolder) + "/";
        var keys = new List<string>();
        string? token = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = prefix, ContinuationToken = token };
            var page = Call(relativeFolder, ct => _client.ListObjectsV2Async(request, ct), cancellationToken);
            keys.AddRange((page.S3Objects ?? new List<S3Object>()).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        // One DELETE per object: multi-object delete needs a Content-MD5 that not every store's checksum rules agree on.
        Parallel.ForEach(keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            key => Call(relativeFolder, ct => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key }, ct), cancellationToken));
    }

    /// <summary>Aborts the multipart uploads under the root started longer ago than the orphan age.</summary>
    internal int AbortOrphanedUploads(CancellationToken cancellationToken)
    {
        var cutoff = DateTime.UtcNow - Options.OrphanedUploadAge;
        var aborted = 0;
        string? keyMarker = null;
        string? idMarker = null;
        do
        {
            var request = new ListMultipartUploadsRequest { BucketName = _bucket, Prefix = ListPrefix, KeyMarker = keyMarker, UploadIdMarker = idMarker };
            var page = Call("", ct => _client.ListMultipartUploadsAsync(request, ct), cancellationToken);
            foreach (var upload in page.MultipartUploads ?? new List<MultipartUpload>())
            {
                if (ToUtc(upload.Initiated) <= cutoff)
                {
                    TryAbort(upload.Key, upload.UploadId);
                    aborted++;
                }
            }

            var more = page.IsTruncated == true;
            keyMarker = more ? page.NextKeyMarker : null;
            idMarker = more ? page.NextUploadIdMarker : null;
        }
        while (keyMarker is not null);
        return aborted;
    }

    internal void TryAbort(string key, string uploadId)
    {
        try
        {
            Call("", ct => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = uploadId }, ct));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
        {
            // Left for the next clean-up (it is listed there as an orphan).
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    // ---- reading

    /// <summary>An object's content as a stream; a dropped connection resumes at the same offset of the same version.</summary>
    private sealed class S3ReadStream : ForwardReadStream
    {
        private readonly S3StorageProvider _owner;
        private readonly string _relative;
        private readonly string _key;
        private readonly string _etag;
        private readonly long _length;
        private GetObjectResponse _response;
        private Stream _body;
        private long _position;
        private int _resumes;

        public S3ReadStream(S3StorageProvider owner, string relative, string key, GetObjectResponse response)
        {
            _owner = owner;
            _relative = relative;
            _key = key;
            _response = response;
            _body = response.ResponseStream;
            _etag = response.ETag;
            _length = response.ContentLength;
        }

        public override long Length => _length;

        public override long Position
        {
            get => _position;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (true)
            {
                try
                {
                    var n = _body.Read(buffer, offset, count);
                    if (n == 0 && _position < _length && count > 0)
                    {
                        throw new IOException("the connection closed before the end of the object");
                    }

                    _position += n;
                    return n;
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException && _resumes < _owner.Options.Retries + 1)
                {
                    _resumes++;
                    Resume(ex);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException)
                {
                    throw new IOException($"Reading '{_owner.Shown(_relative)}' from {_owner.Options} failed: {ex.Message}", ex);
                }
            }
        }

        private void Resume(Exception cause)
        {
            _response.Dispose();
            var request = new GetObjectRequest
            {
                BucketName = _owner._bucket,
                Key = _key,
                EtagToMatch = _etag,
                ByteRange = new ByteRange(_position, Math.Max(_position, _length - 1)),
            };
            try
            {
                _response = _owner.Call(_relative, ct => _owner._client.GetObjectAsync(request, ct));
            }
            catch (IOException ex) when (ex.HResult == 17)
            {
                throw new IOException($"'{_owner.Shown(_relative)}' changed while it was being read ({cause.Message}).", ex);
            }

            _body = _response.ResponseStream;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
