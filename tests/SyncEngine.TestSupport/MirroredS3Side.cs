using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using Amazon.S3.Model;
using SyncEngine.Storage;
using SyncEngine.Storage.S3;

namespace SyncEngine.TestSupport;

/// <summary>
/// An S3 side whose bucket prefix stands in for a local folder, so the engine's semantic tests (which shape and read
/// their sides as local folders) run with that side on the test RGW: when opened, the prefix is made to hold exactly
/// what the folder holds (changed or new files uploaded with their time, others removed; unchanged objects left as they
/// are, so their ETags and LastModified, the engine's version tags, stay); when disposed, after the run, the folder is
/// made to hold exactly what the prefix holds (the engine folder with its trash included). Every operation in between
/// is the real <see cref="S3StorageProvider"/>'s against the real store.
/// </summary>
public sealed class MirroredS3Side : IStorageProvider
{
    private static readonly ConcurrentDictionary<string, string> Prefixes = new(StringComparer.Ordinal);
    private readonly CephServer _server;
    private readonly string _bucket;
    private readonly string _folder;
    private readonly string _prefix;
    private readonly S3StorageProvider _inner;
    private int _disposed;

    /// <summary>Opens the side for <paramref name="folder"/>, copying the folder's content up first.</summary>
    public MirroredS3Side(CephServer server, string bucket, string folder)
    {
        _server = server;
        _bucket = bucket;
        _folder = Path.GetFullPath(folder);
        _prefix = Prefixes.GetOrAdd(_folder, _ => "m" + Guid.NewGuid().ToString("N").Substring(0, 10));
        _inner = server.Provider(bucket, _prefix);
        Up(); // a folder that is gone is an empty prefix

    }

    /// <summary>The real provider.</summary>
    public S3StorageProvider Inner => _inner;

    /// <inheritdoc />
    public string Root => _inner.Root;

    /// <inheritdoc />
    public StorageCapabilities Capabilities => _inner.Capabilities;

    /// <inheritdoc />
    /// <remarks>The stand-in folder's existence is the root's (a bucket prefix always exists).</remarks>
    public bool RootExists() => Directory.Exists(_folder) && _inner.RootExists();

    /// <inheritdoc />
    public void CreateRoot()
    {
        Directory.CreateDirectory(_folder);
        _inner.CreateRoot();
    }

    /// <inheritdoc />
    public IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken) =>
        _inner.Enumerate(includeFolder, onIssue, cancellationToken);

    /// <inheritdoc />
    public StorageEntry? Stat(string path) => _inner.Stat(path);

    /// <inheritdoc />
    public Stream OpenRead(string path) => _inner.OpenRead(path);

    /// <inheritdoc />
    public IStagedWrite BeginWrite(string path) => _inner.BeginWrite(path);

    /// <inheritdoc />
    public void Move(string fromPath, string toPath, bool overwrite) => _inner.Move(fromPath, toPath, overwrite);

    /// <inheritdoc />
    public void PreserveCopy(string path, string copyPath) => _inner.PreserveCopy(path, copyPath);

    /// <inheritdoc />
    public void Delete(string path) => _inner.Delete(path);

    /// <inheritdoc />
    public void RemoveEmptyParents(string path) => _inner.RemoveEmptyParents(path);

    /// <inheritdoc />
    public string ComputeHash(string path, CancellationToken cancellationToken) => _inner.ComputeHash(path, cancellationToken);

    /// <inheritdoc />
    public void CleanUp(CancellationToken cancellationToken) => _inner.CleanUp(cancellationToken);

    /// <inheritdoc />
    public IReadOnlyList<string> ListEngineFolders(string engineFolder) => _inner.ListEngineFolders(engineFolder);

    /// <inheritdoc />
    public void DeleteEngineFolder(string engineFolder, CancellationToken cancellationToken) => _inner.DeleteEngineFolder(engineFolder, cancellationToken);

    /// <summary>Copies the prefix down into the folder (once), then closes the side.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (Directory.Exists(_folder) || Objects().Count > 0)
            {
                Down();
            }
        }
        finally
        {
            _inner.Dispose();
        }
    }

    private static string Sha256(string file)
    {
        using var stream = File.OpenRead(file);
        using var sha = SHA256.Create();
        return string.Concat(sha.ComputeHash(stream).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    private Dictionary<string, S3Object> Objects()
    {
        using var client = _server.Client();
        var all = new Dictionary<string, S3Object>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix + "/", ContinuationToken = token }).GetAwaiter().GetResult();
            foreach (var o in page.S3Objects ?? new List<S3Object>())
            {
                all[o.Key.Substring(_prefix.Length + 1)] = o;
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return all;
    }

    private Dictionary<string, string> LocalFiles()
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var walk = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false };
        foreach (var file in Directory.EnumerateFiles(_folder, "*", walk))
        {
            var info = new FileInfo(file);
            if (info.LinkTarget is not null)
            {
                continue;
            }

            files[Path.GetRelativePath(_folder, file).Replace(Path.DirectorySeparatorChar, '/')] = file;
        }

        return files;
    }

    private bool Same(string rel, string file)
    {
        var entry = _inner.Stat(rel);
        var info = new FileInfo(file);
        return entry is not null && entry.Size == info.Length && entry.MtimeTicks == info.LastWriteTimeUtc.Ticks
            && entry.Hashes.Get(HashAlgorithms.Sha256) is { } sha && sha == Sha256(file);
    }

    private void Up()
    {
        var objects = Objects();
        var local = Directory.Exists(_folder) ? LocalFiles() : new Dictionary<string, string>();
        foreach (var (rel, file) in local)
        {
            if (objects.ContainsKey(rel) && Same(rel, file))
            {
                continue;
            }

            using var write = _inner.BeginWrite(rel);
            using (var input = File.OpenRead(file))
            {
                input.CopyTo(write.Stream);
            }

            write.Commit(File.GetLastWriteTimeUtc(file), overwrite: true);
        }

        foreach (var rel in objects.Keys.Where(k => !local.ContainsKey(k)))
        {
            _inner.Delete(rel);
        }
    }

    private void Down()
    {
        var objects = Objects();
        Directory.CreateDirectory(_folder);
        var local = LocalFiles();
        foreach (var rel in objects.Keys)
        {
            if (rel.EndsWith('/'))
            {
                continue;
            }

            var path = Path.Combine(_folder, rel.Replace('/', Path.DirectorySeparatorChar));
            if (local.ContainsKey(rel) && Same(rel, path))
            {
                continue;
            }

            var entry = _inner.Stat(rel)!;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            // A new file renamed over the old one, as a sync would: a hard link to the old one keeps the old content.
            var temp = path + ".mirror-" + Guid.NewGuid().ToString("N").Substring(0, 6);
            using (var input = _inner.OpenRead(rel))
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                input.CopyTo(output);
            }

            File.SetLastWriteTimeUtc(temp, entry.LastWriteTimeUtc);
            File.Move(temp, path, overwrite: true);
        }

        foreach (var (rel, file) in local)
        {
            if (!objects.ContainsKey(rel))
            {
                File.Delete(file);
            }
        }

        // Folders are implied by keys: one with no file below it does not exist on the store.
        var dirs = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var dir in Directory.EnumerateDirectories(_folder, "*", dirs).OrderByDescending(d => d.Length))
        {
            if (!Directory.EnumerateFileSystemEntries(dir).Any())
            {
                Directory.Delete(dir);
            }
        }
    }
}
