using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using SyncEngine.TestSupport;

namespace SyncEngine.Core.Tests.S3;

// The engine's semantic tests run again with one side on the test Ceph RGW (a bucket per class). The side's bucket
// prefix stands in for its local folder (MirroredS3Side: the folder's content is put there before each run and the
// prefix's content brought back after it), so the tests shape and read the folders as in the local run, while every
// listing, read, write, copy, rename and delete of the run goes to the store. The count is kept small for CI time:
// the seed table both ways, the initial-sync, rename and conflict tests both ways, ignore and guards as destination.

/// <summary>Puts one side of a pair on the test RGW.</summary>
internal static class S3Side
{
    public static IStorageProvider? For(CephBucket bucket, SyncPair pair, SyncSide side, SyncSide remote)
    {
        if (side != remote)
        {
            return null;
        }

        Skip.If(bucket.SkipReason is not null, bucket.SkipReason);
        return new MirroredS3Side(bucket.Server, bucket.Name, side == SyncSide.Source ? pair.Source : pair.Destination);
    }
}

/// <summary>Seed 003's scenario table with the destination on S3.</summary>
public sealed class Seed003ScenarioTestsOverS3Destination : Seed003ScenarioTests, IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public Seed003ScenarioTestsOverS3Destination(CephBucket bucket) => _bucket = bucket;

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override SyncSide? ObjectStoreSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => S3Side.For(_bucket, pair, side, SyncSide.Destination);
}

/// <summary>Seed 003's scenario table with the source on S3.</summary>
public sealed class Seed003ScenarioTestsOverS3Source : Seed003ScenarioTests, IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public Seed003ScenarioTestsOverS3Source(CephBucket bucket) => _bucket = bucket;

    protected override SyncSide? RemoteSide => SyncSide.Source;

    protected override SyncSide? ObjectStoreSide => SyncSide.Source;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => S3Side.For(_bucket, pair, side, SyncSide.Source);
}

/// <summary>The initial-sync tests with the destination on S3.</summary>
public sealed class InitialSyncTestsOverS3Destination : InitialSyncTests, IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public InitialSyncTestsOverS3Destination(CephBucket bucket) => _bucket = bucket;

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override SyncSide? ObjectStoreSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => S3Side.For(_bucket, pair, side, SyncSide.Destination);
}

/// <summary>The initial-sync tests with the source on S3.</summary>
public sealed class InitialSyncTestsOverS3Source : InitialSyncTests, IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public InitialSyncTestsOverS3Source(CephBucket bucket) => _bucket = bucket;

    protected override SyncSide? RemoteSide => SyncSide.Source;

    protected override SyncSide? ObjectStoreSide => SyncSide.Source;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => S3Side.For(_bucket, pair, side, SyncSide.Source);
}

/// <summary>The rename tests with the destination on S3 (a rename there is a server-side copy and a delete).</summary>
public sealed class RenameTestsOverS3Destination : RenameTests, IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public RenameTestsOverS3Destination(CephBucket bucket) => _bucket = bucket;

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override SyncSide? ObjectStoreSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => S3Side.For(_bucket, pair, side, SyncSide.Destination);
}

/// <summary>The rename tests with the source on S3.</summary>
public sealed class RenameTestsOverS3Source : RenameTests, IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public RenameTestsOverS3Source(CephBucket bucket) => _bucket = bucket;

    protected override SyncSide? RemoteSide => SyncSide.Source;

    protected override SyncSide? ObjectStoreSide => SyncSide.Source;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => S3Side.For(_bucket, pair, side, SyncSide.Source);
}

/// <summary>The conflict tests with the destination on S3.</summary>
public sealed class ConflictTestsOverS3Destination : ConflictTests, IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public ConflictTestsOverS3Destination(CephBucket bucket) => _bucket = bucket;

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override SyncSide? ObjectStoreSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => S3Side.For(_bucket, pair, side, SyncSide.Destination);
}

/// <summary>The conflict tests with the source on S3.</summary>
public sealed class ConflictTestsOverS3Source : ConflictTests, IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public ConflictTestsOverS3Source(CephBucket bucket) => _bucket = bucket;

    protected override SyncSide? RemoteSide => SyncSide.Source;

    protected override SyncSide? ObjectStoreSide => SyncSide.Source;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => S3Side.For(_bucket, pair, side, SyncSide.Source);
}

/// <summary>The ignore tests with the destination on S3.</summary>
public sealed class IgnoreIntegrationTestsOverS3Destination : IgnoreIntegrationTests, IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public IgnoreIntegrationTestsOverS3Destination(CephBucket bucket) => _bucket = bucket;

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override SyncSide? ObjectStoreSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => S3Side.For(_bucket, pair, side, SyncSide.Destination);
}

/// <summary>The safety guard tests with the destination on S3.</summary>
public sealed class SafetyGuardTestsOverS3Destination : SafetyGuardTests, IClassFixture<CephBucket>
{
    private readonly CephBucket _bucket;

    public SafetyGuardTestsOverS3Destination(CephBucket bucket) => _bucket = bucket;

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override SyncSide? ObjectStoreSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => S3Side.For(_bucket, pair, side, SyncSide.Destination);
}
