using System;
using SyncEngine.Storage;
using System.Collections.Generic;

namespace SyncEngine.State;

/// <summary>
/// The last-known state of one path: both sides' versions when they were last in sync. Kept as one compact object
/// (no nested version objects) because a pair may track millions of paths; <see cref="Source"/> and
/// <see cref="Destination"/> build <see cref="FileVersion"/>s on demand.
/// </summary>
internal sealed class StateRecord
{
    public StateRecord(string key, FileVersion source, FileVersion destination)
    {
        Key = key;
        SetSource(source);
        SetDestination(destination);
        HasDestination = true;
    }

    public StateRecord(string key) => Key = key;

    /// <summary>This record under another key (a rename): every version field kept, on-disk names equal to the new key.</summary>
    public StateRecord MovedTo(string key) => new(key)
    {
        SourceSize = SourceSize,
        SourceMtime = SourceMtime,
        SourceId = SourceId,
        DestinationSize = DestinationSize,
        DestinationMtime = DestinationMtime,
        DestinationId = DestinationId,
        HasDestination = HasDestination,
        _hash = _hash,
        _hashSides = _hashSides,
        _extras = _extras is null || (_extras.SourceHash is null && _extras.DestinationHash is null && !_extras.HasMetadata)
            ? null
            : new Extras
            {
                SourceHash = _extras.SourceHash,
                DestinationHash = _extras.DestinationHash,
                SourceOthers = _extras.SourceOthers,
                DestinationOthers = _extras.DestinationOthers,
                SourceTag = _extras.SourceTag,
                DestinationTag = _extras.DestinationTag,
            },
    };

    /// <summary>
    /// Whether moving this record to <paramref name="key"/> records exactly these versions: same sizes, times and
    /// identities, names equal to the key, and hashes equal (or not known by the new versions: the same unchanged file
    /// keeps the hash it had).
    /// </summary>
    public bool MovesTo(string key, FileVersion source, FileVersion destination) =>
        Same(source, SourceSize, SourceMtime, SourceId, SourceHash, key) && Same(destination, DestinationSize, DestinationMtime, DestinationId, DestinationHash, key) && HasDestination;

    private static bool Same(FileVersion v, long size, long mtime, ulong id, string? hash, string key) =>
        v.Size == size && v.MtimeTicks == mtime && v.FileId == id && string.Equals(v.Path, key, StringComparison.Ordinal)
        && (v.Hash is null || string.Equals(v.Hash, hash, StringComparison.Ordinal));

    public string Key { get; }

    public long SourceSize;
    public long SourceMtime;
    public ulong SourceId;
    public long DestinationSize;
    public long DestinationMtime;
    public ulong DestinationId;
    public bool HasDestination;

    /// <summary>
    /// One SHA-256 kept inline (no array, no hex string): a pair may track millions of paths and nearly every record
    /// has one hash shared by both sides, or a hash on one side only. <see cref="_hashSides"/> says which sides it
    /// belongs to (1 source, 2 destination, 3 both). Hashes that differ between the sides, or that are not lowercase
    /// SHA-256 hex, live in <see cref="_extras"/> as strings.
    /// </summary>
    private Sha256Value _hash;

    private byte _hashSides;

    /// <summary>Hashes and on-disk names that differ from the key: rare, so kept out of line (one reference per record).</summary>
    private Extras? _extras;

    private sealed class Extras
    {
        public string? SourceHash;
        public string? SourcePath;
        public string? DestinationHash;
        public string? DestinationPath;

        /// <summary>Each side's hashes of algorithms other than SHA-256 (an S3 ETag as md5), or null.</summary>
        public ContentHashes? SourceOthers;
        public ContentHashes? DestinationOthers;

        /// <summary>Each side's version tag (<see cref="StorageEntry.VersionTag"/>), or null.</summary>
        public string? SourceTag;
        public string? DestinationTag;

        public bool HasMetadata => SourceOthers is not null || DestinationOthers is not null || SourceTag is not null || DestinationTag is not null;

        public bool IsEmpty => SourceHash is null && DestinationHash is null && SourcePath is null && DestinationPath is null && !HasMetadata;
    }

    /// <summary>The side's hashes of algorithms other than SHA-256, or null.</summary>
    public ContentHashes? OtherHashes(SyncSide side) => side == SyncSide.Source ? _extras?.SourceOthers : _extras?.DestinationOthers;

    /// <summary>The side's version tag, or null.</summary>
    public string? Tag(SyncSide side) => side == SyncSide.Source ? _extras?.SourceTag : _extras?.DestinationTag;

