using System;
using System.IO;
using System.Linq;
using SyncEngine.State;
using SyncEngine.Storage;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Issue 9 case 6: a file deleted and a new file created whose inode is the freed one, with the same size and
/// modification time, is not the same file. An inode number alone proved identity, so the pair was planned as a
/// rename and the other side kept the old content for good.
/// </summary>
public class IdentityTests
{
    private static ulong Inode(string path) => NativeFs.TryLStat(path, out var st) ? st.Inode : 0;

    [SkippableTheory]
    [InlineData(SyncMode.SourceToDestination)]
    [InlineData(SyncMode.TwoWay)]
    public void A_new_file_on_a_reused_inode_with_the_same_size_and_time_is_copied_not_taken_for_a_rename(SyncMode mode)
    {
        Skip.If(OperatingSystem.IsWindows(), "needs a filesystem that reuses inode numbers (ext4 here)");
        using var t = new TestPair();
        t.Write(SyncSide.Source, "old.txt", "content A");
        var mtime = Mtime(t, SyncSide.Source, "old.txt");
        var pair = PairOf(t, mode);
        Run(pair);

        // Delete, then create files until one gets the freed inode (ext4 hands it out again at once).
        var oldPath = Full(t, SyncSide.Source, "old.txt");
        var freed = Inode(oldPath);
        File.Delete(oldPath);
        var newPath = Full(t, SyncSide.Source, "new.txt");
        var reused = false;
        for (var attempt = 0; attempt < 200 && !reused; attempt++)
        {
            File.WriteAllText(newPath, "content B");
            reused = Inode(newPath) == freed;
            if (!reused)
            {
                File.Delete(newPath);
            }
        }

        Skip.IfNot(reused, $"the filesystem of {t.Root} did not give the freed inode to a new file");

        File.SetLastWriteTimeUtc(newPath, mtime);
        var run = Run(pair);
        Assert.DoesNotContain(run.Plan.Actions, a => a.Action is SyncActionType.RenameDestination or SyncActionType.RenameSource);
        Assert.Equal("content B", t.Read(SyncSide.Destination, "new.txt"));
        Assert.False(File.Exists(Full(t, SyncSide.Destination, "old.txt")));
        Assert.Contains("content A", t.TrashContents(SyncSide.Destination));
        NoVisibleActions(Run(pair).Plan);
    }

    [Fact]
    public void Ids_of_a_state_written_when_an_id_was_the_inode_alone_are_forgotten_and_the_trees_written_again()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        t.Write(SyncSide.Source, "b.txt", "b");
        var pair = PairOf(t, SyncMode.SourceToDestination);
        Run(pair);
        var meta = Path.Combine(t.StateDir, "sync_metadata.json");
        Assert.Contains("\"identities\":\"inode+birth\"", File.ReadAllText(meta), StringComparison.Ordinal);

        // As the earlier SyncEngine wrote it: no "identities", and ids that are inode numbers.
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("\"identities\":\"inode+birth\",", "", StringComparison.Ordinal));
        var loaded = StateStore.Load(t.StateDir, pair).State!;
        Assert.All(loaded.Records.Values, r => Assert.Equal((0UL, 0UL), (r.SourceId, r.DestinationId)));

        // Nothing to do on an unchanged tree, a rename is still replayed (by content), and the next save writes ids again.
        NoVisibleActions(Run(pair).Plan);
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("\"identities\":\"inode+birth\",", "", StringComparison.Ordinal));
        File.Move(Full(t, SyncSide.Source, "a.txt"), Full(t, SyncSide.Source, "renamed.txt"));
        var run = Run(pair);
        Assert.Contains(run.Plan.Actions, a => a.Action == SyncActionType.RenameDestination && a.RelativePath == "renamed.txt");
        var again = StateStore.Load(t.StateDir, pair).State!;
        Assert.All(again.Records.Values, r => Assert.NotEqual(0UL, r.SourceId));
    }
}
