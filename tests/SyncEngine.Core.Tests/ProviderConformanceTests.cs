using System;
using System.IO;
using SyncEngine.Storage;
using SyncEngine.TestSupport;

namespace SyncEngine.Core.Tests;

/// <summary>The provider conformance suite against the local provider, on a fresh temporary folder per side.</summary>
public sealed class LocalProviderConformanceTests : ProviderConformance
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "se-conf-" + Guid.NewGuid().ToString("N").Substring(0, 10));

    protected override IStorageProvider CreateProvider()
    {
        var root = Path.Combine(_root, Guid.NewGuid().ToString("N").Substring(0, 6));
        Directory.CreateDirectory(root);
        return new LocalStorageProvider(root);
    }

    protected override void DisposeSides()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The conformance suite against the in-memory test double, as a case-sensitive side with exact times.</summary>
public sealed class InMemoryProviderConformanceTests : ProviderConformance
{
    protected override IStorageProvider CreateProvider() => new InMemoryStorageProvider();
}

/// <summary>
/// The in-memory double shaped like a remote side: case-insensitive, whole-second times (SFTP v3), no folders of its
/// own (an object store).
/// </summary>
public sealed class InMemoryRemoteLikeProviderConformanceTests : ProviderConformance
{
    protected override IStorageProvider CreateProvider() => new InMemoryStorageProvider(
        "memory://remote-like",
        new StorageCapabilities { CaseSensitive = false, MtimePrecision = TimeSpan.FromSeconds(1), HasFolders = false, Rename = RenameSupport.ServerSideCopy });
}