    /// <summary>Sets the side's other hashes and version tag (null and empty sets keep no extra object).</summary>
    public void SetMetadata(SyncSide side, ContentHashes? others, string? tag)
    {
        if (others is { Count: 0 })
        {
            others = null;
        }

        if (others is null && tag is null && _extras is null)
        {
            return;
        }

        var e = _extras ??= new Extras();
        if (side == SyncSide.Source)
        {
            e.SourceOthers = others;
            e.SourceTag = tag;
        }
        else
        {
            e.DestinationOthers = others;
            e.DestinationTag = tag;
        }

        if (e.IsEmpty)
        {
            _extras = null;
        }
    }

    public string? SourceHash
    {
        get => (_hashSides & 1) != 0 ? _hash.ToHex() : _extras?.SourceHash;
        set => SetHashes(value, DestinationHash);
    }

    public string? DestinationHash
    {
        get => (_hashSides & 2) != 0 ? _hash.ToHex() : _extras?.DestinationHash;
        set => SetHashes(SourceHash, value);
    }

    /// <summary>Stores both hashes: inline when they are one SHA-256 (on both sides or on one side only); as strings otherwise.</summary>
    public void SetHashes(string? source, string? destination)
    {
        Sha256Value h;
        if (source is not null && destination is not null)
        {
            if (string.Equals(source, destination, StringComparison.Ordinal) && Sha256Value.TryParse(source, out h))
            {
                SetInlineHash(h, 3);
                return;
            }
        }
        else if (source is not null && Sha256Value.TryParse(source, out h))
        {
            SetInlineHash(h, 1);
            return;
        }
        else if (destination is not null && Sha256Value.TryParse(destination, out h))
        {
            SetInlineHash(h, 2);
            return;
        }
        else if (source is null && destination is null)
        {
            SetInlineHash(default, 0);
            return;
        }

        _hash = default;
        _hashSides = 0;
        SetExtra(source, (e, v) => e.SourceHash = v);
        SetExtra(destination, (e, v) => e.DestinationHash = v);
    }

    /// <summary>Keeps one SHA-256 for the given sides (0 = no hash on either side) and drops any string hashes.</summary>
    public void SetInlineHash(in Sha256Value hash, byte sides)
    {
        _hash = sides == 0 ? default : hash;
        _hashSides = sides;
        if (_extras is not null)
        {
            _extras.SourceHash = null;
            _extras.DestinationHash = null;
            if (_extras.IsEmpty)
            {
                _extras = null;
            }
        }
    }

    /// <summary>
    /// Loading: sets both sides' hashes from what the tree files held, each either a SHA-256 (<paramref name="sourceSha"/>
    /// and <paramref name="destinationSha"/> true), another string, or none; no string is made in the usual cases.
    /// </summary>
    public void LoadHashes(bool sourceSha, in Sha256Value sourceHash, string? sourceOther, bool destinationSha, in Sha256Value destinationHash, string? destinationOther)
    {
        if (sourceSha && destinationSha)
        {
            if (sourceHash.Equals(destinationHash))
            {
                SetInlineHash(sourceHash, 3);
                return;
            }
        }
        else if (sourceSha && destinationOther is null)
        {
            SetInlineHash(sourceHash, 1);
            return;
        }
        else if (destinationSha && sourceOther is null)
        {
            SetInlineHash(destinationHash, 2);
            return;
        }
        else if (sourceOther is null && destinationOther is null)
        {
            SetInlineHash(default, 0);
            return;
        }

        SetHashes(sourceSha ? sourceHash.ToHex() : sourceOther, destinationSha ? destinationHash.ToHex() : destinationOther);
    }

    /// <summary>The side's hash when it is held inline as a SHA-256 (writing a tree then makes no string).</summary>
    public bool TryGetInlineHash(SyncSide side, out Sha256Value hash)
    {
        hash = _hash;
        return (_hashSides & (side == SyncSide.Source ? 1 : 2)) != 0;
    }

    /// <summary>Loading a destination tree after its source tree (records matched by key): pairs its hash with the source's.</summary>
    public void LoadDestinationHash(bool sha, in Sha256Value hash, string? other)
    {
        var sourceSha = (_hashSides & 1) != 0;
        var sourceHash = _hash;
        LoadHashes(sourceSha, sourceHash, sourceSha ? null : _extras?.SourceHash, sha, hash, other);
    }

    public string? SourcePath
    {
        get => _extras?.SourcePath;
        set => SetExtra(value, (e, v) => e.SourcePath = v);
    }

    public string? DestinationPath
    {
        get => _extras?.DestinationPath;
        set => SetExtra(value, (e, v) => e.DestinationPath = v);
    }

    private void SetExtra(string? value, Action<Extras, string?> set)
    {
        if (value is null && _extras is null)
        {
            return;
        }

        set(_extras ??= new Extras(), value);
    }

