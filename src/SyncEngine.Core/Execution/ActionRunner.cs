using System;
using System.Buffers;
using System.IO;
using System.Security.Cryptography;
using SyncEngine.Storage;

namespace SyncEngine;

/// <summary>Applies one action: re-check, act, record. Throws <see cref="StaleException"/> when the plan no longer holds.</summary>
internal static class ActionRunner
{
    public static long Run(SyncExecution x, SyncAction a)
    {
        var s = x.Session;
        x.Token.ThrowIfCancellationRequested();
        switch (a.Action)
        {
            case SyncActionType.UploadNew:
            case SyncActionType.UploadUpdate:
            case SyncActionType.UploadRestore:
                return Transfer(x, a, SyncSide.Destination);
            case SyncActionType.DownloadNew:
            case SyncActionType.DownloadUpdate:
            case SyncActionType.DownloadRestore:
                return Transfer(x, a, SyncSide.Source);
            case SyncActionType.DeleteSource:
                Delete(x, s.Source, SyncSide.Source, a, a.Source!);
                return 0;
            case SyncActionType.DeleteDestination:
                Delete(x, s.Destination, SyncSide.Destination, a, a.Destination!);
                return 0;
            case SyncActionType.RenameDestination:
                Rename(x, a, SyncSide.Destination);
                return 0;
            case SyncActionType.RenameSource:
                Rename(x, a, SyncSide.Source);
                return 0;
            case SyncActionType.NoAction:
                Record(x, a);
                return 0;
            default:
                throw new StaleException("nothing to do");
        }
    }

    private static StorageEntry? Expect(IStorageProvider side, string path, FileVersion? planned, string sideName)
    {
        var current = side.Stat(path);
        if (planned is null)
        {
            if (current is not null)
            {
                throw new StaleException($"'{path}' appeared on the {sideName} after the plan was made");
            }

            return null;
        }

        if (current is null)
        {
            throw new StaleException($"'{path}' vanished from the {sideName} after the plan was made");
        }

        if (current.Size != planned.Size || current.MtimeTicks != planned.MtimeTicks || (planned.FileId != 0 && current.FileId != 0 && planned.FileId != current.FileId)
            || (planned.VersionTag is not null && current.VersionTag is not null && !string.Equals(planned.VersionTag, current.VersionTag, StringComparison.Ordinal)))
        {
            throw new StaleException($"'{path}' changed on the {sideName} after the plan was made");
        }

        return current;
    }

