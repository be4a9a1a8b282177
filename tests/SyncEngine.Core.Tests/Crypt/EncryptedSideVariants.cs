using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using SyncEngine.Storage.Compression;
using SyncEngine.Storage.Crypt;
using SyncEngine.TestSupport;

namespace SyncEngine.Core.Tests.Crypt;

// The engine's semantic tests run again with the destination stored encrypted (rclone crypt over the destination's
// local folder), and once more compressed then encrypted. The tests' folder helpers read and write the destination
// through the same decorator (TempSyncFolders.SideViews), so every assertion sees the plaintext; a test that looks
// at the disk itself says so with LocalOnly and is skipped here.

/// <summary>How the variants store the destination.</summary>
internal static class EncryptedSide
{
    public const string Password = "seed-table-password";

    public static IStorageProvider Open(string root, bool compress)
    {
        IStorageProvider side = new CryptStorageProvider(new LocalStorageProvider(root), Password, "seed-salt");
        return compress ? new ZstdStorageProvider(side) : side;
    }

    /// <summary>Routes the destination of every folder pair the current test makes through the decorator.</summary>
    public static void Route(bool compress) =>
        TempSyncFolders.SideViews.Value = (root, side) => side == SyncSide.Destination ? Open(root, compress) : null;

    public static IStorageProvider? For(SyncPair pair, SyncSide side, bool compress) =>
        side == SyncSide.Destination ? Open(pair.Destination, compress) : null;
}

/// <summary>Seed003ScenarioTests with the destination stored encrypted.</summary>
public sealed class Seed003ScenarioTestsOverCryptDestination : Seed003ScenarioTests
{
    public Seed003ScenarioTestsOverCryptDestination()
    {
        EncryptedSide.Route(false);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, false);
}

/// <summary>Seed003ScenarioTests with the destination stored compressed then encrypted.</summary>
public sealed class Seed003ScenarioTestsOverZstdCryptDestination : Seed003ScenarioTests
{
    public Seed003ScenarioTestsOverZstdCryptDestination()
    {
        EncryptedSide.Route(true);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, true);
}

/// <summary>InitialSyncTests with the destination stored encrypted.</summary>
public sealed class InitialSyncTestsOverCryptDestination : InitialSyncTests
{
    public InitialSyncTestsOverCryptDestination()
    {
        EncryptedSide.Route(false);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, false);
}

/// <summary>InitialSyncTests with the destination stored compressed then encrypted.</summary>
public sealed class InitialSyncTestsOverZstdCryptDestination : InitialSyncTests
{
    public InitialSyncTestsOverZstdCryptDestination()
    {
        EncryptedSide.Route(true);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, true);
}

/// <summary>ConflictTests with the destination stored encrypted.</summary>
public sealed class ConflictTestsOverCryptDestination : ConflictTests
{
    public ConflictTestsOverCryptDestination()
    {
        EncryptedSide.Route(false);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, false);
}

/// <summary>ConflictTests with the destination stored compressed then encrypted.</summary>
public sealed class ConflictTestsOverZstdCryptDestination : ConflictTests
{
    public ConflictTestsOverZstdCryptDestination()
    {
        EncryptedSide.Route(true);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, true);
}

/// <summary>RenameTests with the destination stored encrypted.</summary>
public sealed class RenameTestsOverCryptDestination : RenameTests
{
    public RenameTestsOverCryptDestination()
    {
        EncryptedSide.Route(false);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, false);
}

/// <summary>RenameTests with the destination stored compressed then encrypted.</summary>
public sealed class RenameTestsOverZstdCryptDestination : RenameTests
{
    public RenameTestsOverZstdCryptDestination()
    {
        EncryptedSide.Route(true);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, true);
}

/// <summary>IgnoreIntegrationTests with the destination stored encrypted.</summary>
public sealed class IgnoreIntegrationTestsOverCryptDestination : IgnoreIntegrationTests
{
    public IgnoreIntegrationTestsOverCryptDestination()
    {
        EncryptedSide.Route(false);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, false);
}

/// <summary>IgnoreIntegrationTests with the destination stored compressed then encrypted.</summary>
public sealed class IgnoreIntegrationTestsOverZstdCryptDestination : IgnoreIntegrationTests
{
    public IgnoreIntegrationTestsOverZstdCryptDestination()
    {
        EncryptedSide.Route(true);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, true);
}

/// <summary>SafetyGuardTests with the destination stored encrypted.</summary>
public sealed class SafetyGuardTestsOverCryptDestination : SafetyGuardTests
{
    public SafetyGuardTestsOverCryptDestination()
    {
        EncryptedSide.Route(false);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, false);
}

/// <summary>SafetyGuardTests with the destination stored compressed then encrypted.</summary>
public sealed class SafetyGuardTestsOverZstdCryptDestination : SafetyGuardTests
{
    public SafetyGuardTestsOverZstdCryptDestination()
    {
        EncryptedSide.Route(true);
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override bool SidesStoredAsIs => false;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => EncryptedSide.For(pair, side, true);
}
