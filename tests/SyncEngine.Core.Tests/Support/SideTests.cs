using System.Collections.Generic;
using SyncEngine.Storage;

namespace SyncEngine.Core.Tests.Support;

/// <summary>
/// A test class whose runs and plans take their side providers from <see cref="Provider"/>: both sides on the local
/// disk by default (exactly as <see cref="Sync.Run"/> and <see cref="TestPair.Plan"/> run them), one side elsewhere in
/// a derived class (for example on the test sshd, with the SFTP root at that side's local folder, so that every
/// assertion reading the folders still holds). Tests call <see cref="Run"/>, <see cref="Plan"/> and
/// <see cref="Open"/> of this class, never the engine's local-only entry points, and call <see cref="LocalOnly"/>
/// first when what they check exists only on a local disk.
/// </summary>
public abstract class SideTests
{
    /// <summary>The side a derived class puts elsewhere, or null when both are local.</summary>
    protected virtual SyncSide? RemoteSide => null;

    /// <summary>A new provider for one side of <paramref name="pair"/>, or null for the engine's local provider.</summary>
    protected virtual IStorageProvider? Provider(SyncPair pair, SyncSide side) => null;

    /// <summary>The side a derived class puts on an object store (no file identity, no links), or null.</summary>
    protected virtual SyncSide? ObjectStoreSide => null;

    /// <summary>
    /// A file's identity as the side keeps it: the local inode; on an object store, which keeps none (a rename there
    /// is a copy and a delete), 0 for every file, so "same identity" holds and the test checks the rest.
    /// </summary>
    protected ulong FileId(TestPair t, SyncSide side, string relative) => side == ObjectStoreSide ? 0 : Sync.FileId(t, side, relative);

    /// <summary>Skips the test (with <paramref name="reason"/>) where a side is on an object store.</summary>
    protected void NotOnObjectStore(string reason) => Skip.If(ObjectStoreSide is not null, $"not on an object store: {reason}");

    /// <summary>Skips the test (with <paramref name="reason"/>) where a side is not on the local disk.</summary>
    protected void LocalOnly(string reason) => Skip.If(RemoteSide is not null, $"local sides only: {reason}");

    /// <summary>False where a side's files are stored transformed (encrypted, compressed), so the folder on disk does not hold them as they are.</summary>
    protected virtual bool SidesStoredAsIs => true;

    /// <summary>Skips the test (with <paramref name="reason"/>) where a side's folder does not hold its files as they are.</summary>
    protected void StoredAsIsOnly(string reason) => Skip.If(!SidesStoredAsIs, $"sides stored as plain files only: {reason}");

    /// <summary>A provider for one side that a test wraps in a decorator: <see cref="Provider"/>, or the local one.</summary>
    protected IStorageProvider SideProvider(SyncPair pair, SyncSide side) =>
        Provider(pair, side) ?? new LocalStorageProvider(side == SyncSide.Source ? pair.Source : pair.Destination);

    /// <summary>As <see cref="Sync.Run"/>, with the class's providers for every side the caller does not pass.</summary>
    protected RunRecord Run(SyncPair pair, IStorageProvider? source = null, IStorageProvider? destination = null, PlanOptions? planOptions = null,
                            bool force = false, Control.SyncController? controller = null)
    {
        var made = new List<IStorageProvider>();
        try
        {
            return Sync.Run(pair, source ?? Made(pair, SyncSide.Source, made), destination ?? Made(pair, SyncSide.Destination, made), planOptions, force, controller);
        }
        finally
        {
            // The session disposes its providers; these are disposed again (harmless) for when it never opened.
            made.ForEach(p => p.Dispose());
        }
    }

    /// <summary>As <see cref="TestPair.Plan"/> (the engine's own local planning when both sides are local).</summary>
    protected SyncPlan Plan(SyncPair pair, PlanOptions? options = null)
    {
        if (RemoteSide is null)
        {
            return SyncPlanner.Plan(pair, options);
        }

        using var session = Open(pair);
        return session.Plan(options);
    }

    /// <summary>A session over the class's providers.</summary>
    protected SyncSession Open(SyncPair pair)
    {
        var made = new List<IStorageProvider>();
        try
        {
            return SyncSession.Open(pair, Made(pair, SyncSide.Source, made), Made(pair, SyncSide.Destination, made));
        }
        catch
        {
            made.ForEach(p => p.Dispose());
            throw;
        }
    }

    private IStorageProvider? Made(SyncPair pair, SyncSide side, List<IStorageProvider> made)
    {
        var provider = Provider(pair, side);
        if (provider is not null)
        {
            made.Add(provider);
        }

        return provider;
    }
}
