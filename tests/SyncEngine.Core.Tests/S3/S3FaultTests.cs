using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Amazon.S3.Model;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using SyncEngine.Storage.S3;
using SyncEngine.TestSupport;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests.S3;

/// <summary>
/// Real faults on the store side of a pair, on a Ceph cluster of the class's own (its gateway is stopped and started):
/// the gateway gone in the middle of a run, and a part upload that fails. What failed is not recorded as done, and
/// the next run completes it.
/// </summary>
public sealed class S3FaultTests : IClassFixture<CephOwnServer>
{
    private readonly CephServer _server;

    public S3FaultTests(CephOwnServer fixture)
    {
        _server = fixture.Server;
    }

    private static string Read(IStorageProvider side, string path)
    {
        using var stream = side.OpenRead(path);
        return new StreamReader(stream, Encoding.UTF8).ReadToEnd();
    }

    [SkippableFact]
    public void The_gateway_stopped_mid_run_fails_what_it_must_records_only_what_landed_and_the_next_run_completes()
    {
        Skip.If(_server.SkipReason is not null, _server.SkipReason);
        var bucket = _server.NewBucket("fault");
        using var t = new TestPair();
        var names = Enumerable.Range(0, 30).Select(i => $"d{i % 3}/file{i:D2}.txt").ToList();
        foreach (var name in names)
        {
            t.Write(SyncSide.Source, name, "content of " + name);
        }

        var pair = PairOf(t, SyncMode.SourceToDestination, transferLimit: 2);
        var writes = 0;
        var stopped = 0;
        RunRecord first;
        using (var s3 = _server.Provider(bucket, "root", _server.Options(retries: 1)))
        {
            var hooked = new HookedProvider(s3)
            {
                OnBeginWrite = _ =>
                {
                    if (Interlocked.Increment(ref writes) == 11 && Interlocked.Exchange(ref stopped, 1) == 0)
                    {
                        _server.StopGateway();
                    }
                },
            };
            try
            {
                first = Sync.Run(pair, new LocalStorageProvider(t.Source), hooked);
            }
            finally
            {
                _server.StartGateway();
            }
        }

        Assert.True(first.Summary.Failed > 0, "the run should have failed some copies");
        Assert.True(first.Summary.Succeeded >= 9, $"succeeded {first.Summary.Succeeded}");
        using var check = _server.Provider(bucket, "root");
        var recorded = StateKeys(t.StateDir, SyncSide.Destination);
        foreach (var key in recorded)
        {
            Assert.Equal("content of " + key, Read(check, key)); // recorded means there, whole
        }

        Assert.True(recorded.Count < names.Count);

        var second = Sync.Run(pair, new LocalStorageProvider(t.Source), _server.Provider(bucket, "root"));
        Assert.Equal(0, second.Summary.Failed);
        // A copy whose PUT landed while its answer was lost is not recorded: the next run finds it there, the same.
        Assert.InRange(second.Summary.Succeeded, 1, names.Count - recorded.Count);
        foreach (var name in names)
        {
            Assert.Equal("content of " + name, Read(check, name));
        }

        NoVisibleActions(Sync.Run(pair, new LocalStorageProvider(t.Source), _server.Provider(bucket, "root")).Plan);
    }

    [SkippableFact]
    public void A_part_that_fails_fails_that_copy_alone_leaves_no_parts_and_the_next_run_uploads_it()
    {
        Skip.If(_server.SkipReason is not null, _server.SkipReason);
        var bucket = _server.NewBucket("part");
        using var t = new TestPair();
        t.Write(SyncSide.Source, "small.txt", "small");
        var big = new byte[(11 << 20) + 5];
        new Random(5).NextBytes(big);
        File.WriteAllBytes(Full(t, SyncSide.Source, "big.bin"), big);
        var pair = PairOf(t, SyncMode.SourceToDestination);
        var options = _server.Options(multipartThreshold: 5 << 20, partSize: 5 << 20, retries: 0);

        using (var s3 = _server.Provider(bucket, "root", options))
        {
            s3.BeforePart = n =>
            {
                if (n == 2)
                {
                    throw new IOException("injected: part 2 failed");
                }
            };
            var run = Sync.Run(pair, new LocalStorageProvider(t.Source), s3);
            Assert.Equal(SyncResultStatus.Failed, run.ResultFor("big.bin").Status);
            Assert.Equal(SyncResultStatus.Succeeded, run.ResultFor("small.txt").Status);
            Assert.DoesNotContain("big.bin", StateKeys(t.StateDir, SyncSide.Destination));
        }

        using (var look = _server.Provider(bucket, "root"))
        {
            Assert.Null(look.Stat("big.bin"));
        }

        using (var client = _server.Client())
        {
            var uploads = client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket }).GetAwaiter().GetResult().MultipartUploads;
            Assert.True(uploads is null || uploads.Count == 0, "no upload may be left open");
        }

        using var again = _server.Provider(bucket, "root", options);
        var second = Sync.Run(pair, new LocalStorageProvider(t.Source), again);
        Assert.Equal(0, second.Summary.Failed);
        using var reader = _server.Provider(bucket, "root");
        using var read = reader.OpenRead("big.bin");
        using var copy = new MemoryStream();
        read.CopyTo(copy);
        Assert.Equal(big, copy.ToArray());
    }
}
