using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace SyncEngine.Storage;

/// <summary>What kind of thing a listing entry is.</summary>
public enum EntryKind
{
    /// <summary>A regular file: the only kind that is synchronized.</summary>
    File,
    /// <summary>A folder (real, or implied by object keys).</summary>
    Directory,
    /// <summary>A symbolic link: never followed, never synchronized.</summary>
    SymbolicLink,
    /// <summary>A FIFO, socket or device: never synchronized.</summary>
    Special,
}

/// <summary>One entry of a side's listing.</summary>
/// <remarks>
/// <see cref="Path"/> is the name as the side stores it, relative to the root, '/'-separated.
/// The engine compares paths after Unicode NFC normalization (its own, <see cref="PathRules.Key"/>, the same in
/// every host) but always addresses a side by the name that side listed.
/// </remarks>
public sealed class StorageEntry
{
    /// <summary>Creates an entry.</summary>
    public StorageEntry(string path, EntryKind kind, long size, long mtimeTicks, ulong fileId = 0, ContentHashes? hashes = null)
    {
        Path = path;
        Kind = kind;
        Size = size;
        MtimeTicks = mtimeTicks;
        FileId = fileId;
        Hashes = hashes ?? ContentHashes.None;
    }

    /// <summary>Relative path as the side stores it, '/'-separated.</summary>
    public string Path { get; }

    /// <summary>File, folder, link or special.</summary>
    public EntryKind Kind { get; }

    /// <summary>Size in bytes.</summary>
    public long Size { get; }

    /// <summary>
    /// Last write time, UTC, in <see cref="DateTime.Ticks"/>: the file's own time. On a side whose listing does not
    /// give it (<see cref="StorageCapabilities.MtimeInListing"/> false) a listed entry holds the store's own time
    /// (an S3 object's LastModified) instead, and <see cref="IStorageProvider.Stat"/> gives the file's own time.
    /// </summary>
    public long MtimeTicks { get; }

    /// <summary>A stable identity that survives a rename on this side (inode), or 0 when unknown.</summary>
    public ulong FileId { get; }

    /// <summary>
    /// The content hashes the side gives without reading the file, keyed by algorithm (an S3 single-part ETag as
    /// <see cref="HashAlgorithms.Md5"/>); <see cref="ContentHashes.None"/> when it gives none.
    /// </summary>
    public ContentHashes Hashes { get; }

    /// <summary>
    /// A token the side changes whenever it rewrites the file's content or metadata (an S3 ETag with its
    /// LastModified), or null. Where the listing does not give the file's own time
    /// (<see cref="StorageCapabilities.MtimeInListing"/> false), an entry whose size and tag are the ones recorded
    /// keeps its recorded time, so a no-change run needs the listing only. A tag that ends in '@' is pending: the
    /// entry of a write whose answer gave the identity but not the time (an S3 PUT: the ETag, no LastModified); a
    /// listed tag that starts with it is that version, and the record takes the listed tag.
    /// </summary>
    public string? VersionTag { get; init; }

    /// <summary>
    /// The POSIX permission bits (<c>mode &amp; 0777</c>) where the side keeps them
    /// (<see cref="StorageCapabilities.PosixPermissions"/>); null otherwise.
    /// </summary>
    public int? Permissions { get; init; }

    /// <summary>Last write time as a UTC <see cref="DateTime"/>.</summary>
    public DateTime LastWriteTimeUtc => new DateTime(MtimeTicks, DateTimeKind.Utc);
}

/// <summary>What a side can and cannot do; the engine adapts to it.</summary>
public sealed class StorageCapabilities
{
    /// <summary>Whether two names differing only in case are different files.</summary>
    public bool CaseSensitive { get; init; } = true;

    /// <summary>Whether the side refuses Windows-invalid names (CON, trailing dot, ':' '*' '?' …).</summary>
    public bool WindowsNames { get; init; }

    /// <summary>Finest modification-time resolution the side keeps.</summary>
    public TimeSpan MtimePrecision { get; init; } = TimeSpan.FromTicks(1);

    /// <summary>What <see cref="IStorageProvider.Move"/> costs: the engine replays a rename as a move only where it
    /// saves the transfer (<see cref="RenameSupport.Cheap"/> or <see cref="RenameSupport.ServerSideCopy"/>).</summary>
    public RenameSupport Rename { get; init; } = RenameSupport.Cheap;

    /// <summary>
    /// Whether the listing gives each file's own modification time (true for file systems). False for a store that
    /// keeps it in object metadata (S3, rclone's <c>mtime</c>): listed entries then carry the store's time and a
    /// <see cref="StorageEntry.VersionTag"/>, and the engine asks <see cref="IStorageProvider.Stat"/> for the file's
    /// own time only for files whose tag is not the recorded one.
    /// </summary>
    public bool MtimeInListing { get; init; } = true;