    private static long Transfer(SyncExecution x, SyncAction a, SyncSide target)
    {
        var s = x.Session;
        var (from, to) = target == SyncSide.Destination ? (s.Source, s.Destination) : (s.Destination, s.Source);
        var fromName = target == SyncSide.Destination ? "source" : "destination";
        var toName = target == SyncSide.Destination ? "destination" : "source";
        var content = target == SyncSide.Destination ? a.Source! : a.Destination!;
        var existing = target == SyncSide.Destination ? a.Destination : a.Source;
        var targetPath = existing?.Path ?? content.Path;

        long bytes;
        StorageEntry committed;
        string? hash;
        // A new file on a local side lands by an atomic no-replace rename, which itself refuses a file that
        // appeared meanwhile: the path need not be looked up before and after.
        var noReplaceCommit = existing is null && to.Capabilities.NoReplaceCommit;
        using (var input = OpenSource(from, content, fromName))
        {
            if (!noReplaceCommit)
            {
                Expect(to, targetPath, existing, toName);
            }

            using var staged = to.BeginWrite(targetPath);
            if (staged is ILengthAwareWrite sized)
            {
                sized.ExpectedLength = content.Size;
            }

            if (to.Capabilities.PosixPermissions)
            {
                staged.Permissions = content.Permissions;
            }

            if (staged is ITimedWrite timed)
            {
                timed.IntendedLastWriteTimeUtc = content.LastWriteTimeUtc;
            }

            (bytes, hash) = CopyContent(x, a, input, content.Path, staged, content.Size);

            // A file that changed while it was copied must not be recorded as copied.
            if (!StillAsPlanned(input, from, content))
            {
                throw new StaleException($"'{content.Path}' changed on the {fromName} while it was being copied; it will be copied on the next run");
            }

            input.Dispose();

            var current = noReplaceCommit ? null : Expect(to, targetPath, existing, toName);
            if (current is not null)
            {
                if (a.ConflictCopyPath is not null)
                {
                    // Keep both: the losing version stays beside the winner under the conflict name.
                    KeepLoser(to, targetPath, current, a.ConflictCopyPath, toName, x.Token);
                }
                else if (s.Pair.UseTrash)
                {
                    to.PreserveCopy(targetPath, x.TrashPathFor(target, targetPath));
                }

                // Where a side has no hard links the kept version is a copy, and copying takes time: an edit saved
                // meanwhile is in no copy. Looked at again after keeping, so the version replaced is the one kept.
                ExpectKept(to, targetPath, current, toName);
            }

            x.Token.ThrowIfCancellationRequested();
            try
            {
                committed = staged.Commit(content.LastWriteTimeUtc, overwrite: current is not null);
            }
            catch (IOException ex) when (noReplaceCommit && ex.HResult == 17)
            {
                // A file that appeared meanwhile makes the action stale; a folder (or anything not a file) that was in
                // the way all along is a failure that re-planning will not cure.
                if (to.Stat(targetPath) is not null)
                {
                    throw new StaleException($"'{targetPath}' appeared on the {toName} after the plan was made");
                }

                throw new IOException($"Cannot write '{targetPath}' on the {toName}: something that is not a file (a folder?) is in the way.", ex);
            }
        }

        hash ??= content.Hash;
        // The plan's version is the user's: the hash learned while copying goes into a copy of it.
        var read = content.WithHashIfNone(hash);
        var written = FileVersion.Written(committed, hash);
        var source = target == SyncSide.Destination ? read : written;
        var destination = target == SyncSide.Destination ? written : read;
        x.RecordSet(a.RelativePath, source, destination);

        if (a.ConflictCopyPath is not null && existing is not null)
        {
            // Carry the kept loser to the winner's side too, so both sides hold both versions.
            var keptOnLoser = to.Stat(a.ConflictCopyPath) ?? throw new IOException($"The conflict copy '{a.ConflictCopyPath}' vanished.");
            StorageEntry copied;
            string? loserHash;
            var already = from.Stat(a.ConflictCopyPath);
            if (already is not null)
            {
                // Carried by an interrupted earlier run of this resolution: only the same content counts as carried.
                loserHash = to.ComputeHash(a.ConflictCopyPath, x.Token);
                if (already.Size != keptOnLoser.Size || !string.Equals(from.ComputeHash(a.ConflictCopyPath, x.Token), loserHash, StringComparison.Ordinal))
                {
                    throw new StaleException($"'{a.ConflictCopyPath}' on the {fromName} holds another file than the kept version; the conflict copy is planned again on the next run");
                }

                copied = already;
            }
            else
            {
                using var input = to.OpenRead(a.ConflictCopyPath);
                using var staged = from.BeginWrite(a.ConflictCopyPath);
                if (staged is ILengthAwareWrite sized)
                {
                    sized.ExpectedLength = keptOnLoser.Size;
                }

                if (from.Capabilities.PosixPermissions)
                {
                    staged.Permissions = keptOnLoser.Permissions;
                }

                var (n, h) = CopyContent(x, a, input, a.ConflictCopyPath, staged, keptOnLoser.Size);
                bytes += n;
                loserHash = h ?? existing.Hash;
                copied = staged.Commit(keptOnLoser.LastWriteTimeUtc, overwrite: false);
            }

            var loserVersion = FileVersion.Written(keptOnLoser, loserHash);
            var copiedVersion = FileVersion.Written(copied, loserHash);
            x.RecordSet(PathRules.Key(a.ConflictCopyPath), target == SyncSide.Destination ? copiedVersion : loserVersion, target == SyncSide.Destination ? loserVersion : copiedVersion);
        }

        return bytes;
    }

    /// <summary>
    /// Checks, after the version at <paramref name="path"/> was kept (trash or conflict copy), that the file there is
    /// still the one that was looked at before keeping it; otherwise the replacement would destroy an edit that no
    /// copy holds. The kept copy stays where it is: an extra kept version loses nothing.
    /// </summary>
    private static void ExpectKept(IStorageProvider side, string path, StorageEntry looked, string sideName)
    {
        var now = side.Stat(path);
        if (now is null || now.Size != looked.Size || now.MtimeTicks != looked.MtimeTicks || (looked.FileId != 0 && now.FileId != 0 && now.FileId != looked.FileId))
        {
            throw new StaleException($"'{path}' changed on the {sideName} while its current version was being kept; it is planned again on the next run");
        }
    }

    /// <summary>
    /// Keeps the losing version of a keep-both resolution under its conflict name. The name can already hold it: an
    /// earlier run of this resolution kept it (by hard link or copy) and was interrupted before the winner was copied.
    /// Such a copy is used when it is the same file or holds the same content; anything else there is never touched.
    /// </summary>
    private static void KeepLoser(IStorageProvider side, string path, StorageEntry loser, string copyPath, string sideName, System.Threading.CancellationToken token)
    {
        var kept = side.Stat(copyPath);
        if (kept is null)
        {
            side.PreserveCopy(path, copyPath);
            return;
        }

        var sameFile = kept.FileId != 0 && kept.FileId == loser.FileId;
        if (!sameFile && (kept.Size != loser.Size
                          || !string.Equals(side.ComputeHash(copyPath, token), side.ComputeHash(path, token), StringComparison.Ordinal)))
        {
            throw new StaleException($"'{copyPath}' on the {sideName} already holds another file; the losing version of '{path}' is kept under another name on the next run");
        }
    }

