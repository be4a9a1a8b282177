using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SyncEngine.State;
using SyncEngine.TestSupport;

namespace SyncEngine.Core.Tests.Watch;

/// <summary>
/// A sync of one subtree (issue 14, item 5: <see cref="PlanOptions.Paths"/>): planned through the watch's dirty-path
/// machinery, listing only there, and keeping the rest of the tree and its state records as they were.
/// </summary>
public class SubtreeSyncTests
{
    private static SyncPair PairOf(TestPair t, SyncMode mode = SyncMode.TwoWay) => new(t.Source, t.Destination) { Mode = mode, StatePath = t.StateDir };

    private static Dictionary<string, string> StateRecords(TestPair t, SyncPair pair) =>
        StateStore.Load(t.StateDir, pair).State!.Records.Values.ToDictionary(
            r => r.Key,
            r => $"{r.Source.Size}/{r.Source.MtimeTicks}/{r.Source.FileId}/{r.Source.Hash} | {r.Destination.Size}/{r.Destination.MtimeTicks}/{r.Destination.FileId}/{r.Destination.Hash}",
            StringComparer.Ordinal);

    /// <summary>A synced pair with files inside docs/ and outside it; then changes on the source in both places.</summary>
    private static SyncPair SyncedThenChanged(TestPair t)
    {
        t.Write(SyncSide.Source, "docs/a.txt", "a1");
        t.Write(SyncSide.Source, "docs/sub/b.txt", "b1");
        t.Write(SyncSide.Source, "docs/gone.txt", "gone");
        t.Write(SyncSide.Source, "other/c.txt", "c1");
        t.Write(SyncSide.Source, "other/gone.txt", "kept");
        t.Write(SyncSide.Source, "top.txt", "t1");
        var pair = PairOf(t);
        Assert.Equal(0, t.Sync(pair).Summary.Failed);

        t.Write(SyncSide.Source, "docs/a.txt", "a2");
        t.Write(SyncSide.Source, "docs/sub/new.txt", "new");
        t.Delete(SyncSide.Source, "docs/gone.txt");
        t.Write(SyncSide.Source, "other/c.txt", "c2");
        t.Write(SyncSide.Source, "other/new.txt", "other new");
        t.Delete(SyncSide.Source, "other/gone.txt");
        t.Write(SyncSide.Source, "top.txt", "t2");
        return pair;
    }

    [Fact]
    public void A_sync_of_one_folder_applies_its_changes_only_and_keeps_the_state_of_the_rest_of_the_tree()
    {
        using var t = new TestPair();
        var pair = SyncedThenChanged(t);
        var before = StateRecords(t, pair);

        var (summary, results) = t.Sync(pair, planOptions: new PlanOptions { Paths = new[] { "docs" } });

        Assert.Equal(0, summary.Failed);
        Assert.Equal(new[] { "docs/a.txt", "docs/gone.txt", "docs/sub/new.txt" }, results.Select(r => r.RelativePath).OrderBy(p => p, StringComparer.Ordinal));
        Assert.Equal("a2", t.Read(SyncSide.Destination, "docs/a.txt"));
        Assert.Equal("new", t.Read(SyncSide.Destination, "docs/sub/new.txt"));
        Assert.False(t.Exists(SyncSide.Destination, "docs/gone.txt"));

        // Outside docs/ nothing moved, on the disk or in the state.
        Assert.Equal("c1", t.Read(SyncSide.Destination, "other/c.txt"));
        Assert.False(t.Exists(SyncSide.Destination, "other/new.txt"));
        Assert.Equal("kept", t.Read(SyncSide.Destination, "other/gone.txt"));
        Assert.Equal("t1", t.Read(SyncSide.Destination, "top.txt"));
        var after = StateRecords(t, pair);
        foreach (var key in new[] { "other/c.txt", "other/gone.txt", "top.txt", "docs/sub/b.txt" })
        {
            Assert.Equal(before[key], after[key]);
        }

        Assert.False(after.ContainsKey("docs/gone.txt"));
        Assert.True(after.ContainsKey("docs/sub/new.txt"));

        // The state of the rest is whole: the next full sync sees the deletion outside docs/ as a deletion (a lost
        // record would have made it a destination-only file, copied back to the source).
        var (_, rest) = t.Sync(pair);
        Assert.Equal(
            new[] { "other/c.txt:UploadUpdate", "other/gone.txt:DeleteDestination", "other/new.txt:UploadNew", "top.txt:UploadUpdate" },
            rest.Select(r => r.RelativePath + ":" + r.Action).OrderBy(p => p, StringComparer.Ordinal));
        Assert.False(t.Exists(SyncSide.Source, "other/gone.txt"));
        Assert.False(t.Exists(SyncSide.Destination, "other/gone.txt"));
    }

