using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using SyncEngine.State;
using SyncEngine.Storage;
using SyncEngine.TestSupport;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Temporary files are known as the engine's by their pair and run tags and the pair's record, never by a name prefix
/// alone: a user's file named like one is an ordinary file on either side, and only a killed run's leftovers are removed.
/// </summary>
public class TemporaryFileTests
{
    /// <summary>Names a user may give files: the bare prefix, the old format, and the new format with tags no record lists.</summary>
    private static string[] UserNames(SyncPair pair) => new[]
    {
        ".syncengine-tmp-notes.txt",
        "s/.syncengine-tmp-0123456789ab",
        $"d/.syncengine-tmp-{TemporaryNames.PairTagOf(pair.Id)}-00000000-000001",
        ".syncengine-tmp-ffffffff-ffffffff-000001",
    };

    [Theory]
    [InlineData(SyncMode.TwoWay)]
    [InlineData(SyncMode.SourceToDestination)]
    public void A_users_files_named_like_temporary_files_on_the_source_are_synced_and_never_deleted(SyncMode mode)
    {
        using var t = new TestPair();
        var pair = PairOf(t, mode);
        var names = UserNames(pair);
        foreach (var n in names)
        {
            t.Write(SyncSide.Source, n, "mine " + n);
        }

        var first = Run(pair);
        var second = Run(pair);

        foreach (var n in names)
        {
            Assert.Equal("mine " + n, t.Read(SyncSide.Source, n));
            Assert.Equal("mine " + n, t.Read(SyncSide.Destination, n));
        }

        Assert.Equal(0, first.Summary.Failed);
        Assert.Equal(0, second.Summary.Failed);
        Assert.Empty(t.TrashContents(SyncSide.Source));
        Assert.Empty(t.TrashContents(SyncSide.Destination));
    }

    [Fact]
    public void A_users_files_named_like_temporary_files_on_the_destination_are_synced_back_and_never_deleted()
    {
        using var t = new TestPair();
        var pair = PairOf(t);
        var names = UserNames(pair);
        foreach (var n in names)
        {
            t.Write(SyncSide.Destination, n, "theirs " + n);
        }

        Run(pair);
        Run(pair);

        foreach (var n in names)
        {
            Assert.Equal("theirs " + n, t.Read(SyncSide.Destination, n));
            Assert.Equal("theirs " + n, t.Read(SyncSide.Source, n));
        }
    }

    [Fact]
    public void A_backup_treats_a_destination_file_named_like_a_temporary_file_as_any_extra_file_it_keeps_in_the_trash()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        var pair = PairOf(t, SyncMode.SourceToDestination);
        t.Write(SyncSide.Destination, "x/.syncengine-tmp-0123456789ab", "only copy");

        Run(pair);
        Run(pair);

        // A mirror removes what the source lacks, through the trash, as for any other name: never deleted for good.
        Assert.Null(t.Read(SyncSide.Destination, "x/.syncengine-tmp-0123456789ab"));
        Assert.Equal(new[] { "only copy" }, t.TrashContents(SyncSide.Destination));
    }

    [Fact]
    public void A_plan_lists_files_named_like_temporary_files()
    {
        using var t = new TestPair();
        var pair = PairOf(t);
        t.Write(SyncSide.Source, ".syncengine-tmp-notes.txt", "mine");

        var plan = SyncPlanner.Plan(pair);

        Assert.Contains(plan.Actions, a => a.RelativePath == ".syncengine-tmp-notes.txt" && a.Action == SyncActionType.UploadNew);
    }

    [Fact]
    public void Temporary_names_carry_the_pair_and_run_tags_and_the_run_is_recorded_before_its_first_temporary_file()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        var pair = PairOf(t, SyncMode.SourceToDestination);
        string? temp = null;
        List<string>? recorded = null;
        var dst = new HookedProvider(t.Destination)
        {
            HideLocalPaths = true,
            OnCommit = _ =>
            {
                temp = Assert.Single(TempFiles(t.Destination));
                recorded = TempRecord.Read(t.StateDir);
            },
        };

        Run(pair, new HookedProvider(t.Source) { HideLocalPaths = true }, dst);

        var parts = temp!.Substring(PathRules.TempPrefix.Length).Split('-');
        Assert.Equal(TemporaryNames.PairTagOf(pair.Id), parts[0]);
        Assert.Equal(new[] { parts[1] }, recorded);
        Assert.Empty(TempRecord.Read(t.StateDir)); // a run that ended left nothing: its tag is gone
    }

    [Fact]
    public void The_leftovers_of_a_killed_run_are_removed_and_not_synced_and_a_look_alike_beside_them_is_kept()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "s/big.txt", new string('s', 100_000));
        t.Write(SyncSide.Destination, "d/other.txt", "d");
        var pair = PairOf(t);

        // Stop the world at the commit of a copy, as a kill there would: the half-written temporary file and the
        // record as they were at that moment are put back after the run.
        var saved = new Dictionary<string, byte[]>();
        byte[]? record = null;
        var dst = new HookedProvider(t.Destination)
        {
            HideLocalPaths = true,
            OnCommit = _ =>
            {
                foreach (var f in TempFiles(t.Destination))
                {
                    saved[f] = File.ReadAllBytes(Full(t, SyncSide.Destination, f));
                }

                record = File.ReadAllBytes(Path.Combine(t.StateDir, TempRecord.FileName));
            },
        };
        Run(pair, new HookedProvider(t.Source) { HideLocalPaths = true }, dst);
        var leftover = Assert.Single(saved.Keys);
        File.WriteAllBytes(Full(t, SyncSide.Destination, leftover), saved[leftover]);
        File.WriteAllBytes(Path.Combine(t.StateDir, TempRecord.FileName), record!);
        t.Write(SyncSide.Destination, "s/.syncengine-tmp-0123456789ab", "a user's file");

        var next = Run(pair);

        Assert.DoesNotContain(next.Plan.Actions, a => a.RelativePath == leftover);
        Assert.False(File.Exists(Full(t, SyncSide.Destination, leftover)));
        Assert.Equal(new[] { "s/.syncengine-tmp-0123456789ab" }, TempFiles(t.Destination));
        Assert.Equal(new[] { "s/.syncengine-tmp-0123456789ab" }, TempFiles(t.Source));
        Assert.Equal("a user's file", t.Read(SyncSide.Source, "s/.syncengine-tmp-0123456789ab"));
        Assert.Empty(TempRecord.Read(t.StateDir));
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
    }
}
