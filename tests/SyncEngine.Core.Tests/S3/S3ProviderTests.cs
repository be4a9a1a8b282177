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
