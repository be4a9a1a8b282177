using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Threading;

namespace SyncEngine.Storage;

/// <summary>A folder on a local (or mounted) filesystem.</summary>
public sealed class LocalStorageProvider : IStorageProvider, IDurableStorage, ITemporaryFileNaming
{
    private static readonly bool IsWindows = Path.DirectorySeparatorChar == '\\';
    private readonly string _root;
    private readonly ConcurrentQueue<string> _leftovers = new();
    private TemporaryNames _names = TemporaryNames.Unrecorded();

    private readonly bool? _caseSensitive;
    private readonly object _capabilitiesGate = new();
    private StorageCapabilities? _capabilities;

    /// <summary>Opens a local folder as one side of a pair.</summary>
    /// <param name="root">The folder.</param>
    /// <param name="caseSensitive">
    /// Whether names differing only in case are different files there; null (the default) probes the folder's
    /// filesystem the first time <see cref="Capabilities"/> is read (<see cref="ProbeCaseSensitivity"/>).
    /// </param>
    public LocalStorageProvider(string root, bool? caseSensitive = null)
    {
        Root = root;
        _root = Path.GetFullPath(root);
        _caseSensitive = caseSensitive;
    }

    /// <inheritdoc />
    public string Root { get; }

    /// <inheritdoc />
    /// <remarks>
    /// Case sensitivity belongs to the filesystem, not to the operating system (exFAT, FAT, NTFS, SMB shares and
    /// casefolded ext4 ignore case on Linux too; a folder on Windows may be case-sensitive), so it is probed on the
    /// root once per provider, that is once per run. While the root does not exist the operating system's usual
    /// answer is given and not kept, so the root is probed once it has been created.
    /// </remarks>
    public StorageCapabilities Capabilities
    {
        get
        {
            lock (_capabilitiesGate)
            {
                if (_capabilities is not null)
                {
                    return _capabilities;
                }

                var probed = _caseSensitive ?? ProbeCaseSensitivity(_root);
                var result = new StorageCapabilities
                {
                    CaseSensitive = probed ?? !(IsWindows || System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.OSX)),
                    WindowsNames = IsWindows,
                    MtimePrecision = TimeSpan.FromTicks(1),
                    Rename = RenameSupport.Cheap,
                    HasFolders = true,
                    PosixPermissions = !IsWindows,
                    NoReplaceCommit = Raw,
                };
                if (probed is not null)
                {
                    _capabilities = result;
                }

                return result;
            }
        }
    }

    /// <summary>
    /// Whether the filesystem holding <paramref name="folder"/> tells names apart by case; null when the folder does
    /// not exist or cannot be probed. Reads first: an entry of the folder whose name has an ASCII letter is looked up
    /// with the case of its letters swapped (found, and not listed under that name itself: the case is ignored). A
    /// folder without such an entry gets a probe file named like a temporary file (so an interrupted probe is cleaned
    /// up as one), which is looked up in the other case and deleted.
    /// </summary>
    public static bool? ProbeCaseSensitivity(string folder)
    {
        try
        {
            if (!Directory.Exists(folder))
            {
                return null;
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            string? candidate = null;
            foreach (var info in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                names.Add(info.Name);
                if (candidate is null && (info.Attributes & FileAttributes.ReparsePoint) == 0 && SwapAsciiCase(info.Name) != info.Name)
                {
                    candidate = info.Name;
                }

                if (names.Count >= 256)
                {
                    break;
                }
            }

            if (candidate is not null)
            {
                var swapped = SwapAsciiCase(candidate);
                if (names.Contains(swapped))
                {
                    return true; // both spellings are listed: two different entries
                }

                var other = Path.Combine(folder, swapped);
                if (!File.Exists(other) && !Directory.Exists(other))
                {
                    return true;
                }

                // Found: either the same entry (case ignored) or one created since the listing; list again to tell.
                return ListedUnder(folder, swapped);
            }

            var probe = PathRules.TempPrefix + "case-probe-" + Guid.NewGuid().ToString("n", CultureInfo.InvariantCulture);
            var probePath = Path.Combine(folder, probe);
            using (new FileStream(probePath, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1))
            {
            }

            try
            {
                return !File.Exists(Path.Combine(folder, SwapAsciiCase(probe)));
            }
            finally
            {
                File.Delete(probePath);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return null; // read-only or unreadable root: the usual answer for the platform
        }
    }

    private static bool ListedUnder(string folder, string name)
    {
        foreach (var full in Directory.EnumerateFileSystemEntries(folder))
        {
            if (string.Equals(Path.GetFileName(full), name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string SwapAsciiCase(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            chars[i] = c is >= 'a' and <= 'z' ? (char)(c - 32) : c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
        }

        return new string(chars);
    }

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

    /// <inheritdoc />
    public void UseTemporaryNames(TemporaryNames names) => _names = names;

    /// <summary>
    /// The relative path of a listed name, or null when the name is left out: the engine's own folder, a temporary
    /// file the pair's record says an interrupted run of this pair left (kept for clean-up), or a name that must not
    /// be used (reported). Any other name that merely looks like a temporary file is a user's file and is listed.
    /// </summary>
    private string? Admit(string rel, string name, SyncSide side, Action<ScanIssue> onIssue) =>
        ListingRules.Admit(rel, name, side, Capabilities.CaseSensitive, _names, _leftovers, onIssue);

    private static bool Route(StorageEntry entry, SyncSide side, Func<string, bool> includeFolder, Stack<string> stack, Action<ScanIssue> onIssue) =>
        ListingRules.Route(entry, side, includeFolder, stack, onIssue);

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
        return new StorageEntry(rel, kind, st.IsFile ? st.Size : 0, st.MtimeTicks, st.FileId) { Permissions = st.IsFile ? st.Permissions : null };
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
            return new StorageEntry(rel, dkind, 0, NativeFs.LastWriteTicks(dir));
        }

        var attrs = info.Attributes;
        var fkind = (attrs & FileAttributes.ReparsePoint) != 0 ? EntryKind.SymbolicLink : (attrs & FileAttributes.Device) != 0 ? EntryKind.Special : EntryKind.File;
        return new StorageEntry(rel, fkind, info.Length, NativeFs.LastWriteTicks(info));
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

    private readonly ConcurrentDictionary<string, byte> _createdFolders = new(StringComparer.Ordinal);

    /// <summary>Folders (relative, "" for the root) whose names changed since the last flush: kept versions first.</summary>
    private readonly ConcurrentDictionary<string, byte> _dirtyFirst = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _dirty = new(StringComparer.Ordinal);
    private readonly object _flushGate = new();

    /// <summary>Whether writes go through folder descriptors (Linux) rather than paths.</summary>
    private static bool Raw => NativeFs.RawFilesAvailable;

    /// <summary>
    /// Portable path (no folder descriptors here): refuses a target whose folders include a symbolic link (or
    /// junction), checking every parent with lstat just before the operation. A swap between this check and the
    /// operation is not caught; where descriptors exist (Linux), <see cref="OpenParent"/> closes that gap.
    /// </summary>
    private void EnsureNoLinkedFolder(string relative)
    {
        var parent = PathRules.Parent(relative);
        while (parent.Length > 0)
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
                throw NoFollowFolders.Unsafe(relative, parent);
            }

            parent = PathRules.Parent(parent);
        }
    }

    /// <summary>The folder of <paramref name="relative"/>, opened without following any link below the root (Linux).</summary>
    private Microsoft.Win32.SafeHandles.SafeFileHandle OpenParent(string relative, bool create)
    {
        // Every descriptor-relative operation starts here: a path that would leave the root ("..", absolute, NUL)
        // is refused before any folder is opened, as Full() refuses it on the path-based branch.
        PathRules.EnsureRelative(relative);
        return NoFollowFolders.Open(_root, PathRules.Parent(relative), relative, create, created => MarkDirty(PathRules.Parent(created), first: false));
    }

    /// <summary>Notes that names in a folder changed, so the next <see cref="FlushCompletedWrites"/> syncs it.</summary>
    private void MarkDirty(string folder, bool first) => (first ? _dirtyFirst : _dirty).TryAdd(folder, 0);

    /// <inheritdoc />
    /// <remarks>
    /// Folders holding kept versions (trash, conflict copies) are synced before the others, so a replacement never
    /// becomes durable before the copy of what it replaced. Windows needs no folder sync (NTFS journals its folders).
    /// </remarks>
    public void FlushCompletedWrites()
    {
        lock (_flushGate)
        {
            // Workers keep marking folders while this runs. The ordinary folders are taken first and the kept-version
            // folders after them, so every kept version marked before a replacement that is taken here is taken too
            // (a worker marks the trash before it replaces the file), and is synced first.
            var ordinary = Take(_dirty);
            var kept = Take(_dirtyFirst);
            foreach (var folder in kept)
            {
                SyncFolder(folder);
            }

            foreach (var folder in ordinary)
            {
                SyncFolder(folder);
            }
        }
    }

    private static List<string> Take(ConcurrentDictionary<string, byte> set)
    {
        var taken = new List<string>();
        foreach (var entry in set)
        {
            if (set.TryRemove(entry.Key, out _))
            {
                taken.Add(entry.Key);
            }
        }

        return taken;
    }

    private void SyncFolder(string folder)
    {
        var full = folder.Length == 0 ? _root : Full(folder);
        if (!Raw)
        {
            if (NativeFs.TrySyncFolderByPath(full))
            {
                DurabilityTrace.Note("fsync-dir", full);
            }

            return;
        }

        Microsoft.Win32.SafeHandles.SafeFileHandle dir;
        try
        {
            dir = NoFollowFolders.Open(_root, folder, folder, create: false);
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException or SyncEngineException)
        {
            return; // removed or replaced since: nothing written there by this run is reachable any more
        }

        using (dir)
        {
            NativeFs.FSync(dir, full);
        }

        DurabilityTrace.Note("fsync-dir", full);
    }

    /// <inheritdoc />
    public IStagedWrite BeginWrite(string path)
    {
        if (!Raw)
        {
            EnsureNoLinkedFolder(path);
        }

        var full = Full(path);
        var dir = Path.GetDirectoryName(full)!;
        return new LocalStagedWrite(this, path, full, NewTempName(), dir);
    }

    /// <summary>A temporary name carrying this pair's and this run's tags (<see cref="TemporaryNames"/>).</summary>
    private string NewTempName() => _names.NewName();

    /// <summary>Whether a relative path is under the engine's own folder (the trash): a kept version.</summary>
    private static bool IsKeptVersion(string relative) =>
        relative.StartsWith(PathRules.EngineFolder + "/", StringComparison.Ordinal);

    /// <inheritdoc />
    public void Move(string fromPath, string toPath, bool overwrite)
    {
        if (Raw)
        {
            using var fromDir = OpenParent(fromPath, create: false);
            using var toDir = OpenParent(toPath, create: true);
            NativeFs.RenameAt(fromDir, PathRules.FileName(fromPath), toDir, PathRules.FileName(toPath), overwrite, Full(fromPath));
        }
        else
        {
            EnsureNoLinkedFolder(fromPath);
            EnsureNoLinkedFolder(toPath);
            var to = Full(toPath);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            EnsureNoLinkedFolder(toPath);
            NativeFs.Rename(Full(fromPath), to, overwrite);
        }

        DurabilityTrace.Note("move", Full(fromPath));
        MarkDirty(PathRules.Parent(toPath), IsKeptVersion(toPath));
        MarkDirty(PathRules.Parent(fromPath), first: false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A copy made because the filesystem has no hard links is synced to disk (file and folder) at once: the caller
    /// replaces the original next, and on such filesystems (FAT, exFAT) nothing orders the two otherwise.
    /// </remarks>
    public void PreserveCopy(string path, string copyPath)
    {
        if (!Raw)
        {
            EnsureNoLinkedFolder(path);
            EnsureNoLinkedFolder(copyPath);
            var from = Full(path);
            var to = Full(copyPath);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            EnsureNoLinkedFolder(copyPath);
            if (!NativeFs.TryHardLink(from, to))
            {
                File.Copy(from, to, overwrite: false);
                File.SetLastWriteTimeUtc(to, new DateTime(NativeFs.LastWriteTicks(new FileInfo(from)), DateTimeKind.Utc));
                using (var fs = new FileStream(to, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1))
                {
                    fs.Flush(flushToDisk: true);
                }

                SyncFolder(PathRules.Parent(copyPath));
            }

            DurabilityTrace.Note("preserve", Full(copyPath));
            MarkDirty(PathRules.Parent(copyPath), first: true);
            return;
        }

        using var fromDir = OpenParent(path, create: false);
        using var toDir = OpenParent(copyPath, create: true);
        var name = PathRules.FileName(path);
        var copyName = PathRules.FileName(copyPath);
        var linked = NativeFs.LinkAt(fromDir, name, toDir, copyName);
        if (linked is 1 or 18 or 31 or 38 or 95)
        {
            // EPERM, EXDEV, EMLINK, ENOSYS, EOPNOTSUPP: no hard link here; copy, and make the copy durable now.
            CopyInFolder(fromDir, name, toDir, copyName, Full(path), Full(copyPath));
            NativeFs.FSync(toDir, Full(copyPath));
            DurabilityTrace.Note("fsync-dir", Path.GetDirectoryName(Full(copyPath))!);
        }
        else if (linked != 0)
        {
            throw NativeFs.ErrnoException(linked, linked == 17 ? Full(copyPath) : Full(path));
        }

        DurabilityTrace.Note("preserve", Full(copyPath));
        MarkDirty(PathRules.Parent(copyPath), first: true);
    }

    private static void CopyInFolder(Microsoft.Win32.SafeHandles.SafeFileHandle fromDir, string name, Microsoft.Win32.SafeHandles.SafeFileHandle toDir, string copyName, string fromFull, string toFull)
    {
        var opened = NativeFs.TryOpenAt(fromDir, name, NativeFs.ORdOnly | NativeFs.OCloExec | NativeFs.ONoFollow, 0, out var inHandle);
        if (opened != 0)
        {
            throw NativeFs.ErrnoException(opened, fromFull);
        }

        using var input = FdStream.Wrap(inHandle!, write: false, fromFull);
        var st = input.Version();
        if (!st.IsFile)
        {
            throw new IOException($"'{fromFull}' is not a regular file.");
        }

        // Never more open than the original (a private key kept in the trash stays private); the umask may narrow it.
        var created = NativeFs.TryOpenAt(toDir, copyName, NativeFs.OWrOnly | NativeFs.OCreat | NativeFs.OExcl | NativeFs.OCloExec | NativeFs.ONoFollow, st.Permissions, out var outHandle);
        if (created != 0)
        {
            throw NativeFs.ErrnoException(created, toFull);
        }

        using var output = FdStream.Wrap(outHandle!, write: true, toFull);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int n;
            while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, n);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        output.SetLastWriteTime(st.MtimeTicks);
        output.SyncToDisk();
        DurabilityTrace.Note("fsync-file", toFull);
    }

    /// <inheritdoc />
    public void Delete(string path)
    {
        if (Raw)
        {
            using var dir = OpenParent(path, create: false);
            var rc = NativeFs.UnlinkAt(dir, PathRules.FileName(path), folder: false);
            if (rc is not (0 or 2))
            {
                throw NativeFs.ErrnoException(rc, Full(path));
            }
        }
        else
        {
            EnsureNoLinkedFolder(path);
            File.Delete(Full(path));
        }

        MarkDirty(PathRules.Parent(path), first: false);
    }

    /// <inheritdoc />
    public void RemoveEmptyParents(string path)
    {
        var rel = PathRules.Parent(path);
        while (rel.Length > 0)
        {
            try
            {
                if (Raw)
                {
                    // rmdir refuses a folder that is not empty, and a link (ENOTDIR): no listing needed.
                    using var parent = OpenParent(rel, create: false);
                    if (NativeFs.UnlinkAt(parent, PathRules.FileName(rel), folder: true) != 0)
                    {
                        return;
                    }
                }
                else
                {
                    EnsureNoLinkedFolder(rel + "/x");
                    var dir = Full(rel);
                    using (var e = Directory.EnumerateFileSystemEntries(dir).GetEnumerator())
                    {
                        if (e.MoveNext())
                        {
                            return;
                        }
                    }

                    Directory.Delete(dir, recursive: false);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
            {
                return;
            }

            MarkDirty(PathRules.Parent(rel), first: false);
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

    /// <summary>The file's local filesystem path (not part of the provider contract: the engine never needs it).</summary>
    public string TryGetLocalPath(string path) => Full(path);

    /// <inheritdoc />
    /// <remarks>
    /// Only temporary files listed as leftovers are removed: names that carry this pair's tag and a run tag the pair's
    /// record lists (<see cref="TemporaryNames.IsLeftover"/>). A user's file is never removed here, whatever its name.
    /// Trash folders are aged by the time clean-up saw pass (<see cref="TrashAges"/>), never by one clock reading.
    /// </remarks>
    public void CleanUp(CancellationToken cancellationToken)
    {
        while (_leftovers.TryDequeue(out var rel))
        {
            if (!_names.IsLeftover(PathRules.FileName(rel)))
            {
                continue;
            }

            try
            {
                Delete(rel);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
            {
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListEngineFolders(string engineFolder)
    {
        var relative = PathRules.EngineFolder + "/" + engineFolder;
        var full = Path.Combine(_root, relative.Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(full) || !IsRealEngineFolder(relative))
        {
            return Array.Empty<string>();
        }

        var names = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(full))
        {
            names.Add(Path.GetFileName(dir));
        }

        return names;
    }

    /// <inheritdoc />
    public void DeleteEngineFolder(string engineFolder, CancellationToken cancellationToken)
    {
        var relative = PathRules.EngineFolder + "/" + engineFolder;
        PathRules.EnsureRelative(relative);
        var parent = PathRules.Parent(relative);
        if (!IsRealEngineFolder(parent))
        {
            throw new IOException($"'{parent}' on {Root} is not a real folder; nothing in it is deleted.");
        }

        // Directory.Delete removes a link inside the tree as a link, never what it points to.
        Directory.Delete(Path.Combine(_root, relative.Replace('/', Path.DirectorySeparatorChar)), recursive: true);
    }

    /// <summary>Whether a folder of the engine's own folder (and every folder above it) is a real folder, not a link.</summary>
    private bool IsRealEngineFolder(string relative)
    {
        try
        {
            // Never purge through a link: the engine folder and its trash must be real folders.
            if (Raw)
            {
                NoFollowFolders.Open(_root, relative, relative, create: false).Dispose();
            }
            else
            {
                EnsureNoLinkedFolder(relative + "/x");
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>
    /// A file written under a temporary name in its target folder. On Linux the folder is opened once (without
    /// following links) and the temporary file is created, renamed and, if abandoned, removed relative to it; the
    /// commit checks the path still leads to that same folder. The data is synced to disk before the rename.
    /// </summary>
    private sealed class LocalStagedWrite : ILocalStagedWrite
    {
        private readonly LocalStorageProvider _owner;
        private readonly string _relative;
        private readonly string _target;
        private readonly string _dir;
        private string _tempName;
        private Microsoft.Win32.SafeHandles.SafeFileHandle? _dirHandle;
        private Stream? _stream;
        private bool _created;
        private bool _committed;
        private bool _dirReady;

        public LocalStagedWrite(LocalStorageProvider owner, string relative, string target, string tempName, string dir)
        {
            _owner = owner;
            _relative = relative;
            _target = target;
            _tempName = tempName;
            _dir = dir;
        }

        private string TempFull => Path.Combine(_dir, _tempName);

        /// <inheritdoc />
        public int? Permissions { get; set; }

        /// <summary>The mode a temporary file is created with: owner-only when its final bits are known, else the default.</summary>
        private int CreateMode => Permissions is null ? 438 : 0x180;

        public Stream Stream
        {
            get
            {
                if (_stream is null)
                {
                    if (Raw)
                    {
                        _stream = CreateInFolder();
                    }
                    else
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

                    _created = true;
                }

                return _stream;
            }
        }

        private Stream CreateInFolder()
        {
            _dirHandle ??= _owner.OpenParent(_relative, create: true);
            for (var attempt = 0; ; attempt++)
            {
                var rc = NativeFs.TryOpenAt(_dirHandle, _tempName, NativeFs.OWrOnly | NativeFs.OCreat | NativeFs.OExcl | NativeFs.OCloExec | NativeFs.ONoFollow, CreateMode, out var handle);
                if (rc == 0)
                {
                    return FdStream.Wrap(handle!, write: true, TempFull);
                }

                if (rc != 17 || attempt >= 3)
                {
                    throw NativeFs.ErrnoException(rc, TempFull);
                }

                // Something already has this temporary name (a user's file): take the next one.
                _tempName = _owner.NewTempName();
            }
        }

        private Stream Create()
        {
            _owner.EnsureNoLinkedFolder(_relative);
#if NET
            if (!IsWindows)
            {
                return new FileStream(TempFull, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1, UnixCreateMode = (UnixFileMode)CreateMode,
                });
            }
#endif
            return new FileStream(TempFull, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        }

        public string? LocalTempPath
        {
            get
            {
                if (Raw)
                {
                    _dirHandle ??= _owner.OpenParent(_relative, create: true);
                }
                else
                {
                    EnsureDirectory();
                }

                return TempFull;
            }
        }

        private void EnsureDirectory()
        {
            if (!_dirReady)
            {
                // One mkdir per folder per run, not per file (a folder removed meanwhile is recreated on failure).
                if (!_owner._createdFolders.ContainsKey(_dir))
                {
                    _owner.EnsureNoLinkedFolder(_relative);
                    Directory.CreateDirectory(_dir);
                    _owner._createdFolders.TryAdd(_dir, 0);
                }

                _dirReady = true;
            }
        }

        public StorageEntry Commit(DateTime lastWriteTimeUtc, bool overwrite)
        {
            if (Raw)
            {
                var fd = (FdStream)Stream;

                // Time and identity through the open descriptor; the inode keeps them across the rename. The data
                // (and the time) reach the disk before the name does: a power cut never leaves an empty file there.
                fd.SetLastWriteTime(lastWriteTimeUtc.Ticks);
                if (Permissions is int bits)
                {
                    NativeFs.FChmod(fd.Handle, bits, TempFull);
                }

                fd.SyncToDisk();
                DurabilityTrace.Note("fsync-file", _target);
                var st = fd.Version();
                fd.Dispose();
                _stream = null;

                // The path must still lead to the folder the file was written in (not swapped for a link, not moved).
                var here = NativeFs.FStat(_dirHandle!, _dir);
                using (var now = _owner.OpenParent(_relative, create: false))
                {
                    var there = NativeFs.FStat(now, _dir);
                    if (here.Inode != there.Inode || here.Device != there.Device)
                    {
                        throw new SyncEngineException("SyncUnsafePath", SyncErrorKind.InvalidArgument,
                            $"Refusing to write '{_relative}': its folder was replaced while the file was being written.", _relative);
                    }
                }

                NativeFs.RenameAt(_dirHandle!, _tempName, _dirHandle!, PathRules.FileName(_relative), overwrite, _target);
                _committed = true;
                DurabilityTrace.Note("rename", _target);
                _owner.MarkDirty(PathRules.Parent(_relative), IsKeptVersion(_relative));
                return new StorageEntry(_relative, EntryKind.File, st.Size, st.MtimeTicks, st.FileId);
            }

            var stream = Stream;
            if (Permissions is int mode)
            {
                NativeFs.TryChmod(TempFull, mode);
            }

            if (stream is FileStream fs)
            {
#if NET
                File.SetLastWriteTimeUtc(fs.SafeFileHandle, lastWriteTimeUtc);
                fs.Flush(flushToDisk: true);
                fs.Dispose();
#else
                fs.Flush(flushToDisk: true);
                fs.Dispose();
                File.SetLastWriteTimeUtc(TempFull, lastWriteTimeUtc);
                using (var again = new FileStream(TempFull, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1))
                {
                    again.Flush(flushToDisk: true);
                }
#endif
            }
            else
            {
                stream.Flush();
                stream.Dispose();
                File.SetLastWriteTimeUtc(TempFull, lastWriteTimeUtc);
            }

            _stream = null;
            DurabilityTrace.Note("fsync-file", _target);
            _owner.EnsureNoLinkedFolder(_relative);
            NativeFs.Rename(TempFull, _target, overwrite);
            _committed = true;
            DurabilityTrace.Note("rename", _target);
            _owner.MarkDirty(PathRules.Parent(_relative), IsKeptVersion(_relative));
            return _owner.Stat(_relative) ?? throw new IOException($"'{_target}' vanished right after it was written.");
        }

        public void Dispose()
        {
            _stream?.Dispose();
            if (!_committed && _created)
            {
                try
                {
                    if (_dirHandle is not null)
                    {
                        NativeFs.UnlinkAt(_dirHandle, _tempName, folder: false);
                    }
                    else
                    {
                        File.Delete(TempFull);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }

            _dirHandle?.Dispose();
        }
    }
}

/// <summary>Names of trash folders: <c>yyyyMMddTHHmmssZ-xxxxxx</c>, the time of the run that made them (one of the two records retention checks, see <see cref="TrashAges"/>).</summary>
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