    /// <summary>The plan epoch in which the source listing found this file with unchanged metadata (16 bits: with the
    /// flags above they fill one word of the record; <see cref="PairState.NextEpoch"/> clears them all before wrapping).</summary>
    public ushort SourceSeen;

    /// <summary>The plan epoch in which the destination listing found this file with unchanged metadata.</summary>
    public ushort DestinationSeen;

    public FileVersion Source => new(SourcePath ?? Key, SourceSize, SourceMtime, SourceId, SourceHash)
    {
        OtherHashes = _extras?.SourceOthers,
        VersionTag = _extras?.SourceTag,
    };

    public FileVersion Destination => new(DestinationPath ?? Key, DestinationSize, DestinationMtime, DestinationId, DestinationHash)
    {
        OtherHashes = _extras?.DestinationOthers,
        VersionTag = _extras?.DestinationTag,
    };

    public void SetSource(FileVersion v)
    {
        SourceSize = v.Size;
        SourceMtime = v.MtimeTicks;
        SourceId = v.FileId;
        SourceHash = v.Hash;
        SetMetadata(SyncSide.Source, v.OtherHashes, v.VersionTag);

        SourcePath = string.Equals(v.Path, Key, StringComparison.Ordinal) ? null : v.Path;
    }

    public void SetDestination(FileVersion v)
    {
        DestinationSize = v.Size;
        DestinationMtime = v.MtimeTicks;
        DestinationId = v.FileId;
        DestinationHash = v.Hash;
        SetMetadata(SyncSide.Destination, v.OtherHashes, v.VersionTag);
        DestinationPath = string.Equals(v.Path, Key, StringComparison.Ordinal) ? null : v.Path;
    }

    /// <summary>
    /// On a side that does not list files' own times (<see cref="StorageCapabilities.MtimeInListing"/> false): whether
    /// a listed file is this side's recorded version, by name, size and version tag (a null tag never matches).
    /// </summary>
    public bool MatchesTag(SyncSide side, string path, long size, string? tag) =>
        tag is not null && TagMatches(Tag(side), tag)
        && size == (side == SyncSide.Source ? SourceSize : DestinationSize)
        && string.Equals(path, (side == SyncSide.Source ? SourcePath : DestinationPath) ?? Key, StringComparison.Ordinal);

    /// <summary>
    /// Whether a listed tag is the recorded one, or completes it: a recorded tag that ends in '@' is pending (the
    /// provider knew the version's identity when it wrote it, not yet its time: an S3 PUT answers with the ETag, not
    /// LastModified), and a listed tag that starts with it is that version (<see cref="StorageEntry.VersionTag"/>).
    /// </summary>
    public static bool TagMatches(string? recorded, string listed) =>
        recorded is not null
        && (string.Equals(recorded, listed, StringComparison.Ordinal)
            || (recorded.Length > 1 && recorded[recorded.Length - 1] == '@' && listed.Length > recorded.Length && listed.StartsWith(recorded, StringComparison.Ordinal)));

    /// <summary>Whether a listed file is this side's recorded version, untouched (same name, size, time and identity).</summary>
    public bool Matches(SyncSide side, string path, long size, long mtime, ulong fileId)
    {
        if (side == SyncSide.Source)
        {
            return size == SourceSize && mtime == SourceMtime && (fileId == 0 || SourceId == 0 || fileId == SourceId)
                   && string.Equals(path, SourcePath ?? Key, StringComparison.Ordinal);
        }

        return size == DestinationSize && mtime == DestinationMtime && (fileId == 0 || DestinationId == 0 || fileId == DestinationId)
               && string.Equals(path, DestinationPath ?? Key, StringComparison.Ordinal);
    }
}

/// <summary>The last-known state of a pair: one record per NFC path key.</summary>
internal sealed class PairState
{
    /// <summary>
    /// The state files' format. 1: one "hash" per version (SHA-256, or an unnamed other hash). 2: "hashes", an
    /// object keyed by algorithm (<c>{"sha256":"…","md5":"…"}</c>), and a version "tag". Format 1 is read (its
    /// SHA-256 kept, an unnamed other hash dropped) and upgraded: the next save rewrites the trees in format 2.
    /// </summary>
    public const int FormatVersion = 2;

    /// <summary>
    /// What the recorded file identities ("id") are, written in the metadata as "identities": the inode together with
    /// the birth time (NativeFs.Stat.FileId). A state without it was written when an id was the inode alone; those
    /// ids are forgotten when it is read (content then proves renames, once). An older SyncEngine ignores the field
    /// and finds no id it knows, which makes it compare content: it never mistakes one file for another.
    /// </summary>
    public const string IdentityScheme = "inode+birth";

