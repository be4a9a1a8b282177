using System;
using SyncEngine.Storage;

namespace SyncEngine;

/// <summary>One side's version of a file as the engine saw it: what a plan was made from and what the state records.</summary>
public sealed class FileVersion
{
    /// <summary>Creates a version.</summary>
    public FileVersion(string path, long size, long mtimeTicks, ulong fileId = 0, string? hash = null)
    {
        Path = path;
        Size = size;
        MtimeTicks = mtimeTicks;
        FileId = fileId;
        Hash = hash;
    }

    /// <summary>The path as this side stores it (may differ from the NFC key in Unicode form).</summary>
    public string Path { get; }

    /// <summary>Size in bytes.</summary>
    public long Size { get; }

    /// <summary>Last write time, UTC ticks.</summary>
    public long MtimeTicks { get; }

    /// <summary>Identity that survives a rename on this side (inode), or 0.</summary>
    public ulong FileId { get; }

    /// <summary>The content's SHA-256 (lowercase hex), when known: the algorithm every side can give.</summary>
    public string? Hash { get; internal set; }

    /// <summary>
    /// Hashes of other algorithms the side gave (an S3 ETag as <see cref="HashAlgorithms.Md5"/>), or null: kept apart
    /// from <see cref="Hash"/> because nearly every version has SHA-256 only.
    /// </summary>
    internal ContentHashes? OtherHashes { get; set; }

    /// <summary>The side's version tag (<see cref="StorageEntry.VersionTag"/>), or null.</summary>
    internal string? VersionTag { get; set; }

    /// <summary>Every known content hash, keyed by algorithm (<see cref="HashAlgorithms"/>).</summary>
    public ContentHashes Hashes
    {
        get
        {
            var others = OtherHashes ?? ContentHashes.None;
            return Hash is null ? others : others.With(HashAlgorithms.Sha256, Hash);
        }
    }

    /// <summary>Creates a version from a listing entry: its SHA-256 (when listed) and its other hashes kept apart.</summary>
    internal static FileVersion FromEntry(StorageEntry entry)
    {
        var hashes = entry.Hashes;
        var sha = hashes.Get(HashAlgorithms.Sha256);
        var others = sha is null ? hashes : hashes.Without(HashAlgorithms.Sha256);
        return new FileVersion(entry.Path, entry.Size, entry.MtimeTicks, entry.FileId, sha)
        {
            Permissions = entry.Permissions,
            OtherHashes = others.Count == 0 ? null : others,
            VersionTag = entry.VersionTag,
        };
    }

    /// <summary>
    /// The version a side holds after the engine wrote or moved it: the entry the side gave back (its hashes and
    /// version tag included), with the SHA-256 the engine knows of the content (computed while copying, or recorded).
    /// </summary>
    internal static FileVersion Written(StorageEntry entry, string? sha256)
    {
        var v = FromEntry(entry);
        if (sha256 is not null)
        {
            v.Hash = sha256;
        }

        return v;
    }

    /// <summary>This version, or a copy of it with <paramref name="sha256"/> as its hash when it has none (a plan's versions are never changed once handed out).</summary>
    internal FileVersion WithHashIfNone(string? sha256) =>
        Hash is not null || sha256 is null
            ? this
            : new FileVersion(Path, Size, MtimeTicks, FileId, sha256) { Permissions = Permissions, OtherHashes = OtherHashes, VersionTag = VersionTag };

    /// <summary>
    /// Whether the content of the two versions is known to be the same or different by a hash both hold (SHA-256, or
    /// another algorithm both sides listed); false when they share none.
    /// </summary>
    internal static bool TryCompareContent(FileVersion a, FileVersion b, out bool equal)
    {
        if (a.Hash is not null && b.Hash is not null)
        {
            equal = string.Equals(a.Hash, b.Hash, StringComparison.Ordinal);
            return true;
        }

        return ContentHashes.TryCompare(a.OtherHashes, b.OtherHashes, out equal);
    }

    /// <summary>Takes the hashes <paramref name="from"/> knows that this version lacks (the same content, recorded earlier).</summary>
    internal void LearnHashes(FileVersion from)
    {
        Hash ??= from.Hash;
        if (from.OtherHashes is { } others)
        {
            OtherHashes = others.Merge(OtherHashes);
        }
    }

    /// <summary>POSIX permission bits as listed (not recorded in the state), where the side keeps them.</summary>
    public int? Permissions { get; init; }

    /// <summary>Last write time as a UTC <see cref="DateTime"/>.</summary>
    public DateTime LastWriteTimeUtc => new DateTime(MtimeTicks, DateTimeKind.Utc);

    /// <summary>True when size, time and (where both known) identity and version tag are the same: the file was not touched.</summary>
    public bool SameMetadata(FileVersion other) =>
        Size == other.Size && MtimeTicks == other.MtimeTicks && (FileId == 0 || other.FileId == 0 || FileId == other.FileId)
        && (VersionTag is null || other.VersionTag is null || string.Equals(VersionTag, other.VersionTag, StringComparison.Ordinal));

    /// <summary>Returns a copy with another path.</summary>
    public FileVersion WithPath(string path) => new FileVersion(path, Size, MtimeTicks, FileId, Hash) { Permissions = Permissions, OtherHashes = OtherHashes, VersionTag = VersionTag };

    /// <inheritdoc />
    public override string ToString() => $"{Path} ({Size} bytes, {LastWriteTimeUtc:u})";
}
