using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using Amazon.S3;
using Amazon.S3.Model;
using SyncEngine.Core.Tests.Support;
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
    public void A_listed_object_and_its_head_give_the_same_version_tag()
    {
        var (side, _) = Side();
        using var __ = side;
        Write(side, "a.txt", Encoding.UTF8.GetBytes("a"), new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc));
        var listed = Assert.Single(side.Enumerate(_ => true, _ => { }, CancellationToken.None));
        Assert.NotNull(listed.VersionTag);
        Assert.Equal(side.Stat("a.txt")!.VersionTag, listed.VersionTag);
    }

    [Fact]
    public void The_version_tag_keeps_whole_seconds_of_last_modified_and_the_etag_without_quotes()
    {
        var at = new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc);
        Assert.Equal(S3StorageProvider.TagOf("\"abc\"", at), S3StorageProvider.TagOf("abc", at.AddMilliseconds(999)));
        Assert.NotEqual(S3StorageProvider.TagOf("abc", at), S3StorageProvider.TagOf("abc", at.AddSeconds(1)));
        Assert.NotEqual(S3StorageProvider.TagOf("abc", at), S3StorageProvider.TagOf("abd", at));
    }

    [SkippableFact]
    public void A_no_change_sync_to_a_bucket_needs_the_listing_only()
    {
        Skip.If(Server.SkipReason is not null, Server.SkipReason);
        using var t = new TestPair();
        for (var i = 0; i < 30; i++)
        {
            t.Write(SyncSide.Source, $"d{i % 3}/f{i:D2}.txt", "content " + i);
        }

        var pair = Sync.PairOf(t, SyncMode.SourceToDestination);
        var prefix = _bucket.NewPrefix();
        using (var s3 = new HookedProvider(Server.Provider(_bucket.Name, prefix)))
        {
            Assert.Equal(30, Sync.Run(pair, new LocalStorageProvider(t.Source), s3).Summary.Succeeded);
            Assert.Equal(0, s3.StatCount); // an upload's PUT answer is its record: no HEAD after it
        }

        // The first no-change run completes the pending tags from the listing, the next finds them whole: no HEAD.
        for (var run = 0; run < 2; run++)
        {
            using var again = new HookedProvider(Server.Provider(_bucket.Name, prefix));
            var next = Sync.Run(pair, new LocalStorageProvider(t.Source), again);
            Assert.Equal(0, next.Summary.Succeeded + next.Summary.Failed);
            Assert.Equal(0, again.StatCount);
        }

        // An object replaced behind the engine's back (same size, other content) is still seen: its ETag differs.
        using (var client = Server.Client())
        {
            client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket.Name, Key = prefix + "/d0/f00.txt", ContentBody = "CONTENT 0" }).GetAwaiter().GetResult();
        }

        var changed = Sync.Run(pair, new LocalStorageProvider(t.Source), Server.Provider(_bucket.Name, prefix));
        Assert.Equal(1, changed.Summary.Succeeded);
        using var check = Server.Provider(_bucket.Name, prefix);
        Assert.Equal("content 0", Encoding.UTF8.GetString(Read(check, "d0/f00.txt")));
    }

    [Theory]
    [InlineData("e1@600", "e1@600", true)]
    [InlineData("e1@", "e1@600", true)] // pending: the listing completes it
    [InlineData("e1@", "e2@600", false)]
    [InlineData("e1@6", "e1@600", false)] // a whole tag is never a prefix
    [InlineData("@", "@600", false)] // no ETag, nothing known
    public void A_pending_tag_is_completed_only_by_a_listing_of_the_same_etag(string recorded, string listed, bool matches) =>
        Assert.Equal(matches, SyncEngine.State.StateRecord.TagMatches(recorded, listed));

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
        var sha = Hex(System.Security.Cryptography.SHA256.HashData(bytes));
        Assert.Equal(sha, head.Metadata["x-amz-meta-sha256"]); // known after the last part, set at commit
        Assert.Equal(S3StorageProvider.FormatMtime(when), head.Metadata["x-amz-meta-mtime"]);
        var stat = side.Stat("big/blob.bin")!;
        Assert.Null(stat.Hashes.Get(HashAlgorithms.Md5)); // a multipart ETag is no MD5
        Assert.Equal(sha, stat.Hashes.Get(HashAlgorithms.Sha256));
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

    private static bool IsCopyTo(System.Net.Http.HttpRequestMessage request, string key) =>
        request.Method == System.Net.Http.HttpMethod.Put && request.Headers.Contains("x-amz-copy-source")
        && Uri.UnescapeDataString(request.RequestUri!.AbsolutePath).EndsWith("/" + key, StringComparison.Ordinal);

    [SkippableFact]
    public void A_move_whose_source_is_written_anew_between_copy_and_delete_fails_and_keeps_the_new_version()
    {
        var plan = new HttpFaultPlan();
        using var side = Faulty(plan, out var prefix);
        Write(side, "old/name.txt", Encoding.UTF8.GetBytes("version one"), When);
        var raced = 0;
        plan.AfterResponse = (request, response) =>
        {
            // Someone else writes the source right after the server-side copy, before the provider deletes it.
            if (response.IsSuccessStatusCode && IsCopyTo(request, prefix + "/new/name.txt") && Interlocked.Exchange(ref raced, 1) == 0)
            {
                Put(prefix + "/old/name.txt", "version two, written meanwhile");
            }
        };

        var error = Assert.ThrowsAny<IOException>(() => side.Move("old/name.txt", "new/name.txt", overwrite: false));

        Assert.Equal(1, raced);
        Assert.Contains("changed while it was being moved", error.Message, StringComparison.Ordinal);
        Assert.Equal("version two, written meanwhile", Encoding.UTF8.GetString(Read(side, "old/name.txt")));
        Assert.Equal("version one", Encoding.UTF8.GetString(Read(side, "new/name.txt")));

        // Without a race the same move goes through and the original goes.
        plan.AfterResponse = null;
        side.Move("new/name.txt", "moved.txt", overwrite: false);
        Assert.Null(side.Stat("new/name.txt"));
        Assert.Equal("version one", Encoding.UTF8.GetString(Read(side, "moved.txt")));
    }

    [SkippableFact]
    public void A_multipart_object_replaced_right_after_its_upload_completed_gets_no_hash_of_ours()
    {
        Skip.If(_bucket.SkipReason is not null, _bucket.SkipReason);
        var plan = new HttpFaultPlan();
        var prefix = _bucket.NewPrefix();
        var options = new S3ConnectionOptions
        {
            Endpoint = Server.Endpoint,
            MultipartThreshold = 5 << 20,
            PartSize = 5 << 20,
            Retries = 2,
            RetryDelay = TimeSpan.FromMilliseconds(50),
            WrapHandler = inner => new FaultyHttpHandler(inner, plan),
        };
        using var side = new S3StorageProvider(options, _bucket.Name, prefix, CephServer.Credentials);
        var raced = 0;
        plan.AfterResponse = (request, response) =>
        {
            if (response.IsSuccessStatusCode && request.Method == System.Net.Http.HttpMethod.Post && request.RequestUri!.Query.Contains("uploadId=", StringComparison.Ordinal)
                && Interlocked.Exchange(ref raced, 1) == 0)
            {
                Put(prefix + "/big.bin", "another writer's content");
            }
        };

        Assert.ThrowsAny<IOException>(() => Write(side, "big.bin", new byte[11 << 20], When, overwrite: true));

        Assert.Equal(1, raced);
        var head = Head(prefix + "/big.bin");
        Assert.DoesNotContain(head.Metadata.Keys, k => k.EndsWith("sha256", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("another writer's content", Encoding.UTF8.GetString(Read(side, "big.bin")));
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