    /// <summary>Forgets every recorded file identity; the trees are written again at the next save.</summary>
    public void ForgetIdentities()
    {
        foreach (var rec in Records.Values)
        {
            rec.SourceId = 0;
            rec.DestinationId = 0;
        }

        Dirty = true;
        TreesOnDisk = false;
    }
    private int _epoch;

    public PairState(string pairId, string source, string destination, int capacity = 0)
    {
        PairId = pairId;
        Source = source;
        Destination = destination;
        Records = new Dictionary<string, StateRecord>(capacity, StringComparer.Ordinal);
    }

    public string PairId { get; }

    public string Source { get; }

    public string Destination { get; }

    public string PairName { get; set; } = "";

    public long Generation { get; set; }

    public Dictionary<string, StateRecord> Records { get; }

    public DateTime? LastRunUtc { get; set; }

    public string? LastOutcome { get; set; }

    public int LastSucceeded { get; set; }

    public int LastFailed { get; set; }

    public int LastSkipped { get; set; }

    /// <summary>True when records changed since the tree files were read (by the journal's replay or by this run).</summary>
    public bool Dirty { get; set; }

    /// <summary>
    /// True when the records are exactly the tree files on disk plus the journal on disk (the state was loaded from a
    /// complete snapshot, or was just written as one), so a save may leave the trees alone and keep the journal.
    /// Every change made through <see cref="Set"/> and <see cref="Remove"/> must have been journalled first.
    /// </summary>
    public bool TreesOnDisk { get; set; }

    /// <summary>A new epoch for the "seen unchanged" marks of one plan's listings.</summary>
    public int NextEpoch()
    {
        if (_epoch >= MaxEpoch)
        {
            // The marks are 16 bits: before an epoch number comes round again, no record may still carry it.
            foreach (var rec in Records.Values)
            {
                rec.SourceSeen = 0;
                rec.DestinationSeen = 0;
            }

            _epoch = 0;
        }

        return ++_epoch;
    }

    /// <summary>The last epoch before the marks are cleared and numbering starts again at 1.</summary>
    internal const int MaxEpoch = ushort.MaxValue;

    /// <summary>For tests: sets the epoch counter (to exercise the wrap without 65,535 plans).</summary>
    internal void SetEpochForTest(int epoch) => _epoch = epoch;

    public void Set(string key, FileVersion source, FileVersion destination)
    {
        if (Records.TryGetValue(key, out var existing))
        {
            existing.SetSource(source);
            existing.SetDestination(destination);
            existing.HasDestination = true;
            existing.SourceSeen = 0;
            existing.DestinationSeen = 0;
        }
        else
        {
            Records[key] = new StateRecord(key, source, destination);
        }

        Dirty = true;
    }

    /// <summary>
    /// Loading: the same as <see cref="Set"/> with the versions a journal line gave (a null or absent path is the
    /// key), without making a <see cref="FileVersion"/> or a hash string.
    /// </summary>
    public void SetLoaded(string key, VersionFields source, VersionFields destination)
    {
        if (!Records.TryGetValue(key, out var rec))
        {
            rec = new StateRecord(key);
            Records[key] = rec;
        }

        rec.SourceSize = source.Size;
        rec.SourceMtime = source.Mtime;
        rec.SourceId = source.Id;
        rec.SourcePath = source.Path is null || string.Equals(source.Path, key, StringComparison.Ordinal) ? null : source.Path;
        rec.DestinationSize = destination.Size;
        rec.DestinationMtime = destination.Mtime;
        rec.DestinationId = destination.Id;
        rec.DestinationPath = destination.Path is null || string.Equals(destination.Path, key, StringComparison.Ordinal) ? null : destination.Path;
        rec.LoadHashes(source.HasSha, source.Sha, null, destination.HasSha, destination.Sha, null);
        rec.SetMetadata(SyncSide.Source, source.Others, source.Tag);
        rec.SetMetadata(SyncSide.Destination, destination.Others, destination.Tag);
        rec.HasDestination = true;
        rec.SourceSeen = 0;
        rec.DestinationSeen = 0;
        Dirty = true;
    }

    /// <summary>Moves a record to another key (a rename); false when there is no record at <paramref name="from"/>.</summary>
    public bool Move(string from, string to)
    {
        if (!Records.TryGetValue(from, out var rec))
        {
            return false;
        }

        Records.Remove(from);
        Records[to] = rec.MovedTo(to);
        Dirty = true;
        return true;
    }

    public void Remove(string key)
    {
        if (Records.Remove(key))
        {
            Dirty = true;
        }
    }
}
