using System;

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

    /// <summary>Content hash (SHA-256 hex, or the side's native hash), when known.</summary>
    public string? Hash { get; internal set; }

    /// <summary>POSIX permission bits as listed (not recorded in the state), where the side keeps them.</summary>
    public int? Permissions { get; init; }

    /// <summary>Last write time as a UTC <see cref="DateTime"/>.</summary>
    public DateTime LastWriteTimeUtc => new DateTime(MtimeTicks, DateTimeKind.Utc);

    /// <summary>True when size, time and (where both known) identity are the same: the file was not touched.</summary>
    public bool SameMetadata(FileVersion other) =>
        Size == other.Size && MtimeTicks == other.MtimeTicks && (FileId == 0 || other.FileId == 0 || FileId == other.FileId);

    /// <summary>Returns a copy with another path.</summary>
    public FileVersion WithPath(string path) => new FileVersion(path, Size, MtimeTicks, FileId, Hash) { Permissions = Permissions };

    /// <inheritdoc />
    public override string ToString() => $"{Path} ({Size} bytes, {LastWriteTimeUtc:u})";
}