    [Fact]
    public void Only_the_folders_on_the_way_to_the_paths_and_below_them_are_listed()
    {
        using var t = new TestPair();
        var pair = SyncedThenChanged(t);
        var src = new HookedProvider(t.Source);
        var dst = new HookedProvider(t.Destination);
        using (var session = SyncSession.Open(pair, src, dst))
        {
            var plan = session.Plan(new PlanOptions { Paths = new[] { "docs/sub" } });
            Assert.Equal(new[] { "docs/sub/new.txt" }, plan.Visible().Select(a => a.RelativePath));
        }

        foreach (var listed in new[] { src.ListedFolders, dst.ListedFolders })
        {
            Assert.DoesNotContain(listed, f => f.StartsWith("other", StringComparison.Ordinal));
            Assert.Contains("docs/sub", listed);
        }
    }

    [Fact]
    public void Several_paths_and_a_single_file_each_plan_just_themselves()
    {
        using var t = new TestPair();
        var pair = SyncedThenChanged(t);
        var plan = t.Plan(pair, new PlanOptions { Paths = new[] { "./docs/a.txt", "top.txt", "docs/a.txt/", "other/new.txt" } });
        Assert.Equal(
            new[] { "docs/a.txt", "other/new.txt", "top.txt" },
            plan.Visible().Select(a => a.RelativePath).OrderBy(p => p, StringComparer.Ordinal));
    }

    [Fact]
    public void A_deleted_folder_given_as_the_path_is_deleted_on_the_other_side_and_the_guard_counts_the_whole_side()
    {
        using var t = new TestPair();
        for (var i = 0; i < 10; i++)
        {
            t.Write(SyncSide.Source, $"keep/f{i}.txt", "k" + i);
        }

        t.Write(SyncSide.Source, "old/x.txt", "x");
        t.Write(SyncSide.Source, "old/y.txt", "y");
        var pair = PairOf(t, SyncMode.SourceToDestination);
        t.Sync(pair);
        Directory.Delete(Path.Combine(t.Source, "old"), recursive: true);

        var (summary, results) = t.Sync(pair, planOptions: new PlanOptions { Paths = new[] { "old" } });
        Assert.Equal(2, results.Count(r => r.Action == SyncActionType.DeleteDestination && r.Status == SyncResultStatus.Succeeded));
        Assert.Equal(0, summary.Failed);
        Assert.Equal(10, Directory.EnumerateFiles(Path.Combine(t.Destination, "keep")).Count());
        Assert.Equal(2, t.TrashFiles(SyncSide.Destination).Count);
    }

    [Theory]
    [InlineData("/etc", "absolute")]
    [InlineData("../outside", "'..'")]
    [InlineData("docs/../../outside", "'..'")]
    [InlineData(".syncengine/trash", ".syncengine")]
    [InlineData(".SyncEngine", ".syncengine")]
    [InlineData(".", "whole tree")]
    [InlineData("", "empty")]
    public void A_bad_path_is_refused_naming_it_and_nothing_is_changed(string path, string reason)
    {
        using var t = new TestPair();
        var pair = SyncedThenChanged(t);
        var before = StateRecords(t, pair);
        var destination = t.Tree(SyncSide.Destination);
        var options = new PlanOptions { Paths = new[] { "docs", path } };

        var planned = Assert.Throws<SyncEngineException>(() => t.Plan(pair, options));
        var synced = Assert.Throws<SyncEngineException>(() => t.Sync(pair, planOptions: options));
        var validated = Assert.Throws<SyncEngineException>(options.Validate);
        foreach (var ex in new[] { planned, synced, validated })
        {
            Assert.Equal(SubtreePaths.InvalidPathId, ex.ErrorId);
            Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
            Assert.Equal(path, ex.Target);
            Assert.Contains($"'{path}'", ex.Message, StringComparison.Ordinal);
            Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(destination, t.Tree(SyncSide.Destination));
        Assert.Equal(before, StateRecords(t, pair));
    }

    [Fact]
    public void A_reseed_cannot_be_limited_to_a_path()
    {
        using var t = new TestPair();
        var pair = SyncedThenChanged(t);
        var before = StateRecords(t, pair);
        var ex = Assert.Throws<SyncEngineException>(() => t.Sync(pair, planOptions: new PlanOptions { Paths = new[] { "docs" }, Reseed = true }));
        Assert.Equal(SubtreePaths.ReseedId, ex.ErrorId);
        Assert.Equal(before, StateRecords(t, pair));
        Assert.Equal("a1", t.Read(SyncSide.Destination, "docs/a.txt"));
    }

    [Fact]
    public void Normalize_writes_paths_in_the_engine_form_each_once()
    {
        Assert.Equal(new[] { "docs", "a/b.txt" }, SubtreePaths.Normalize(new[] { "./docs/", "docs", "a/b.txt", "./a/b.txt" }));
        if (Path.DirectorySeparatorChar == '\\')
        {
            Assert.Equal(new[] { "a/b" }, SubtreePaths.Normalize(new[] { @"a\b" }));
        }
    }
}
