using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using Amazon.S3;
using Amazon.S3.Model;
using SyncEngine.Storage;
using SyncEngine.Storage.S3;
using SyncEngine.TestSupport;

namespace SyncEngine.Core.Tests.S3;

/// <summary>The provider conformance suite against the S3 provider on a real Ceph RGW (a bucket per class, a prefix per side).</summary>
public sealed class S3ProviderConformanceTests : ProviderConformance, IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public S3ProviderConformanceTests(CephBucket bucket)
    {
        _bucket = bucket;
    }

    protected override IStorageProvider CreateProvider() => _bucket.Server.Provider(_bucket.Name, _bucket.NewPrefix());
}

/// <summary>What the store itself does that the provider relies on or declares.</summary>
public sealed class S3StoreBehaviourTests : IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public S3StoreBehaviourTests(CephBucket bucket)
    {
        _bucket = bucket;
    }

    [SkippableFact]
    public void The_gateway_honours_if_none_match_on_put()
    {
        Skip.If(_bucket.SkipReason is not null, _bucket.SkipReason);
        using var client = _bucket.Server.Client();
        var key = "probe/" + Guid.NewGuid().ToString("N");
        PutObjectRequest Put(string body) => new() { BucketName = _bucket.Name, Key = key, ContentBody = body, IfNoneMatch = "*" };
        client.PutObjectAsync(Put("first")).GetAwaiter().GetResult();
        var refused = Record.Exception(() => client.PutObjectAsync(Put("second")).GetAwaiter().GetResult());
        using var get = client.GetObjectAsync(_bucket.Name, key).GetAwaiter().GetResult();
        var body = new StreamReader(get.ResponseStream).ReadToEnd();
        Assert.Equal("first", body);
        Assert.Equal(HttpStatusCode.PreconditionFailed, Assert.IsAssignableFrom<AmazonS3Exception>(refused).StatusCode);
    }
}

/// <summary>S3-only behaviour of the provider: metadata, multipart, hostile keys, clean-up, errors, retries.</summary>
public sealed class S3ProviderTests : IClassFixture<CephBucket>
{
    private static readonly DateTime When = new(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc);
    private readonly CephBucket _bucket;

    public S3ProviderTests(CephBucket bucket)
    {
        _bucket = bucket;
    }

    private CephServer Server => _bucket.Server;

    private (S3StorageProvider Side, string Prefix) Side(S3ConnectionOptions? options = null)
    {
        var prefix = _bucket.NewPrefix();
        return (Server.Provider(_bucket.Name, prefix, options), prefix);
    }

    private static StorageEntry Write(IStorageProvider side, string path, byte[] bytes, DateTime when, bool overwrite = false, bool hint = false)
    {
        using var write = side.BeginWrite(path);
        if (hint && write is ITimedWrite timed)
        {
            timed.IntendedLastWriteTimeUtc = when;
        }

        write.Stream.Write(bytes, 0, bytes.Length);
        return write.Commit(when, overwrite);
    }

    private static byte[] Read(IStorageProvider side, string path)
    {
        using var stream = side.OpenRead(path);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string Hex(byte[] bytes) => string.Concat(bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    private GetObjectMetadataResponse Head(string key)
    {
        using var client = Server.Client();
        return client.GetObjectMetadataAsync(_bucket.Name, key).GetAwaiter().GetResult();
    }

    private List<MultipartUpload> Uploads(string prefix)
    {
        using var client = Server.Client();
        return client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _bucket.Name, Prefix = prefix + "/" }).GetAwaiter().GetResult().MultipartUploads ?? new List<MultipartUpload>();
    }