    /// <summary>Whether folders exist on their own (false for object stores).</summary>
    public bool HasFolders { get; init; } = true;

    /// <summary>
    /// Whether the side keeps POSIX permission bits (rwx for owner, group, others): listed in
    /// <see cref="StorageEntry.Permissions"/> and set on files it writes (<see cref="IStagedWrite.Permissions"/>).
    /// False on Windows and on stores without modes; a copy onto such a side keeps content and time only.
    /// </summary>
    public bool PosixPermissions { get; init; }

    /// <summary>
    /// Whether <see cref="IStagedWrite.Commit"/> with <c>overwrite</c> false refuses a file that exists at the target
    /// in the same step as it commits (an IOException with HResult 17, EEXIST), so a new file needs no look-up before
    /// and after. False: the engine looks the target up itself, and a file appearing between look-up and commit can
    /// be replaced (it is kept in the trash first only when it was seen).
    /// </summary>
    public bool NoReplaceCommit { get; init; }

}

/// <summary>How a side renames a file.</summary>
public enum RenameSupport
{
    /// <summary>A rename in place (file systems, SFTP): no data is copied.</summary>
    Cheap,

    /// <summary>A copy made by the server then a delete (S3): no data crosses the network, but the server copies it.</summary>
    ServerSideCopy,

    /// <summary>No rename: <see cref="IStorageProvider.Move"/> is not offered, and a rename is replayed as a copy from the other side and a delete.</summary>
    None,
}

/// <summary>A problem met while listing: the entry is left out of the sync and reported.</summary>
public sealed class ScanIssue
{
    /// <summary>Creates an issue.</summary>
    public ScanIssue(SyncSide side, string path, string reason, bool coversSubtree = false)
    {
        Side = side;
        Path = path;
        Reason = reason;
        CoversSubtree = coversSubtree;
    }

    /// <summary>
    /// True when nothing at or below <see cref="Path"/> may be touched on either side: a folder that could not be
    /// read (its files would look deleted) or a symbolic link (a folder link must never be written through).
    /// </summary>
    public bool CoversSubtree { get; }

    /// <summary>The side that listed the entry.</summary>
    public SyncSide Side { get; }

    /// <summary>The entry's relative path (as far as it could be read).</summary>
    public string Path { get; }

    /// <summary>Why it was left out.</summary>
    public string Reason { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Side}: {Path}: {Reason}";
}

/// <summary>A file being written under a temporary name in its target folder, renamed into place on commit.</summary>
public interface IStagedWrite : IDisposable
{
    /// <summary>The stream to write the new content to (opened on first use).</summary>
    Stream Stream { get; }

    /// <summary>
    /// The POSIX permission bits the committed file gets, set before the first write to <see cref="Stream"/>; null
    /// leaves the side's default. A side that keeps them creates the temporary file readable by its owner only, so
    /// the content is never more exposed while it is written than the original is.
    /// </summary>
    int? Permissions { get; set; }

    /// <summary>
    /// Flushes, sets the modification time and renames the temporary file onto the target path.
    /// With <paramref name="overwrite"/> false, fails if the target exists. Returns the committed entry.
    /// </summary>
    StorageEntry Commit(DateTime lastWriteTimeUtc, bool overwrite);
}

/// <summary>
/// A staged write that does better knowing the content's length before the first byte: a compressing side records
/// it in the frame header (so a listing reads the plaintext size there). The engine sets it before writing; the
/// content written must then have exactly that length, else the commit fails.
/// </summary>
public interface ILengthAwareWrite
{
    /// <summary>The length the content will have, or null when unknown.</summary>
    long? ExpectedLength { get; set; }
}

/// <summary>One side of a sync pair. Paths are relative, '/'-separated, as listed by <see cref="Enumerate"/>.</summary>
/// <remarks>
/// Implementations must reject a relative path that would resolve outside the root
/// (<see cref="PathRules.ValidateRelative"/>) and must never follow a symbolic link.
/// </remarks>
public interface IStorageProvider : IDisposable
{
    /// <summary>The root as the user named it (for messages).</summary>
    string Root { get; }

    /// <summary>What the side can do.</summary>
    StorageCapabilities Capabilities { get; }

    /// <summary>Whether the root exists and is a folder (or bucket/prefix).</summary>
    bool RootExists();

    /// <summary>Creates the root if it does not exist.</summary>
    void CreateRoot();

