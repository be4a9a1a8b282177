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

    public string Key { get; }

    public long SourceSize;
    public long SourceMtime;
    public ulong SourceId;
    public long DestinationSize;
    public long DestinationMtime;
    public ulong DestinationId;
    public bool HasDestination;

    /// <summary>
    /// The content hash both sides share (the normal, in-sync case) as 32 raw bytes: a hex string per side would
    /// cost ten times as much across millions of records. Differing or non-SHA-256 hashes live in <see cref="_extras"/>.
    /// </summary>
    private byte[]? _sharedHash;

    /// <summary>Hashes and on-disk names that differ from the key: rare, so kept out of line (one reference per record).</summary>
    private Extras? _extras;

    private sealed class Extras
    {
        public string? SourceHash;
        public string? SourcePath;
        public string? DestinationHash;
        public string? DestinationPath;
    }

    public string? SourceHash
    {
        get => _sharedHash is not null ? Hashing.ToHex(_sharedHash) : _extras?.SourceHash;
        set => SetHashes(value, DestinationHash);
    }

    public string? DestinationHash
    {
        get => _sharedHash is not null ? Hashing.ToHex(_sharedHash) : _extras?.DestinationHash;
        set => SetHashes(SourceHash, value);
    }

    /// <summary>Stores both hashes: once, as bytes, when they are the same SHA-256; as strings otherwise.</summary>
    public void SetHashes(string? source, string? destination)
    {
        if (source is not null && string.Equals(source, destination, StringComparison.Ordinal) && TryParseSha256(source, out var bytes))
        {
            _sharedHash = bytes;
            if (_extras is not null)
            {
                _extras.SourceHash = null;
                _extras.DestinationHash = null;
                if (_extras.SourcePath is null && _extras.DestinationPath is null)
                {
                    _extras = null;
                }
            }

            return;
        }

        _sharedHash = null;
        SetExtra(source, (e, v) => e.SourceHash = v);
        SetExtra(destination, (e, v) => e.DestinationHash = v);
    }

    /// <summary>Set while loading: <see cref="_sharedHash"/> holds the source's hash and the destination's is not read yet.</summary>
    private bool _sourceHashOnly;

    /// <summary>Loading the source tree: keeps a SHA-256 (given as its UTF-8 hex) as bytes right away.</summary>
    public void LoadSourceHash(ReadOnlySpan<byte> hexUtf8, Func<string> asString)
    {
        if (TryParseSha256(hexUtf8, out var bytes))
        {
            _sharedHash = bytes;
            _sourceHashOnly = true;
        }
        else
        {
            SetExtra(asString(), (e, v) => e.SourceHash = v);
        }
    }

    /// <summary>Loading the destination tree: pairs its hash (or none) with the source's.</summary>
    public void LoadDestinationHash(ReadOnlySpan<byte> hexUtf8, Func<string>? asString)
    {
        if (_sourceHashOnly)
        {
            _sourceHashOnly = false;
            if (asString is not null && TryParseSha256(hexUtf8, out var bytes) && bytes.AsSpan().SequenceEqual(_sharedHash))
            {
                return; // the normal case: one hash for both sides
            }

            var sourceHex = Hashing.ToHex(_sharedHash!);
            _sharedHash = null;
            SetExtra(sourceHex, (e, v) => e.SourceHash = v);
        }

        if (asString is not null)
        {
            SetExtra(asString(), (e, v) => e.DestinationHash = v);
        }
    }

    private static bool TryParseSha256(string hex, out byte[] bytes)
    {
        bytes = null!;
        if (hex.Length != 64)
        {
            return false;
        }

        var result = new byte[32];
        for (var i = 0; i < 32; i++)
        {
            var hi = Nibble(hex[2 * i]);
            var lo = Nibble(hex[(2 * i) + 1]);
            if (hi < 0 || lo < 0)
            {
                return false;
            }

            result[i] = (byte)((hi << 4) | lo);
        }

        bytes = result;
        return true;
    }

    private static bool TryParseSha256(ReadOnlySpan<byte> hex, out byte[] bytes)
    {
        bytes = null!;
        if (hex.Length != 64)
        {
            return false;
        }

        var result = new byte[32];
        for (var i = 0; i < 32; i++)
        {
            var hi = Nibble((char)hex[2 * i]);
            var lo = Nibble((char)hex[(2 * i) + 1]);
            if (hi < 0 || lo < 0)
            {
                return false;
            }

            result[i] = (byte)((hi << 4) | lo);
        }

        bytes = result;
        return true;
    }

    // Lowercase only: Hashing.ToHex writes lowercase, so a round trip gives back the very same string.
    private static int Nibble(char c) => c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

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

    /// <summary>The plan epoch in which the source listing found this file with unchanged metadata.</summary>
    public int SourceSeen;

    /// <summary>The plan epoch in which the destination listing found this file with unchanged metadata.</summary>
    public int DestinationSeen;

    public FileVersion Source => new(SourcePath ?? Key, SourceSize, SourceMtime, SourceId, SourceHash);

    public FileVersion Destination => new(DestinationPath ?? Key, DestinationSize, DestinationMtime, DestinationId, DestinationHash);

    public void SetSource(FileVersion v)
    {
        SourceSize = v.Size;
        SourceMtime = v.MtimeTicks;
        SourceId = v.FileId;
        SourceHash = v.Hash;

        SourcePath = string.Equals(v.Path, Key, StringComparison.Ordinal) ? null : v.Path;
    }

    public void SetDestination(FileVersion v)
    {
        DestinationSize = v.Size;
        DestinationMtime = v.MtimeTicks;
        DestinationId = v.FileId;
        DestinationHash = v.Hash;
        DestinationPath = string.Equals(v.Path, Key, StringComparison.Ordinal) ? null : v.Path;
    }

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
    public const int FormatVersion = 1;
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

    /// <summary>True when records changed since the snapshot was read: only then are the tree files rewritten.</summary>
    public bool Dirty { get; set; }

    /// <summary>A new epoch for the "seen unchanged" marks of one plan's listings.</summary>
    public int NextEpoch() => ++_epoch;

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

    public void Remove(string key)
    {
        if (Records.Remove(key))
        {
            Dirty = true;
        }
    }
}
