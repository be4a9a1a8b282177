using System;
using System.IO;
using System.Net.Http;

namespace SyncEngine.Storage.S3;

/// <summary>
/// How to reach an S3-compatible store (AWS, Ceph RGW, MinIO …): endpoint, region, addressing, upload sizes and
/// retries. No secret is an option: credentials are given to <see cref="S3StorageProvider"/>'s constructor (or come
/// from the AWS SDK's standard chain), so options can be shown or logged.
/// </summary>
public sealed class S3ConnectionOptions
{
    /// <summary>The default size above which a file is uploaded in parts: 64 MiB.</summary>
    public const long DefaultMultipartThreshold = 64L << 20;

    /// <summary>The default part size: 16 MiB.</summary>
    public const long DefaultPartSize = 16L << 20;

    /// <summary>S3's smallest part (except the last one): 5 MiB.</summary>
    public const long MinimumPartSize = 5L << 20;

    /// <summary>
    /// The service URL of a store that is not AWS itself (<c>http://127.0.0.1:7480</c>); null for AWS, addressed by
    /// <see cref="Region"/>.
    /// </summary>
    public string? Endpoint { get; init; }

    /// <summary>The region requests are signed for (<c>us-east-1</c> by default, which S3-compatible stores accept).</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>
    /// Path-style addressing (<c>http://host/bucket/key</c>) instead of virtual-host style
    /// (<c>http://bucket.host/key</c>); null means on for a custom <see cref="Endpoint"/> and off for AWS.
    /// </summary>
    public bool? PathStyle { get; init; }

    /// <summary>Files larger than this are uploaded in parts (multipart upload) with parts sent in parallel.</summary>
    public long MultipartThreshold { get; init; } = DefaultMultipartThreshold;

    /// <summary>The size of each part of a multipart upload (at least 5 MiB).</summary>
    public long PartSize { get; init; } = DefaultPartSize;

    /// <summary>How many parts of one file are sent at once.</summary>
    public int PartConcurrency { get; init; } = 4;

    /// <summary>How many requests the provider itself sends at once while listing (one HEAD per object where needed).</summary>
    public int ListConcurrency { get; init; } = 16;

    /// <summary>
    /// How many times the provider tries a request again after a throttling answer (503 SlowDown), a server error, a
    /// timeout or a dropped connection, on top of the SDK's own retries; with a growing pause in between.
    /// </summary>
    public int Retries { get; init; } = 3;

    /// <summary>The first pause before trying again (doubled each time, up to 8 s, with jitter).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one request may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Multipart uploads under the root started longer ago than this are taken for the leftovers of an interrupted
    /// run and aborted by clean-up (so their parts stop taking space); 24 hours by default, as rclone's cleanup does.
    /// </summary>
    public TimeSpan OrphanedUploadAge { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Whether the store honours <c>If-None-Match: *</c> on a PUT (refuses to replace an existing object), as AWS (since
    /// 2024), Ceph RGW and MinIO do: true by default, and then <see cref="StorageCapabilities.NoReplaceCommit"/>. False
    /// for a store that ignores it: the provider then looks the key up just before the PUT, and the engine before and
    /// after the copy.
    /// </summary>
    public bool ConditionalPut { get; init; } = true;

    /// <summary>
    /// Whether the listing sends a HEAD per object to give each file's own time (as a store without version tags
    /// needs); false by default: the engine matches listed objects to its state by size, ETag and LastModified.
    /// </summary>
    internal bool HeadInListing { get; init; }

    /// <summary>For tests: wraps the HTTP handler the SDK sends through (fault injection).</summary>
    internal Func<HttpMessageHandler, HttpMessageHandler>? WrapHandler { get; init; }

    /// <summary>The endpoint (or AWS) and the region, for messages.</summary>
    public override string ToString() => (Endpoint ?? "AWS S3") + " (region " + Region + ")";
}

/// <summary>A write or copy refused because the target exists (HResult 17, EEXIST, as the engine expects).</summary>
internal sealed class S3ExistsException : IOException
{
    public S3ExistsException(string message, Exception? inner = null)
        : base(message, inner)
    {
        HResult = 17;
    }
}
