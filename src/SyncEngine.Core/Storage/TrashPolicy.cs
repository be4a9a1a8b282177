using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace SyncEngine.Storage;

/// <summary>
/// Trash retention, the engine's policy for every side: replaced and deleted versions are kept under
/// <c>.syncengine/trash/&lt;run id&gt;/&lt;path&gt;</c> (<see cref="TrashNames"/>), and a run folder is purged once both
/// the time the engine saw pass (the side's ledger, <see cref="TrashAges"/>) and the time its name records exceed the
/// retention. The ledger is read and written through the side's own provider, so a remote side keeps it remotely.
/// </summary>
internal static class TrashPolicy
{
    /// <summary>The trash's folder inside the engine folder.</summary>
    public const string Folder = "trash";

    /// <summary>The ledger's path relative to the side's root.</summary>
    public const string LedgerPath = PathRules.EngineFolder + "/" + TrashAges.LedgerName;

    /// <summary>
    /// Credits the side's trash folders with the time seen since the last look and deletes those past
    /// <paramref name="retention"/>. Nothing is purged when the ledger cannot be read back or written (purging then
    /// would age trash by one reading of the clock); a folder that cannot be deleted is left for the next run.
    /// Returns the run folders deleted.
    /// </summary>
    public static IReadOnlyList<string> Purge(IStorageProvider side, TimeSpan retention, DateTime now, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> runs;
        byte[]? ledger;
        try
        {
            runs = side.ListEngineFolders(Folder);
            if (runs.Count == 0)
            {
                return Array.Empty<string>();
            }

            ledger = ReadLedger(side);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
        {
            return Array.Empty<string>();
        }

        List<string> expired;
        try
        {
            expired = TrashAges.Expired(ledger, runs, now, retention, out var updated);
            using (var write = side.BeginWrite(LedgerPath))
            {
                write.Stream.Write(updated, 0, updated.Length);
                write.Commit(now, overwrite: true);
            }

            (side as IDurableStorage)?.FlushCompletedWrites();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
        {
            return Array.Empty<string>(); // the ledger cannot be written: purge nothing
        }

        var purged = new List<string>();
        foreach (var run in expired)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                side.DeleteEngineFolder(Folder + "/" + run, cancellationToken);
                purged.Add(run);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
            {
            }
        }

        return purged;
    }

    private static byte[]? ReadLedger(IStorageProvider side)
    {
        if (side.Stat(LedgerPath) is null)
        {
            return null;
        }

        using var stream = side.OpenRead(LedgerPath);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
