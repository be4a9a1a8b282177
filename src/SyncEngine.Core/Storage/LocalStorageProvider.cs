using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Threading;

namespace SyncEngine.Storage;

/// <summary>A folder on a local (or mounted) filesystem.</summary>
public sealed class LocalStorageProvider : IStorageProvider
{
    private static readonly bool IsWindows = Path.DirectorySeparatorChar == '\\';
    private readonly string _root;
    private readonly ConcurrentQueue<string> _leftovers = new();

    /// <summary>Opens a local folder as one side of a pair.</summary>
    public LocalStorageProvider(string root, bool? caseSensitive = null)
    {
        Root = root;
        _root = Path.GetFullPath(root);
        var insensitive = caseSensitive.HasValue ? !caseSensitive.Value : IsWindows || System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.OSX);
        Capabilities = new StorageCapabilities
        {
            CaseSensitive = !insensitive,
            WindowsNames = IsWindows,
            MtimePrecision = TimeSpan.FromTicks(1),
            CheapRename = true,
            HasFolders = true,
        };
    }

    /// <inheritdoc />
    public string Root { get; }

    /// <inheritdoc />
    public StorageCapabilities Capabilities { get; }

    /// <summary>The full local path of the root.</summary>
    public string FullRoot => _root;

    /// <inheritdoc />
    public bool RootExists() => Directory.Exists(_root);

    /// <inheritdoc />
    public void CreateRoot() => Directory.CreateDirectory(_root);

    private string Full(string relative) => LongPath(PathRules.ToLocal(_root, relative));

    /// <summary>On Windows, prefixes long paths so Windows PowerShell 5.1 (.NET Framework) can reach them.</summary>
    private static string LongPath(string path)
    {
#if NET
        return path;
#else
        if (IsWindows && path.Length >= 248 && !path.StartsWith(@"\\?\", StringComparison.Ordinal))
        {
            return path.StartsWith(@"\\", StringComparison.Ordinal) ? @"\\?\UNC\" + path.Substring(2) : @"\\?\" + path;
        }

        return path;
#endif
    }

    /// <inheritdoc />
    public IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken)
    {
        var side = SyncSide.Source; // The scanner rewrites the side of issues; the provider does not know it.
        var stack = new Stack<string>();
        stack.Push("");
        var raw = RawDirectory.Available ? new List<RawDirectory.Entry>() : null;
        var buffer = raw is null ? null : new byte[32 * 1024];
        while (stack.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rel = stack.Pop();
            var dirFull = rel.Length == 0 ? _root : Full(rel);
            if (raw is not null)
            {
                try
                {
                    if (!RawDirectory.TryList(dirFull, raw, buffer!, followLink: rel.Length == 0))
                    {
                        raw = null; // not available here after all: list the portable way below
                    }
                }
                catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
                {
                    onIssue(new ScanIssue(side, rel.Length == 0 ? "." : rel, $"folder cannot be read: {ex.Message}", coversSubtree: true));
                    continue;
                }
            }

            if (raw is not null)
            {
                foreach (var e in raw)
                {
                    if (e.Name is null)
                    {
                        var shown = rel.Length == 0 ? e.RawName! : rel + "/" + e.RawName;
                        onIssue(new ScanIssue(side, shown, "name is not valid UTF-8: not synchronized", coversSubtree: e.IsDirectory));
                        continue;
                    }

                    var childRel = Admit(rel, e.Name, side, onIssue);
                    var entry = childRel is null ? null
                        : e.IsDirectory ? new StorageEntry(childRel, EntryKind.Directory, 0, 0)
                        : ToEntry(e.Stat, childRel);
                    if (entry is not null && Route(entry, side, includeFolder, stack, onIssue))
                    {
                        yield return entry;
                    }
                }

                continue;
            }

            IEnumerable<string> names;
            try
            {
                names = ListNames(dirFull);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                onIssue(new ScanIssue(side, rel.Length == 0 ? "." : rel, $"folder cannot be read: {ex.Message}", coversSubtree: true));
                continue;
            }

            using var en = names.GetEnumerator();
            while (true)
            {
                string name;
                try
                {
                    if (!en.MoveNext())
                    {
                        break;
                    }

                    name = en.Current;
                }
                catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
                {
                    onIssue(new ScanIssue(side, rel.Length == 0 ? "." : rel, $"folder cannot be read: {ex.Message}", coversSubtree: true));
                    break;
                }

                var childRel = Admit(rel, name, side, onIssue);
                if (childRel is null)
                {
                    continue;
                }

                StorageEntry? entry;
                try
                {
                    entry = StatChild(dirFull, name, childRel);
                }
                catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
                {
                    onIssue(new ScanIssue(side, childRel, $"cannot be read: {ex.Message}"));
                    continue;
                }

                // null: vanished while listing
                if (entry is not null && Route(entry, side, includeFolder, stack, onIssue))
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>
    /// The relative path of a listed name, or null when the name is left out: the engine's own folder, a temporary
    /// file of an interrupted run (kept for clean-up), or a name that must not be used (reported).
    /// </summary>
    private string? Admit(string rel, string name, SyncSide side, Action<ScanIssue> onIssue)
    {
        var childRel = rel.Length == 0 ? name : rel + "/" + name;
        if (rel.Length == 0 && string.Equals(name, PathRules.EngineFolder, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (name.StartsWith(PathRules.TempPrefix, StringComparison.Ordinal))
        {
            _leftovers.Enqueue(childRel);
            return null;
        }

        var problem = PathRules.ValidateRelative(childRel);
        if (problem is not null)
        {
            onIssue(new ScanIssue(side, PathRules.Printable(childRel), problem));
            return null;
        }

        return childRel;
    }

    /// <summary>Sends a listed entry where it belongs: a folder onto the stack, a link or special file to the issues. True for a file.</summary>
    private static bool Route(StorageEntry entry, SyncSide side, Func<string, bool> includeFolder, Stack<string> stack, Action<ScanIssue> onIssue)
    {
        switch (entry.Kind)
        {
            case EntryKind.Directory:
                if (includeFolder(entry.Path))
                {
                    stack.Push(entry.Path);
                }

                return false;
            case EntryKind.File:
                return true;
            case EntryKind.SymbolicLink:
                onIssue(new ScanIssue(side, entry.Path, "symbolic link: not followed, not synchronized", coversSubtree: true));
                return false;
            default:
                onIssue(new ScanIssue(side, entry.Path, "not a regular file (FIFO, socket or device): not synchronized"));
                return false;
        }
    }

    /// <summary>The names in a folder, without building full paths where the runtime allows it.</summary>
    private static IEnumerable<string> ListNames(string dirFull)
    {
#if NET
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0, ReturnSpecialDirectories = false };
        return new System.IO.Enumeration.FileSystemEnumerable<string>(dirFull, static (ref System.IO.Enumeration.FileSystemEntry e) => e.FileName.ToString(), options);
#else
        foreach (var full in Directory.EnumerateFileSystemEntries(dirFull))
        {
            yield return Path.GetFileName(full);
        }
#endif
    }

    private static StorageEntry? StatChild(string dirFull, string name, string rel)
    {
        if (NativeFs.TryLStat(dirFull, name, out var st))
        {
            return ToEntry(st, rel);
        }

        return StatFull(Path.Combine(dirFull, name), rel);
    }

    private static StorageEntry? ToEntry(NativeFs.Stat st, string rel)
    {
        if (!st.Exists)
        {
            return null;
        }

        var kind = st.IsFile ? EntryKind.File : st.IsDirectory ? EntryKind.Directory : st.IsSymlink ? EntryKind.SymbolicLink : EntryKind.Special;
        return new StorageEntry(rel, kind, st.IsFile ? st.Size : 0, st.MtimeTicks, st.Inode);
    }

    private static StorageEntry? StatFull(string full, string rel)
    {
        if (NativeFs.TryLStat(full, out var st))
        {
            return ToEntry(st, rel);
        }

        var info = new FileInfo(full);
        if (!info.Exists)
        {
            var dir = new DirectoryInfo(full);
            if (!dir.Exists)
            {
                return null;
            }

            var dkind = (dir.Attributes & FileAttributes.ReparsePoint) != 0 ? EntryKind.SymbolicLink : EntryKind.Directory;
            return new StorageEntry(rel, dkind, 0, dir.LastWriteTimeUtc.Ticks);
        }

        var attrs = info.Attributes;
        var fkind = (attrs & FileAttributes.ReparsePoint) != 0 ? EntryKind.SymbolicLink : (attrs & FileAttributes.Device) != 0 ? EntryKind.Special : EntryKind.File;
        return new StorageEntry(rel, fkind, info.Length, info.LastWriteTimeUtc.Ticks);
    }

    /// <inheritdoc />
    public StorageEntry? Stat(string path)
    {
        var entry = StatFull(Full(path), path);
        return entry is { Kind: EntryKind.File } ? entry : null;
    }

    /// <inheritdoc />
    /// <remarks>Unbuffered: callers read in large chunks, and a 64 KiB buffer per file would be garbage for every small file copied.</remarks>
    public Stream OpenRead(string path) =>
        NativeFs.RawFilesAvailable
            ? FdStream.OpenRead(Full(path))
            : new FileStream(Full(path), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);

    private readonly ConcurrentDictionary<string, byte> _realFolders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _createdFolders = new(StringComparer.Ordinal);

    /// <summary>
    /// Refuses a target whose folders include a symbolic link (or junction): writing through it would land outside
    /// the root. Folders found real are remembered for the run.
    /// </summary>
    private void EnsureNoLinkedFolder(string relative)
    {
        var parent = PathRules.Parent(relative);
        while (parent.Length > 0 && !_realFolders.ContainsKey(parent))
        {
            var full = Full(parent);
            bool linked;
            if (NativeFs.TryLStat(full, out var st))
            {
                linked = st.Exists && !st.IsDirectory;
            }
            else
            {
                var info = new DirectoryInfo(full);
                linked = info.Exists ? (info.Attributes & FileAttributes.ReparsePoint) != 0 : File.Exists(full);
            }

            if (linked)
            {
                throw new SyncEngineException("SyncUnsafePath", SyncErrorKind.InvalidArgument,
                    $"Refusing to write '{relative}': its folder '{parent}' is a symbolic link or not a folder, and SyncEngine never writes through links.", relative);
            }

            if (st.Exists || Directory.Exists(full))
            {
                _realFolders.TryAdd(parent, 0);
            }

            parent = PathRules.Parent(parent);
        }
    }

    /// <inheritdoc />
    public IStagedWrite BeginWrite(string path)
    {
        EnsureNoLinkedFolder(path);
        var full = Full(path);
        var dir = Path.GetDirectoryName(full)!;
        return new LocalStagedWrite(this, path, full, NewTempPath(dir), dir);
    }

    /// <summary>Temporary names: a per-process random tag and a counter (no random read per file).</summary>
    private static readonly string TempTag = Guid.NewGuid().ToString("N").Substring(0, 6);
    private static int _tempCounter;

    private static string NewTempPath(string dir) =>
        Path.Combine(dir, PathRules.TempPrefix + TempTag + Interlocked.Increment(ref _tempCounter).ToString("x6", CultureInfo.InvariantCulture));

    /// <inheritdoc />
    public void Move(string fromPath, string toPath, bool overwrite)
    {
        EnsureNoLinkedFolder(fromPath);
        EnsureNoLinkedFolder(toPath);
        var from = Full(fromPath);
        var to = Full(toPath);
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        NativeFs.Rename(from, to, overwrite);
    }

    /// <inheritdoc />
    public void PreserveCopy(string path, string copyPath)
    {
        EnsureNoLinkedFolder(path);
        EnsureNoLinkedFolder(copyPath);
        var from = Full(path);
        var to = Full(copyPath);
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        if (!NativeFs.TryHardLink(from, to))
        {
            File.Copy(from, to, overwrite: false);
            File.SetLastWriteTimeUtc(to, File.GetLastWriteTimeUtc(from));
        }
    }

    /// <inheritdoc />
    public void Delete(string path)
    {
        EnsureNoLinkedFolder(path);
        File.Delete(Full(path));
    }

    /// <inheritdoc />
    public void RemoveEmptyParents(string path)
    {
        var rel = PathRules.Parent(path);
        while (rel.Length > 0)
        {
            var dir = Full(rel);
            try
            {
                using (var e = Directory.EnumerateFileSystemEntries(dir).GetEnumerator())
                {
                    if (e.MoveNext())
                    {
                        return;
                    }
                }

                Directory.Delete(dir, recursive: false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return;
            }

            rel = PathRules.Parent(rel);
        }
    }

    /// <inheritdoc />
    public string ComputeHash(string path, CancellationToken cancellationToken)
    {
        using var stream = OpenRead(path);
        (stream as FdStream)?.AdviseSequential();
        return Hashing.Sha256Hex(stream, cancellationToken);
    }

    /// <inheritdoc />
    public string? TryGetLocalPath(string path) => Full(path);

    /// <inheritdoc />
    public void CleanUp(TimeSpan trashRetention, CancellationToken cancellationToken)
    {
        while (_leftovers.TryDequeue(out var rel))
        {
            try
            {
                File.Delete(Full(rel));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        var trash = Path.Combine(_root, PathRules.EngineFolder, "trash");
        if (!Directory.Exists(trash))
        {
            return;
        }

        var cutoff = DateTime.UtcNow - trashRetention;
        foreach (var dir in Directory.EnumerateDirectories(trash))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TrashNames.TryParseRunTime(Path.GetFileName(dir), out var when) && when < cutoff)
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class LocalStagedWrite : IStagedWrite
    {
        private readonly LocalStorageProvider _owner;
        private readonly string _relative;
        private readonly string _target;
        private readonly string _dir;
        private string _temp;
        private Stream? _stream;
        private bool _committed;
        private bool _dirReady;

        public LocalStagedWrite(LocalStorageProvider owner, string relative, string target, string temp, string dir)
        {
            _owner = owner;
            _relative = relative;
            _target = target;
            _temp = temp;
            _dir = dir;
        }

        public Stream Stream
        {
            get
            {
                if (_stream is null)
                {
                    EnsureDirectory();
                    try
                    {
                        _stream = Create();
                    }
                    catch (DirectoryNotFoundException)
                    {
                        // The folder was removed since this run created it: create it again.
                        Directory.CreateDirectory(_dir);
                        _stream = Create();
                    }
                }

                return _stream;
            }
        }

        private Stream Create()
        {
            if (!NativeFs.RawFilesAvailable)
            {
                return new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            }

            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return FdStream.CreateNew(_temp);
                }
                catch (IOException ex) when (ex.HResult == 17 && attempt < 3)
                {
                    // Something already has this temporary name (a leftover of another process): take the next one.
                    _temp = NewTempPath(_dir);
                }
            }
        }

        public string? LocalTempPath
        {
            get
            {
                EnsureDirectory();
                return _temp;
            }
        }

        private void EnsureDirectory()
        {
            if (!_dirReady)
            {
                // One mkdir per folder per run, not per file (a folder removed meanwhile is recreated on failure).
                if (!_owner._createdFolders.ContainsKey(_dir))
                {
                    Directory.CreateDirectory(_dir);
                    _owner._createdFolders.TryAdd(_dir, 0);
                }

                _dirReady = true;
            }
        }

        public StorageEntry Commit(DateTime lastWriteTimeUtc, bool overwrite)
        {
            if (_stream is FdStream fd)
            {
                // Time and identity through the open descriptor; the inode keeps them across the rename.
                fd.SetLastWriteTime(lastWriteTimeUtc.Ticks);
                var st = fd.Version();
                fd.Dispose();
                _stream = null;
                if (overwrite)
                {
                    NativeFs.RenameReplace(_temp, _target);
                }
                else
                {
                    NativeFs.RenameNoReplace(_temp, _target);
                }

                _committed = true;
                return new StorageEntry(_relative, EntryKind.File, st.Size, st.MtimeTicks, st.Inode);
            }

            if (_stream is not null)
            {
                _stream.Flush();
                _stream.Dispose();
                _stream = null;
            }

            File.SetLastWriteTimeUtc(_temp, lastWriteTimeUtc);
            NativeFs.Rename(_temp, _target, overwrite);
            _committed = true;
            return _owner.Stat(_relative) ?? throw new IOException($"'{_target}' vanished right after it was written.");
        }

        public void Dispose()
        {
            _stream?.Dispose();
            if (!_committed)
            {
                try
                {
                    File.Delete(_temp);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }
}

/// <summary>Names of trash folders: <c>yyyyMMddTHHmmssZ-xxxxxx</c>, so retention can read their age.</summary>
public static class TrashNames
{
    /// <summary>A new run identifier.</summary>
    public static string NewRunId(DateTime utc) =>
        utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 6);

    /// <summary>The trash path of a file for a run: <c>.syncengine/trash/&lt;run&gt;/&lt;path&gt;</c>.</summary>
    public static string TrashPath(string runId, string relativePath) => PathRules.EngineFolder + "/trash/" + runId + "/" + relativePath;

    /// <summary>Reads the time a run identifier was made.</summary>
    public static bool TryParseRunTime(string runId, out DateTime utc)
    {
        var stamp = runId.Length >= 16 ? runId.Substring(0, 16) : runId;
        return DateTime.TryParseExact(stamp, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out utc);
    }
}

/// <summary>Content hashing shared by providers.</summary>
public static class Hashing
{
    /// <summary>SHA-256 of a stream as lowercase hex, read in 1 MiB chunks, honouring cancellation between chunks.</summary>
    public static string Sha256Hex(Stream stream, CancellationToken cancellationToken)
    {
        using var sha = SHA256.Create();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                sha.TransformBlock(buffer, 0, read, null, 0);
            }

            sha.TransformFinalBlock(buffer, 0, 0);
            return ToHex(sha.Hash!);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Lowercase hex of bytes.</summary>
    public static string ToHex(byte[] bytes)
    {
        var chars = new char[bytes.Length * 2];
        const string digits = "0123456789abcdef";
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[2 * i] = digits[bytes[i] >> 4];
            chars[(2 * i) + 1] = digits[bytes[i] & 0xF];
        }

        return new string(chars);
    }
}
