using System;

namespace SyncEngine.Storage;

/// <summary>
/// A staged write that would like the committed file's modification time before the content is written: a store that
/// fixes an object's metadata when an upload starts (an S3 multipart upload) can then put it there at once, instead of
/// a copy of the object onto itself after the commit. Only a hint: <see cref="IStagedWrite.Commit"/>'s time is the
/// one the file gets.
/// </summary>
public interface ITimedWrite
{
    /// <summary>The time the commit will most likely give (set before the first write to <see cref="IStagedWrite.Stream"/>).</summary>
    DateTime? IntendedLastWriteTimeUtc { get; set; }
}
