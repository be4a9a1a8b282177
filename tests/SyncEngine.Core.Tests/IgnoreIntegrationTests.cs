using System;
using System.IO;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Ignore rules through the engine (DESIGN.md "Ignore rules"): .syncignore in the source root plus the pair's patterns,
/// applied to both sides; an ignored path is never copied, overwritten or deleted on either side.
/// </summary>
public class IgnoreIntegrationTests : SideTests
{
    private const string IgnoreFile = ".syncignore";

    private static string[] WithoutIgnoreFile(SyncPlan plan) =>
        VisibleSorted(plan).Where(a => !a.EndsWith(" " + IgnoreFile, StringComparison.Ordinal)).ToArray();

    private static System.Collections.Generic.SortedDictionary<string, string> TreeWithoutIgnoreFile(TestPair t, SyncSide side)
    {
        var tree = t.Tree(side);
        tree.Remove(IgnoreFile);
        return tree;
    }

    [SkippableFact]
    public void A_mirror_never_deletes_overwrites_or_copies_ignored_files()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, IgnoreFile, "# scratch files\n*.tmp\n");
        t.Write(SyncSide.Source, "a.txt", "a");
        t.Write(SyncSide.Source, "y.tmp", "source scratch");
        t.Write(SyncSide.Source, "secret/b.txt", "source secret");
        t.Write(SyncSide.Source, "z.tmp", "source z");
        t.Write(SyncSide.Destination, "x.tmp", "destination scratch");
        t.Write(SyncSide.Destination, "secret/a.txt", "destination secret");
        t.Write(SyncSide.Destination, "z.tmp", "destination z, different");
        t.Write(SyncSide.Destination, "stray.txt", "not on source");
        var pair = PairOf(t, SyncMode.SourceToDestination, ignore: new[] { "secret/" });

        var run = Run(pair);

        Assert.Equal(new[] { "DeleteDestination stray.txt", "UploadNew a.txt" }, WithoutIgnoreFile(run.Plan));
        Assert.Equal(Tree(("a.txt", "a"), ("secret/a.txt", "destination secret"), ("x.tmp", "destination scratch"), ("z.tmp", "destination z, different")),
            TreeWithoutIgnoreFile(t, SyncSide.Destination));
        Assert.Equal(new[] { "not on source" }, Trash(t, SyncSide.Destination));
        NoVisibleActions(Plan(pair));
    }

    [SkippableFact]
    public void A_mirror_towards_the_source_leaves_ignored_source_files_alone()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, IgnoreFile, "*.log\n");
        t.Write(SyncSide.Source, "build.log", "local log");
        t.Write(SyncSide.Destination, "server.log", "remote log");
        t.Write(SyncSide.Destination, "a.txt", "a");
        var pair = PairOf(t, SyncMode.DestinationToSource);

        var run = Run(pair);

        // The .syncignore itself is a source-only file, but the pair's rules file: kept (see the tests below).
        Assert.Equal(new[] { "DownloadNew a.txt" }, WithoutIgnoreFile(run.Plan));
        Assert.Equal("local log", t.Read(SyncSide.Source, "build.log"));
        Assert.Null(t.Read(SyncSide.Source, "server.log"));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_mirror_towards_the_source_keeps_the_rules_file_and_the_files_it_protects(bool destinationHasOtherRules)
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, IgnoreFile, "*.log\n");
        t.Write(SyncSide.Source, "build.log", "local log");
        t.Write(SyncSide.Destination, "a.txt", "a");
        if (destinationHasOtherRules)
        {
            t.Write(SyncSide.Destination, IgnoreFile, "# none\n", DateTime.UtcNow.AddHours(1));
        }

        var pair = PairOf(t, SyncMode.DestinationToSource);

        for (var i = 0; i < 3; i++)
        {
            var run = Run(pair);

            Assert.Equal(i == 0 ? new[] { "DownloadNew a.txt" } : Array.Empty<string>(), VisibleSorted(run.Plan));
            Assert.Equal("*.log\n", t.Read(SyncSide.Source, IgnoreFile));
            Assert.Equal("local log", t.Read(SyncSide.Source, "build.log"));
            Assert.Empty(t.TrashContents(SyncSide.Source));
        }

        Assert.Equal(destinationHasOtherRules ? "# none\n" : null, t.Read(SyncSide.Destination, IgnoreFile));
        var kept = Assert.Single(Plan(pair, new PlanOptions { IncludeUnchanged = true }).Actions, a => a.RelativePath == IgnoreFile);
        Assert.Equal(SyncActionType.NoAction, kept.Action);
        Assert.Contains("rules file", kept.Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void TwoWay_never_deletes_or_replaces_the_rules_file_on_the_side_it_is_read_from()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, IgnoreFile, "*.log\n");
        t.Write(SyncSide.Source, "build.log", "local log");
        t.Write(SyncSide.Destination, "server.log", "remote log");
        t.Write(SyncSide.Source, "a.txt", "a");
        var pair = PairOf(t);
        Assert.Equal(new[] { "UploadNew .syncignore", "UploadNew a.txt" }, VisibleSorted(Run(pair).Plan));

        // Deleted on the destination: copied back, never deleted from the source.
        t.Delete(SyncSide.Destination, IgnoreFile);
        var restored = Run(pair);
        Assert.Equal(new[] { "UploadRestore .syncignore" }, VisibleSorted(restored.Plan));
        Assert.Equal("*.log\n", t.Read(SyncSide.Source, IgnoreFile));
        Assert.Equal("*.log\n", t.Read(SyncSide.Destination, IgnoreFile));

        // Edited on the destination (newer, so it would win): a conflict, every run; the source's rules stay.
        t.Write(SyncSide.Destination, IgnoreFile, "# no rules\n", DateTime.UtcNow.AddHours(1));
        for (var i = 0; i < 2; i++)
        {
            var run = Run(pair);
            Assert.Equal(new[] { "Conflict .syncignore" }, VisibleSorted(run.Plan));
            Assert.Equal(1, run.Summary.Conflicts);
            Assert.Equal("*.log\n", t.Read(SyncSide.Source, IgnoreFile));
            Assert.Equal("# no rules\n", t.Read(SyncSide.Destination, IgnoreFile));
        }

        // Edited on both sides, the destination newer: still never replaced on the source.
        t.Write(SyncSide.Source, IgnoreFile, "*.log\n*.tmp\n");
        Assert.Equal(new[] { "Conflict .syncignore" }, VisibleSorted(Run(pair).Plan));
        Assert.Equal("*.log\n*.tmp\n", t.Read(SyncSide.Source, IgnoreFile));

        Assert.Equal("local log", t.Read(SyncSide.Source, "build.log"));
        Assert.Null(t.Read(SyncSide.Destination, "build.log"));
        Assert.Null(t.Read(SyncSide.Source, "server.log"));
        Assert.Empty(t.TrashContents(SyncSide.Source));
    }

    [SkippableFact]
    public void TwoWay_with_the_destination_winning_the_first_sync_keeps_the_rules_file()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, IgnoreFile, "*.log\n");
        t.Write(SyncSide.Source, "build.log", "local log");
        var pair = PairOf(t, initial: InitialSyncPreference.DestinationWins);

        var run = Run(pair);

        Assert.Equal(new[] { "UploadNew .syncignore" }, VisibleSorted(run.Plan));
        Assert.Equal("*.log\n", t.Read(SyncSide.Source, IgnoreFile));
        Assert.Equal("local log", t.Read(SyncSide.Source, "build.log"));
        NoVisibleActions(Plan(pair));
    }

    [SkippableFact]
    public void TwoWay_copies_ignored_files_in_neither_direction()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, IgnoreFile, "*.bak\nnode_modules/\n");
        t.Write(SyncSide.Source, "s.bak", "s");
        t.Write(SyncSide.Destination, "d.bak", "d");
        t.Write(SyncSide.Destination, "web/node_modules/lib/x.js", "x");
        t.Write(SyncSide.Source, "doc.txt", "doc");
        var pair = PairOf(t);

        var run = Run(pair);

        Assert.Equal(new[] { "UploadNew doc.txt" }, WithoutIgnoreFile(run.Plan));
        Assert.Null(t.Read(SyncSide.Destination, "s.bak"));
        Assert.Null(t.Read(SyncSide.Source, "d.bak"));
        Assert.Null(t.Read(SyncSide.Source, "web/node_modules/lib/x.js"));
        NoVisibleActions(Plan(pair));
    }

    [SkippableFact]
    public void Negation_and_folder_only_patterns_work_through_the_engine()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, IgnoreFile, "*.log\n!critical.log\nbuild/\n");
        t.Write(SyncSide.Source, "debug.log", "noise");
        t.Write(SyncSide.Source, "critical.log", "keep me");
        t.Write(SyncSide.Source, "build/out.bin", "artifact");
        t.Write(SyncSide.Source, "src/build", "a file named build, not a folder");
        var pair = PairOf(t);

        var run = Run(pair);

        Assert.Equal(new[] { "UploadNew critical.log", "UploadNew src/build" }, WithoutIgnoreFile(run.Plan));
    }

    [SkippableFact]
    public void A_file_that_becomes_ignored_is_no_longer_touched_on_either_side()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "notes.txt", "v1");
        t.Write(SyncSide.Source, "gone.txt", "will be deleted at source");
        t.Write(SyncSide.Source, "keep.txt", "keep");
        var first = PairOf(t, SyncMode.SourceToDestination);
        Run(first);
        t.Write(SyncSide.Source, "notes.txt", "v2 edited at source");
        t.Delete(SyncSide.Source, "gone.txt");
        var pair = PairOf(t, SyncMode.SourceToDestination, ignore: new[] { "notes.txt", "gone.txt" });

        var run = Run(pair);

        NoVisibleActions(run.Plan);
        Assert.Equal("v1", t.Read(SyncSide.Destination, "notes.txt"));
        Assert.Equal("will be deleted at source", t.Read(SyncSide.Destination, "gone.txt"));
    }

    [SkippableFact]
    public void The_engine_folder_is_never_synchronized()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", "old");
        var pair = PairOf(t);
        Run(pair);
        t.Write(SyncSide.Destination, "f.txt", "newer at destination"); // the source's old version goes to its trash
        Run(pair);
        Assert.Equal(new[] { "old" }, Trash(t, SyncSide.Source));
        t.Write(SyncSide.Destination, "g.txt", "g");

        var run = Run(pair);

        Assert.Equal(new[] { "DownloadNew g.txt" }, VisibleSorted(run.Plan));
        Assert.DoesNotContain(AllFiles(t.Destination), p => p.StartsWith(".syncengine/trash/", StringComparison.Ordinal));
        Assert.Empty(t.TrashContents(SyncSide.Destination));
    }

    private static string StateFiles(TestPair t) =>
        string.Join("\n", new[] { SyncSide.Source, SyncSide.Destination }.Select(side =>
            string.Join(",", StateKeys(t.StateDir, side).Select(k => k + "=" + StateEntry(t.StateDir, side, k)!.Value.GetRawText()))));

    [SkippableFact]
    public void A_malformed_syncignore_is_an_error_naming_file_and_line_and_nothing_changes()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        t.Write(SyncSide.Destination, "b.txt", "b");
        var pair = PairOf(t, SyncMode.SourceToDestination);
        Run(pair);
        t.Write(SyncSide.Source, "new.txt", "new");
        t.Write(SyncSide.Destination, "stray.txt", "stray");
        t.Write(SyncSide.Source, IgnoreFile, "# comment\n*.tmp\n[abc\n");
        var sourceBefore = t.Tree(SyncSide.Source);
        var destinationBefore = t.Tree(SyncSide.Destination);
        var stateBefore = StateFiles(t);
        var trashBefore = Trash(t, SyncSide.Destination);

        var fromPlan = Assert.Throws<IgnoreRuleException>(() => Plan(pair));
        var fromRun = Assert.Throws<IgnoreRuleException>(() => Run(pair));

        foreach (var ex in new[] { fromPlan, fromRun })
        {
            Assert.Equal("SyncIgnoreRuleInvalid", ex.ErrorId);
            Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
            Assert.Equal(3, ex.Line);
            Assert.Contains(IgnoreFile, ex.SourceName, StringComparison.Ordinal);
            Assert.Contains(IgnoreFile, ex.Message, StringComparison.Ordinal);
            Assert.Contains("3", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(sourceBefore, t.Tree(SyncSide.Source));
        Assert.Equal(destinationBefore, t.Tree(SyncSide.Destination));
        Assert.Equal(trashBefore, Trash(t, SyncSide.Destination));
        Assert.Equal(stateBefore, StateFiles(t));
    }

    [SkippableFact]
    public void A_malformed_pattern_parameter_is_an_error_naming_its_position()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        var pair = PairOf(t, ignore: new[] { "*.tmp", "!" });

        var ex = Assert.Throws<IgnoreRuleException>(() => Run(pair));

        Assert.Equal(2, ex.Line);
        Assert.Equal("parameter", ex.SourceName);
        Assert.Empty(t.Tree(SyncSide.Destination));
    }
}
