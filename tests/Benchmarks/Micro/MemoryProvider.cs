using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using SyncEngine.Storage;

namespace SyncEngine.Benchmarks.Micro;

/// <summary>
/// A side held in memory: listing and stat only, so a benchmark measures the engine's scan and plan work and not
/// the disk. Anything that would change the side throws: these benchmarks only plan.
/// </summary>
public sealed class MemoryProvider : IStorageProvider
{
    private readonly Dictionary<string, StorageEntry> _files = new(StringComparer.Ordinal);

    public MemoryProvider(string root, IEnumerable<StorageEntry> files)
    {
        Root = root;
        foreach (var f in files)
        {
            _files[f.Path] = f;
        }
    }

    public string Root { get; }

    public StorageCapabilities Capabilities { get; } = new() { CaseSensitive = true };

    public bool RootExists() => true;

    public void CreateRoot()
    {
    }

    public IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken) => _files.Values;

    public StorageEntry? Stat(string path) => _files.TryGetValue(path, out var e) ? e : null;

    public Stream OpenRead(string path) => new MemoryStream(new byte[_files[path].Size], writable: false);

    public string ComputeHash(string path, CancellationToken cancellationToken)
    {
        using var s = OpenRead(path);
        return Hashing.Sha256Hex(s, cancellationToken);
    }


    public IStagedWrite BeginWrite(string path) => throw new NotSupportedException("plan-only provider");

    public void Move(string fromPath, string toPath, bool overwrite) => throw new NotSupportedException("plan-only provider");

    public void PreserveCopy(string path, string copyPath) => throw new NotSupportedException("plan-only provider");

    public void Delete(string path) => throw new NotSupportedException("plan-only provider");

    public void RemoveEmptyParents(string path)
    {
    }

    public void CleanUp(CancellationToken cancellationToken)
    {
    }

    public IReadOnlyList<string> ListEngineFolders(string engineFolder) => Array.Empty<string>();

    public void DeleteEngineFolder(string engineFolder, CancellationToken cancellationToken) => throw new NotSupportedException("plan-only provider");

    public void Dispose()
    {
    }
}