    /// <summary>Files up to this size are copied through a loop that hashes as it copies, so the state learns their content hash for free.</summary>
    internal const long HashWhileCopyingLimit = 32L << 20;

    private const int ChunkSize = 1 << 20;

    /// <summary>Files from this size on are announced as read sequentially (one more call per file; small files gain nothing).</summary>
    private const long SequentialAdviceFrom = 1L << 20;

    [ThreadStatic]
    private static IncrementalHash? _sha;

    /// <summary>Frees what the calling worker thread kept between actions (its hasher).</summary>
    public static void ReleaseThreadResources()
    {
        _sha?.Dispose();
        _sha = null;
    }
    private const long KernelChunk = 64L << 20;

    /// <summary>
    /// Opens the file to copy and checks it is still the planned version: through the open descriptor where the
    /// provider offers one (no second path lookup, and the file checked is the file read), else by a path lookup.
    /// </summary>
    private static Stream OpenSource(IStorageProvider from, FileVersion planned, string sideName)
    {
        Stream input;
        try
        {
            input = from.OpenRead(planned.Path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StaleException($"'{planned.Path}' vanished from the {sideName} after the plan was made");
        }
        catch (SymbolicLinkException)
        {
            throw new StaleException($"'{planned.Path}' changed on the {sideName} after the plan was made");
        }

        if (!StillAsPlanned(input, from, planned))
        {
            input.Dispose();
            throw new StaleException($"'{planned.Path}' changed on the {sideName} after the plan was made");
        }

        return input;
    }

    /// <summary>Whether the file being read still has the planned size, time (and inode, where both know it).</summary>
    private static bool StillAsPlanned(Stream input, IStorageProvider from, FileVersion planned)
    {
        long size, mtime;
        ulong id;
        if (input is IOpenFileVersion open)
        {
            var st = open.CurrentVersion();
            if (!st.IsFile)
            {
                return false;
            }

            (size, mtime, id) = (st.Size, st.MtimeTicks, st.FileId);
        }
        else
        {
            var now = from.Stat(planned.Path);
            if (now is null)
            {
                return false;
            }

            (size, mtime, id) = (now.Size, now.MtimeTicks, now.FileId);
        }

        return size == planned.Size && mtime == planned.MtimeTicks && (planned.FileId == 0 || id == 0 || planned.FileId == id);
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle? HandleOf(Stream s) => s switch
    {
        ILocalFileStream local => local.Handle,
        FileStream fs => fs.SafeFileHandle,
        _ => null,
    };

    /// <summary>Copies content into a staged write. Returns the bytes copied and, when it was computed on the way, the SHA-256.</summary>
    private static (long Bytes, string? Hash) CopyContent(SyncExecution x, SyncAction a, Stream input, string fromPath, IStagedWrite staged, long expectedSize)
    {
        long lastTick = 0;
        var output = staged.Stream;
        if (expectedSize >= SequentialAdviceFrom && input is ILocalFileStream fd)
        {
            // As cp does: without it, the parts of a big file not in the page cache are read 128 KiB at a time.
            fd.AdviseSequential();
        }

        var throttle = x.Throttle;
        if (throttle is null && expectedSize > HashWhileCopyingLimit && staged is ILocalStagedWrite { LocalTempPath: not null }
            && HandleOf(input) is { } inHandle && HandleOf(output) is { } outHandle)
        {
            // Large local file: in-kernel copy (copy_file_range; clones where the filesystem can) in chunks, so
            // progress is reported and an abort is honoured between chunks.
            long done = 0;
            long inOffset = 0;
            long outOffset = 0;
            while (true)
            {
                x.Token.ThrowIfCancellationRequested();
                var n = NativeFs.CopyFileRange(inHandle, ref inOffset, outHandle, ref outOffset, KernelChunk);
                if (n < 0)
                {
                    if (done == 0)
                    {
                        break; // not possible here: fall back to the loop below
                    }

                    throw new IOException($"In-kernel copy of '{fromPath}' stopped after {done} bytes.");
                }

                if (n == 0)
                {
                    return (done, null);
                }

                done += n;
                x.ReportBytes(a, done, ref lastTick);
            }
        }

        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        // One hasher per worker thread, reset after every file (creating one per small file showed in profiles).
        var sha = _sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        try
        {
            int read;
            // Reading stops at the planned size: a file that grew (or shrank) meanwhile fails the check after the copy.
            // Under a bandwidth limit, chunks of a quarter second's worth, each taken from the run's shared pace.
            var chunk = throttle?.ChunkFor(buffer.Length) ?? buffer.Length;
            while (total < expectedSize && (read = input.Read(buffer, 0, (int)Math.Min(chunk, expectedSize - total))) > 0)
            {
                x.Token.ThrowIfCancellationRequested();
                throttle?.Take(read, x.Token);
                output.Write(buffer, 0, read);
                sha.AppendData(buffer, 0, read);
                total += read;
                x.ReportBytes(a, total, ref lastTick);
            }

            output.Flush();
        }
        catch
        {
            sha.GetHashAndReset(); // leave the thread's hasher clean for the next file
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (total, Hashing.ToHex(sha.GetHashAndReset()));
    }

    private static void Delete(SyncExecution x, IStorageProvider side, SyncSide sideId, SyncAction a, FileVersion planned)
    {
        Expect(side, planned.Path, planned, sideId == SyncSide.Source ? "source" : "destination");
        x.Token.ThrowIfCancellationRequested();
        if (x.Session.Pair.UseTrash && side.Capabilities.Rename == RenameSupport.None)
        {
            // A side that cannot rename keeps the version by copying it into the trash before the file goes.
            side.PreserveCopy(planned.Path, x.TrashPathFor(sideId, planned.Path));
            ExpectKept(side, planned.Path, side.Stat(planned.Path) ?? throw new StaleException($"'{planned.Path}' vanished while it was being kept"), sideId == SyncSide.Source ? "source" : "destination");
            side.Delete(planned.Path);
        }
        else if (x.Session.Pair.UseTrash)
        {
            side.Move(planned.Path, x.TrashPathFor(sideId, planned.Path), overwrite: false);
        }
        else
        {
            side.Delete(planned.Path);
        }

        x.RecordRemove(a.RelativePath);
        x.FolderMayBeEmpty(sideId, planned.Path);
    }

    private static void Rename(SyncExecution x, SyncAction a, SyncSide target)
    {
        var s = x.Session;
        var side = target == SyncSide.Destination ? s.Destination : s.Source;
        var other = target == SyncSide.Destination ? s.Source : s.Destination;
        var moving = target == SyncSide.Destination ? a.Destination! : a.Source!;
        var model = target == SyncSide.Destination ? a.Source! : a.Destination!;
        var sideName = target == SyncSide.Destination ? "destination" : "source";
        Expect(side, moving.Path, moving, sideName);
        Expect(other, model.Path, model, target == SyncSide.Destination ? "source" : "destination");
        var caseOnly = !side.Capabilities.CaseSensitive && !string.Equals(moving.Path, model.Path, StringComparison.Ordinal)
            && string.Equals(moving.Path.ToUpperInvariant(), model.Path.ToUpperInvariant(), StringComparison.Ordinal);
        if (!caseOnly)
        {
            Expect(side, model.Path, null, sideName);
        }

        x.Token.ThrowIfCancellationRequested();
        if (caseOnly)
        {
            // The new name finds the file itself on a side that ignores case, and renaming a name onto itself is a
            // no-op there (Linux's VFAT, casefolded ext4) or refused as "exists": go through the trash, so an
            // interruption between the two steps leaves the file in the trash, never lost.
            var hop = x.TrashPathFor(target, moving.Path);
            side.Move(moving.Path, hop, overwrite: false);
            side.Move(hop, model.Path, overwrite: false);
        }
        else
        {
            side.Move(moving.Path, model.Path, overwrite: false);
        }
        var moved = side.Stat(model.Path) ?? throw new IOException($"'{model.Path}' vanished right after the rename.");
        var hash = model.Hash ?? moving.Hash;
        var movedVersion = FileVersion.Written(moved, hash);
        x.RecordRename(a.PreviousPath!, a.RelativePath, target == SyncSide.Destination ? model : movedVersion, target == SyncSide.Destination ? movedVersion : model);
        x.FolderMayBeEmpty(target, moving.Path);
    }

    private static void Record(SyncExecution x, SyncAction a)
    {
        var s = x.Session;
        if (a.Source is null && a.Destination is null)
        {
            x.RecordRemove(a.RelativePath);
            return;
        }

        if (a.Source is null || a.Destination is null)
        {
            return; // one-sided NoAction (backup modes): nothing to record
        }

        Expect(s.Source, a.Source.Path, a.Source, "source");
        Expect(s.Destination, a.Destination.Path, a.Destination, "destination");
        // Both sides hold the same content: each learns the other's SHA-256, in copies (the plan's versions are the user's).
        var hash = a.Source.Hash ?? a.Destination.Hash;
        x.RecordSet(a.RelativePath, a.Source.WithHashIfNone(hash), a.Destination.WithHashIfNone(hash));
    }
}