    private void Put(string key, string body)
    {
        using var client = Server.Client();
        client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket.Name, Key = key, ContentBody = body }).GetAwaiter().GetResult();
    }

    [SkippableFact]
    public void The_time_is_kept_as_rclones_mtime_the_content_hash_as_sha256_and_a_single_part_etag_is_the_md5()
    {
        var (side, prefix) = Side();
        using var _ = side;
        var bytes = Encoding.UTF8.GetBytes("hello");
        var when = new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc).AddTicks(1234567);
        Write(side, "docs/a.txt", bytes, when);

        var head = Head(prefix + "/docs/a.txt");
        Assert.Equal("1714557600.123456700", head.Metadata["x-amz-meta-mtime"]);
        Assert.Equal(Hex(System.Security.Cryptography.SHA256.HashData(bytes)), head.Metadata["x-amz-meta-sha256"]);
        var stat = side.Stat("docs/a.txt")!;
        Assert.Equal(when.Ticks, stat.MtimeTicks);
        Assert.Equal(Hex(System.Security.Cryptography.MD5.HashData(bytes)), stat.Hashes.Get(HashAlgorithms.Md5));
        Assert.Equal(Hex(System.Security.Cryptography.SHA256.HashData(bytes)), stat.Hashes.Get(HashAlgorithms.Sha256));
        Assert.NotNull(stat.VersionTag);
        Assert.Equal(RenameSupport.ServerSideCopy, side.Capabilities.Rename);
        Assert.False(side.Capabilities.HasFolders);
    }

    [SkippableTheory]
    [InlineData("1714557600.123456789", 638501544001234567L)]
    [InlineData("1714557600", 638501544000000000L)]
    [InlineData("1714557600.5", 638501544005000000L)]
    [InlineData("-2.500000000", 621355967985000000L)] // as rclone reads it: -2 s, then +0.5 s
    public void Mtime_metadata_parses_exactly_and_formats_as_rclone_does(string text, long ticks)
    {
        Assert.Equal(ticks, S3StorageProvider.ParseMtime(text)!.Value.Ticks);
        Assert.Equal(ticks - (ticks % 1), S3StorageProvider.ParseMtime(S3StorageProvider.FormatMtime(new DateTime(ticks, DateTimeKind.Utc)))!.Value.Ticks);
        Assert.Null(S3StorageProvider.ParseMtime("soon"));
        Assert.Null(S3StorageProvider.ParseMtime("1.1234567890"));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_above_the_threshold_goes_up_in_parallel_parts_and_keeps_its_time(bool hint)
    {
        var (side, prefix) = Side(Server.Options(multipartThreshold: 5 << 20, partSize: 5 << 20));
        using var _ = side;
        var bytes = new byte[(12 << 20) + 3];
        new Random(12).NextBytes(bytes);
        var when = When.AddTicks(7654321);
        var committed = Write(side, "big/blob.bin", bytes, when, hint: hint);

        Assert.Equal(bytes.Length, committed.Size);
        Assert.Equal(when.Ticks, committed.MtimeTicks);
        var head = Head(prefix + "/big/blob.bin");
        Assert.EndsWith("-3\"", head.ETag, StringComparison.Ordinal);
        var stat = side.Stat("big/blob.bin")!;
        Assert.Null(stat.Hashes.Get(HashAlgorithms.Md5)); // a multipart ETag is no MD5
        Assert.Equal(when.Ticks, stat.MtimeTicks);
        Assert.Equal(bytes, Read(side, "big/blob.bin"));
        Assert.Equal(Hex(System.Security.Cryptography.SHA256.HashData(bytes)), side.ComputeHash("big/blob.bin", CancellationToken.None));
        Assert.Empty(Uploads(prefix));
    }

    [SkippableFact]
    public void A_multipart_commit_without_overwrite_refuses_an_existing_object_and_leaves_no_parts()
    {
        var (side, prefix) = Side(Server.Options(multipartThreshold: 5 << 20, partSize: 5 << 20));
        using var _ = side;
        Write(side, "taken.bin", Encoding.UTF8.GetBytes("first"), When);
        var bytes = new byte[11 << 20];
        Assert.ThrowsAny<IOException>(() => Write(side, "taken.bin", bytes, When));
        Assert.Equal("first", Encoding.UTF8.GetString(Read(side, "taken.bin")));
        Assert.Empty(Uploads(prefix));
    }

    [SkippableFact]
    public void A_part_that_fails_aborts_the_upload_and_nothing_is_left()
    {
        var (side, prefix) = Side(Server.Options(multipartThreshold: 5 << 20, partSize: 5 << 20));
        using var _ = side;
        side.BeforePart = n =>
        {
            if (n == 2)
            {
                throw new IOException("injected: part 2 failed");
            }
        };
        var bytes = new byte[16 << 20];
        var error = Assert.ThrowsAny<IOException>(() => Write(side, "big.bin", bytes, When));
        Assert.Contains("part 2", error.Message, StringComparison.Ordinal);
        Assert.Null(side.Stat("big.bin"));
        Assert.Empty(Uploads(prefix));
    }

    [SkippableFact]
    public void Clean_up_aborts_orphaned_uploads_under_the_root_only()
    {
        var (side, prefix) = Side(Server.Options() is var o ? new S3ConnectionOptions { Endpoint = o.Endpoint, OrphanedUploadAge = TimeSpan.Zero, Retries = 1 } : null);
        using var _ = side;
        using var client = Server.Client();
        var mine = client.InitiateMultipartUploadAsync(_bucket.Name, prefix + "/left.bin").GetAwaiter().GetResult();
        var other = client.InitiateMultipartUploadAsync(_bucket.Name, prefix + "-elsewhere/left.bin").GetAwaiter().GetResult();
        Assert.Single(Uploads(prefix));

        side.CleanUp(CancellationToken.None);

        Assert.Empty(Uploads(prefix));
        Assert.Single(Uploads(prefix + "-elsewhere"));
        client.AbortMultipartUploadAsync(_bucket.Name, prefix + "-elsewhere/left.bin", other.UploadId).GetAwaiter().GetResult();
        Assert.NotNull(mine.UploadId);
    }

    [SkippableFact]
    public void Keys_that_are_no_usable_paths_are_reported_and_never_listed()
    {
        var (side, prefix) = Side();
        using var _ = side;
        Put(prefix + "/ok.txt", "ok");
        Put(prefix + "/a//b.txt", "double slash");
        Put(prefix + "/dir/%2E%2E/x.txt", "kept literally"); // harmless: a name with percent signs
        Put(prefix + "/trail/", "content in a folder name");
        Put(prefix + "/marker/", "");
        Put(prefix + "/ctl\u0001.txt", "control character");
        Put(prefix + "/.syncengine/trash/r1/f.txt", "engine's own");
        Put(prefix + "/x", "file and folder");
        Put(prefix + "/x/y.txt", "below x");
        Put(prefix + "-sibling/z.txt", "not under the root");
        using (var client = Server.Client())
        {
            // A ".." segment (the SDK would send it as is, the HTTP stack would fold it): escaped in the path.
            client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket.Name, Key = prefix + "/up/../escape.txt", ContentBody = "dot dot" }).GetAwaiter().GetResult();
        }

        var issues = new List<ScanIssue>();
        var listed = side.Enumerate(_ => true, issues.Add, CancellationToken.None).Select(e => e.Path).OrderBy(p => p, StringComparer.Ordinal).ToList();

        Assert.Equal(new[] { "dir/%2E%2E/x.txt", "ok.txt", "x/y.txt" }, listed);
        var reported = issues.Select(i => i.Path).ToList();
        Assert.Contains(reported, p => p.StartsWith("a/", StringComparison.Ordinal));
        Assert.Contains("trail/", reported);
        Assert.Contains(reported, p => p.StartsWith("ctl", StringComparison.Ordinal));
        Assert.Contains("x", reported);
        Assert.DoesNotContain(reported, p => p.Contains("marker", StringComparison.Ordinal) || p.Contains(".syncengine", StringComparison.Ordinal));
        var escape = Head(prefix + "/up/../escape.txt");
        Assert.NotNull(escape);
        Assert.Contains(reported, p => p.Contains("..", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void A_key_that_is_not_utf8_is_not_decoded()
    {
        Assert.Null(S3StorageProvider.DecodeKey("bad%FFname"));
        Assert.Equal("a b+c/ü", S3StorageProvider.DecodeKey("a+b%2Bc%2F%C3%BC"));
    }

    [SkippableFact]
    public void A_missing_bucket_is_a_clear_error()
    {
        Skip.If(_bucket.SkipReason is not null, _bucket.SkipReason);
        using var side = Server.Provider("no-such-bucket-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        var error = Assert.Throws<SyncEngineException>(() => side.RootExists());
        Assert.Equal("SyncS3BucketNotFound", error.ErrorId);
        Assert.Equal(SyncErrorKind.NotFound, error.Kind);
    }

    [SkippableFact]
    public void Wrong_credentials_are_a_clear_error_without_the_secret()
    {
        Skip.If(_bucket.SkipReason is not null, _bucket.SkipReason);
        const string secret = "NOT-THE-SECRET-5up3rS3cr3t";
        using var side = new S3StorageProvider(Server.Options(), _bucket.Name, "", new Amazon.Runtime.BasicAWSCredentials(CephServer.AccessKey, secret));
        var error = Assert.Throws<SyncEngineException>(() => side.RootExists());
        Assert.Equal("SyncS3CredentialsRefused", error.ErrorId);
        Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
        using var stranger = new S3StorageProvider(Server.Options(), _bucket.Name, "", new Amazon.Runtime.BasicAWSCredentials("NOSUCHKEY", secret));
        Assert.Equal("SyncS3CredentialsRefused", Assert.Throws<SyncEngineException>(() => stranger.RootExists()).ErrorId);
    }

    [SkippableFact]
    public void An_unreachable_endpoint_is_a_clear_error()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var side = new S3StorageProvider(new S3ConnectionOptions { Endpoint = $"http://127.0.0.1:{port}", Retries = 0 }, "bucket", "", CephServer.Credentials);
        var error = Assert.Throws<SyncEngineException>(() => side.RootExists());
        Assert.Equal("SyncS3ConnectFailed", error.ErrorId);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    private S3StorageProvider Faulty(HttpFaultPlan plan, out string prefix)
    {
        Skip.If(_bucket.SkipReason is not null, _bucket.SkipReason);
        var options = new S3ConnectionOptions
        {
            Endpoint = Server.Endpoint,
            Retries = 2,
            RetryDelay = TimeSpan.FromMilliseconds(50),
            WrapHandler = inner => new FaultyHttpHandler(inner, plan),
        };
        prefix = _bucket.NewPrefix();
        return new S3StorageProvider(options, _bucket.Name, prefix, CephServer.Credentials);
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_storm_of_503_slow_down_or_dropped_connections_is_ridden_out(bool drop)
    {
        var handler = new HttpFaultPlan { Drop = drop };
        using var side = Faulty(handler, out _);
        handler.Remaining = 8;
        var bytes = Encoding.UTF8.GetBytes("through the storm");
        Write(side, "storm.txt", bytes, When);
        handler.Remaining = 8;
        Assert.Equal(bytes, Read(side, "storm.txt"));
        handler.Remaining = 8;
        Assert.Single(side.Enumerate(_ => true, _ => { }, CancellationToken.None));
        Assert.True(handler.Faulted >= 24, $"faulted {handler.Faulted}");
    }

    [SkippableFact]
    public void A_store_that_keeps_refusing_fails_the_operation_with_an_io_error_and_nothing_lands()
    {
        var handler = new HttpFaultPlan { Affects = r => r.Method == System.Net.Http.HttpMethod.Put };
        using var side = Faulty(handler, out _);
        handler.Remaining = -1;
        var error = Assert.ThrowsAny<IOException>(() => Write(side, "never.txt", Encoding.UTF8.GetBytes("x"), When));
        Assert.Contains("SlowDown", error.Message, StringComparison.Ordinal);
        handler.Remaining = 0;
        Assert.Null(side.Stat("never.txt"));
        Assert.True(handler.Faulted >= 3, $"faulted {handler.Faulted}");
    }
}
