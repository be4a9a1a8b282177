using System;
using System.IO;
using SyncEngine.Storage;

namespace SyncEngine;

internal static partial class ActionRunner
{
    /// <summary>
    /// Copies a kept version (kept on either side, or a live file that still is that version) to its path on the side
    /// restored, with the logged time, checking the logged SHA-256. The version there now (if any) is kept in this
    /// run's trash first, so the restore can itself be undone; the state is not touched, so the next sync sees the
    /// restored file as a change on this side and carries it to the other side as any edit.
    /// </summary>
    private static long Restore(SyncExecution x, SyncAction a, SyncSide target)
    {
        var s = x.Session;
        var side = target == SyncSide.Destination ? s.Destination : s.Source;
        var sideName = target == SyncSide.Destination ? "destination" : "source";
        var fromSide = a.RestoreFromSide == SyncSide.Destination ? s.Destination : s.Source;
        var fromName = a.RestoreFromSide == SyncSide.Destination ? "destination" : "source";
        var content = a.RestoreFrom ?? throw new StaleException("nothing to restore");
        var version = a.RestoreVersion;
        var time = version?.LastWriteTimeUtc ?? content.LastWriteTimeUtc;
        var expectedHash = version?.Sha256 ?? content.Hash;
        var existing = target == SyncSide.Destination ? a.Destination : a.Source;
        var targetPath = a.RelativePath;
        string? keptAt = null;
        long bytes;
        string? hash;
        StorageEntry committed;
        using (var input = OpenKept(fromSide, content, fromName))
        {
            Expect(side, targetPath, existing, sideName);
            using var staged = side.BeginWrite(targetPath);
            if (staged is ITimedWrite timed)
            {
                timed.IntendedLastWriteTimeUtc = time;
            }

            (bytes, hash) = CopyContent(x, a, input, content.Path, staged, content.Size);
            if (!StillAsPlanned(input, fromSide, content))
            {
                throw new StaleException($"the kept version '{content.Path}' changed on the {fromName} while it was being restored");
            }

            input.Dispose();
            hash ??= expectedHash is null ? null : fromSide.ComputeHash(content.Path, x.Token);
            if (expectedHash is not null && hash is not null && !string.Equals(expectedHash, hash, StringComparison.Ordinal))
            {
                throw new SyncEngineException("SyncHistoryVersionDamaged", SyncErrorKind.IOError,
                    $"The kept version '{content.Path}' on the {fromName} does not hold the content the change log recorded (SHA-256 {expectedHash}); '{targetPath}' was not changed.", content.Path);
            }

            var current = Expect(side, targetPath, existing, sideName);
            if (current is not null)
            {
                // The version there now is kept first, so the restore can itself be undone.
                if (s.Pair.UseTrash)
                {
                    keptAt = x.TrashPathFor(target, targetPath);
                    side.PreserveCopy(targetPath, keptAt);
                }

                ExpectKept(side, targetPath, current, sideName);
            }

            x.Token.ThrowIfCancellationRequested();
            committed = staged.Commit(time, overwrite: current is not null);
        }

        var written = FileVersion.Written(committed, hash ?? expectedHash);
        x.LogChange(target, History.ChangeKind.Restore, targetPath, null, existing, written, keptAt);
        return bytes;
    }

    private static Stream OpenKept(IStorageProvider side, FileVersion kept, string sideName)
    {
        try
        {
            return OpenSource(side, kept, sideName);
        }
        catch (StaleException)
        {
            if (side.Stat(kept.Path) is null)
            {
                throw new SyncEngineException("SyncHistoryVersionPruned", SyncErrorKind.NotFound,
                    $"The kept version '{kept.Path}' is no longer on the {sideName} (removed by trash retention or by hand).", kept.Path);
            }

            throw;
        }
    }
}
