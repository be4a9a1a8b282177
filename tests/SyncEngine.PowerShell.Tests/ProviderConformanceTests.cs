using System;
using System.IO;
using SyncEngine.Storage;

namespace SyncEngine.PowerShell.Tests;

/// <summary>
/// The provider conformance suite against the local provider as the module ships it: this project compiles against
/// Core's netstandard2.0 build (the one Windows PowerShell 5.1 loads), whose path handling differs from net10.0's.
/// </summary>
public sealed class NetStandardLocalProviderConformanceTests : ProviderConformance
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "se-conf-ns-" + Guid.NewGuid().ToString("N").Substring(0, 10));

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
