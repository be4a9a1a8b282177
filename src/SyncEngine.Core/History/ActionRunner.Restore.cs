using System;
using System.IO;
using SyncEngine.Storage;

namespace SyncEngine;

internal static partial class ActionRunner
{
    /// <summary>
    /// Copies a kept version back to its path on the same side. The version there now (if any) is kept in this run's
    /// trash first, so the restore can itself be undone; the state is not touched, so the next sync sees the restored
    /// file as a change on this side and carries it to the other side as any edit.
    /// </summary>
    private static long Restore(SyncExecution x, SyncAction a, SyncSide target)
    {
        var s = x.Session;
        var side = target == SyncSide.Destination ? s.Destination : s.Source;
        var sideName = target == SyncSide.Destination ? "destination" : "source";
        var content = a.RestoreFrom ?? throw new StaleException("nothing to restore");
        var existing = target == SyncSide.Destination ? a.Destination : a.Source;
        var targetPath = a.RelativePath;
        string? keptAt = null;
        long bytes;
        string? hash;
        StorageEntry committed;
        using (var input = OpenKept(side, content, sideName))
        {
            Expect(side, targetPath, existing, sideName);
            using var staged = side.BeginWrite(targetPath);
            (bytes, hash) = CopyContent(x, a, input, content.Path, staged, content.Size);
            if (!StillAsPlanned(input, side, content))
            {
                throw new StaleException($"the kept version '{content.Path}' changed on the {sideName} while it was being restored");
            }

            input.Dispose();
            if (content.Hash is not null && hash is not null && !string.Equals(content.Hash, hash, StringComparison.Ordinal))
            {
                throw new SyncEngineException("SyncHistoryVersionDamaged", SyncErrorKind.IOError,
                    $"The kept version '{content.Path}' on the {sideName} does not hold the content the change log recorded (SHA-256 {content.Hash}); '{targetPath}' was not changed.", content.Path);
            }

            var current = Expect(side, targetPath, existing, sideName);
            if (current is not null)
            {
                if (s.Pair.UseTrash)
                {
                    keptAt = x.TrashPathFor(target, targetPath);
                    side.PreserveCopy(targetPath, keptAt);
                }

                ExpectKept(side, targetPath, current, sideName);
            }

            x.Token.ThrowIfCancellationRequested();
            committed = staged.Commit(content.LastWriteTimeUtc, overwrite: current is not null);
        }

        var written = FileVersion.Written(committed, hash ?? content.Hash);
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