    /// <summary>
    /// Lists every file under the root. <paramref name="includeFolder"/> is asked for each folder's relative path and
    /// may prune it. Entries that cannot or must not be synchronized are reported through <paramref name="onIssue"/>.
    /// May be called concurrently with nothing else on the same provider.
    /// </summary>
    IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken);

    /// <summary>The current entry at a path, or null when nothing (or not a regular file) is there.</summary>
    StorageEntry? Stat(string path);

    /// <summary>Opens a file for reading.</summary>
    Stream OpenRead(string path);

    /// <summary>Starts writing <paramref name="path"/> under a temporary name in the same folder.</summary>
    IStagedWrite BeginWrite(string path);

    /// <summary>Renames or moves a file; creates the target folder. Fails if the target exists and <paramref name="overwrite"/> is false.</summary>
    void Move(string fromPath, string toPath, bool overwrite);

    /// <summary>Keeps a copy of a file at another path on the same side (hard link where possible, else copy).</summary>
    void PreserveCopy(string path, string copyPath);

    /// <summary>Deletes a file for good. The engine calls it only for temporary files or when trash is switched off.</summary>
    void Delete(string path);

    /// <summary>Removes the file's folder and its parents while they are empty, never the root.</summary>
    void RemoveEmptyParents(string path);

    /// <summary>
    /// Computes the SHA-256 of a file's content, as lowercase hex. A side that cannot give content hashes throws
    /// <see cref="NotSupportedException"/>; HashThenMtime then falls back to the modification time for it.
    /// </summary>
    string ComputeHash(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes what this provider itself left behind: temporary files of this pair's interrupted runs that its listing
    /// met (the names <see cref="TemporaryNames"/> recognises), and on a store, unfinished uploads. Trash retention is
    /// the engine's (<see cref="TrashPolicy"/>), through <see cref="ListEngineFolders"/> and <see cref="DeleteEngineFolder"/>.
    /// </summary>
    void CleanUp(CancellationToken cancellationToken);

    /// <summary>
    /// The names of the folders directly inside <paramref name="engineFolder"/> of the engine's own folder
    /// (<c>"trash"</c>: the run folders of <c>.syncengine/trash</c>). Empty when it does not exist, or when it or the
    /// engine folder is not a real folder (a link is never followed). On a store, folders are key prefixes.
    /// </summary>
    IReadOnlyList<string> ListEngineFolders(string engineFolder);

    /// <summary>
    /// Deletes a folder of the engine's own folder (<c>"trash/&lt;run&gt;"</c>) and everything in it for good, removing
    /// links as links, never following one, never touching anything outside it.
    /// </summary>
    void DeleteEngineFolder(string engineFolder, CancellationToken cancellationToken);
}

/// <summary>
/// A side whose completed writes (renames into place, moves, deletions, new folders) reach stable storage only when
/// their folders are flushed. The executor calls <see cref="FlushCompletedWrites"/> before the journal records the
/// actions that made them, so the state never says "synced" for a name the disk may not hold.
/// </summary>
public interface IDurableStorage
{
    /// <summary>Makes every write completed so far durable (fsync of each folder touched since the last call).</summary>
    void FlushCompletedWrites();
}

/// <summary>
/// Optional, for the local fast paths: a staged write on a local filesystem, whose temporary file the executor may
/// fill by an in-kernel copy (copy_file_range, clones) instead of through <see cref="IStagedWrite.Stream"/>.
/// The engine asks for it with a type test on the interface, never on a provider's class.
/// </summary>
public interface ILocalStagedWrite : IStagedWrite
{
    /// <summary>The temporary file's local path (its folder made ready), or null where the fast path is not offered.</summary>
    string? LocalTempPath { get; }
}

/// <summary>Optional, for the local fast paths: a stream over a local file descriptor (what in-kernel copies need).</summary>
public interface ILocalFileStream
{
    /// <summary>The open file's handle.</summary>
    Microsoft.Win32.SafeHandles.SafeFileHandle Handle { get; }

    /// <summary>Tells the kernel the file will be read from start to end (read-ahead), as cp does.</summary>
    void AdviseSequential();
}

/// <summary>
/// Optional on a stream <see cref="IStorageProvider.OpenRead"/> returns: the open file's own current version (fstat on
/// its descriptor), so the engine checks that the file being read is still the planned one without looking its name up
/// again (which a rename meanwhile could make answer for another file).
/// </summary>
public interface IOpenFileVersion
{
    /// <summary>Whether the open file is still a regular file, with its size, time (UTC ticks) and identity (0 when unknown).</summary>
    (bool IsFile, long Size, long MtimeTicks, ulong FileId) CurrentVersion();
}
