using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using SyncEngine.TestSupport;

namespace SyncEngine.Core.Tests.Sftp;

// The engine's semantic tests run again with one side on the test sshd (one server per class). The SFTP root is that
// side's local folder, which the sshd serves, so the tests shape and read the folders as in the local run.

/// <summary>
/// Puts one side of a pair on the test sshd, the SFTP root at that side's local folder. Two connections per provider:
/// concurrent work still spreads over more than one, and each run logs in fewer times (the pool's own limits are
/// tested in SftpProviderTests).
/// </summary>
internal static class SftpSide
{
    public static IStorageProvider? For(SshdServer server, SyncPair pair, SyncSide side, SyncSide remote) =>
        side == remote ? SftpSides.Open(server, side == SyncSide.Source ? pair.Source : pair.Destination, maxSessions: 2) : null;
}

/// <summary>Seed 003's scenario table with the destination on SFTP.</summary>
public sealed class Seed003ScenarioTestsOverSftpDestination : Seed003ScenarioTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public Seed003ScenarioTestsOverSftpDestination(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Destination);
}

/// <summary>Seed 003's scenario table with the source on SFTP.</summary>
public sealed class Seed003ScenarioTestsOverSftpSource : Seed003ScenarioTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public Seed003ScenarioTestsOverSftpSource(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Source;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Source);
}

/// <summary>The initial-sync tests with the destination on SFTP.</summary>
public sealed class InitialSyncTestsOverSftpDestination : InitialSyncTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public InitialSyncTestsOverSftpDestination(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Destination);
}

/// <summary>The initial-sync tests with the source on SFTP.</summary>
public sealed class InitialSyncTestsOverSftpSource : InitialSyncTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public InitialSyncTestsOverSftpSource(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Source;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Source);
}

/// <summary>The conflict tests with the destination on SFTP.</summary>
public sealed class ConflictTestsOverSftpDestination : ConflictTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public ConflictTestsOverSftpDestination(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Destination);
}

/// <summary>The conflict tests with the source on SFTP.</summary>
public sealed class ConflictTestsOverSftpSource : ConflictTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public ConflictTestsOverSftpSource(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Source;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Source);
}

/// <summary>The rename tests with the destination on SFTP.</summary>
public sealed class RenameTestsOverSftpDestination : RenameTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public RenameTestsOverSftpDestination(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Destination);
}

/// <summary>The rename tests with the source on SFTP.</summary>
public sealed class RenameTestsOverSftpSource : RenameTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public RenameTestsOverSftpSource(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Source;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Source);
}

/// <summary>The ignore tests with the destination on SFTP.</summary>
public sealed class IgnoreIntegrationTestsOverSftpDestination : IgnoreIntegrationTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public IgnoreIntegrationTestsOverSftpDestination(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Destination);
}

/// <summary>The ignore tests with the source on SFTP.</summary>
public sealed class IgnoreIntegrationTestsOverSftpSource : IgnoreIntegrationTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public IgnoreIntegrationTestsOverSftpSource(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Source;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Source);
}

/// <summary>The safety guard tests with the destination on SFTP.</summary>
public sealed class SafetyGuardTestsOverSftpDestination : SafetyGuardTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public SafetyGuardTestsOverSftpDestination(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Destination;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Destination);
}

/// <summary>The safety guard tests with the source on SFTP.</summary>
public sealed class SafetyGuardTestsOverSftpSource : SafetyGuardTests, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public SafetyGuardTestsOverSftpSource(SshdServer server)
    {
        _server = server;
    }

    protected override SyncSide? RemoteSide => SyncSide.Source;

    protected override IStorageProvider? Provider(SyncPair pair, SyncSide side) => SftpSide.For(_server, pair, side, SyncSide.Source);
}
