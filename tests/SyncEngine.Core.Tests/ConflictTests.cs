using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>Conflict strategies (seed 000, DESIGN.md "Conflicts"): the losing version of an automatic resolution is never destroyed.</summary>
public class ConflictTests : SideTests
{
    private static readonly DateTime T0 = new(2024, 6, 1, 10, 0, 0, DateTimeKind.Utc);
    private const string SourceEdit = "source edit";
    private const string DestinationEdit = "destination edit";

    /// <summary>Baseline f.txt synced, then both sides edit it; <paramref name="destinationLaterBy"/> sets which is newer.</summary>
    private SyncPair Conflicted(TestPair t, ConflictResolution strategy, TimeSpan destinationLaterBy, string file = "docs/f.txt")
    {
        t.Write(SyncSide.Source, file, "base", T0);
        t.Write(SyncSide.Source, "keep.txt", "keep", T0);
        var pair = PairOf(t, conflicts: strategy);
        Run(pair);
        t.Write(SyncSide.Source, file, SourceEdit, T0.AddHours(1));
        t.Write(SyncSide.Destination, file, DestinationEdit, T0.AddHours(1) + destinationLaterBy);
        return pair;
    }

    private static void AssertBoth(TestPair t, string path, string content)
    {
        Assert.Equal(content, t.Read(SyncSide.Source, path));
        Assert.Equal(content, t.Read(SyncSide.Destination, path));
    }

    private void AssertUnresolved(TestPair t, RunRecord run, string path = "docs/f.txt")
    {
        var a = Assert.Single(run.Plan.Visible());
        Assert.Equal(SyncActionType.Conflict, a.Action);
        Assert.Equal(path, a.RelativePath);
        Assert.True(a.IsConflict); // the same meaning as the CLI's "conflict": true (issue 10, item 8)
        Assert.False(a.IsMutating);
        Assert.Equal(1, run.Summary.Conflicts);
        Assert.Equal(0, run.Summary.Succeeded + run.Summary.Failed);
        Assert.Equal("Conflicts", run.Summary.Outcome);
        Assert.Equal(SyncResultStatus.Skipped, run.ResultFor(path).Status);
        Assert.Equal(SourceEdit, t.Read(SyncSide.Source, path));
        Assert.Equal(DestinationEdit, t.Read(SyncSide.Destination, path));
        Assert.Empty(t.TrashContents(SyncSide.Source));
        Assert.Empty(t.TrashContents(SyncSide.Destination));
        Assert.Equal(new[] { "Conflict " + path }, Describe(Plan(run.Plan.Info.Pair).Visible()));
    }

    [SkippableFact]
    public void NewestWins_is_the_default()
    {
        using var t = new TestPair();
        Assert.Equal(ConflictResolution.NewestWins, new SyncPair(t.Source, t.Destination).ConflictResolution);
    }

    [SkippableTheory]
    [InlineData(60, SyncActionType.DownloadUpdate, DestinationEdit, SyncSide.Source, SourceEdit)]
    [InlineData(-60, SyncActionType.UploadUpdate, SourceEdit, SyncSide.Destination, DestinationEdit)]
    public void NewestWins_the_newer_edit_wins_and_the_other_goes_to_the_trash(int destinationLaterBySeconds, SyncActionType expected, string winner, SyncSide loserSide, string loser)
    {
        using var t = new TestPair();
        var pair = Conflicted(t, ConflictResolution.NewestWins, TimeSpan.FromSeconds(destinationLaterBySeconds));

        var run = Run(pair);

        var a = Assert.Single(run.Plan.Visible());
        Assert.Equal(expected, a.Action);
        Assert.True(a.IsConflict);
        AssertBoth(t, "docs/f.txt", winner);
        Assert.Equal(new[] { loser }, Trash(t, loserSide));
        Assert.Equal(0, run.Summary.Conflicts);
        NoVisibleActions(Plan(pair));
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(1500)]
    [InlineData(-2000)]
    public void NewestWins_with_equal_times_within_two_seconds_is_an_unresolved_conflict(int destinationLaterByMs)
    {
        using var t = new TestPair();
        var pair = Conflicted(t, ConflictResolution.NewestWins, TimeSpan.FromMilliseconds(destinationLaterByMs));

        AssertUnresolved(t, Run(pair));
    }

    [SkippableFact]
    public void SourceWins_even_when_the_destination_is_newer()
    {
        using var t = new TestPair();
        var pair = Conflicted(t, ConflictResolution.SourceWins, TimeSpan.FromHours(2));

        var run = Run(pair);

        Assert.Equal(new[] { "UploadUpdate docs/f.txt" }, Describe(run.Plan.Visible()));
        Assert.True(run.Plan.Visible().Single().IsConflict);
        AssertBoth(t, "docs/f.txt", SourceEdit);
        Assert.Equal(new[] { DestinationEdit }, Trash(t, SyncSide.Destination));
        NoVisibleActions(Plan(pair));
    }

    [SkippableFact]
    public void DestinationWins_even_when_the_source_is_newer()
    {
        using var t = new TestPair();
        var pair = Conflicted(t, ConflictResolution.DestinationWins, TimeSpan.FromHours(-2));

        var run = Run(pair);

        Assert.Equal(new[] { "DownloadUpdate docs/f.txt" }, Describe(run.Plan.Visible()));
        AssertBoth(t, "docs/f.txt", DestinationEdit);
        Assert.Equal(new[] { SourceEdit }, Trash(t, SyncSide.Source));
        NoVisibleActions(Plan(pair));
    }

    private static string ConflictName(string stemPath, string ext, string side, DateTime loserUtc) =>
        $"{stemPath} (conflict {side} {loserUtc.ToString("yyyy-MM-dd HHmmss", CultureInfo.InvariantCulture)}){ext}";

    [SkippableTheory]
    [InlineData(60, "docs/f.txt")]
    [InlineData(-60, "docs/f.txt")]
    [InlineData(60, "README")]
    [InlineData(-60, "deep/er/archive.tar.gz")]
    public void KeepBoth_the_newer_takes_the_path_and_the_older_is_kept_beside_it_on_both_sides(int destinationLaterBySeconds, string file)
    {
        using var t = new TestPair();
        var pair = Conflicted(t, ConflictResolution.KeepBoth, TimeSpan.FromSeconds(destinationLaterBySeconds), file);
        var destinationNewer = destinationLaterBySeconds > 0;
        var loserSide = destinationNewer ? SyncSide.Source : SyncSide.Destination;
        var loserTime = Mtime(t, loserSide, file);
        var dot = file.LastIndexOf('.');
        var slash = file.LastIndexOf('/');
        var (stem, ext) = dot > slash + 1 ? (file.Substring(0, dot), file.Substring(dot)) : (file, "");
        var copy = ConflictName(stem, ext, destinationNewer ? "source" : "destination", loserTime);

        var run = Run(pair);

        var a = Assert.Single(run.Plan.Visible());
        Assert.True(a.IsConflict);
        Assert.Equal(copy, a.ConflictCopyPath);
        var winner = destinationNewer ? DestinationEdit : SourceEdit;
        var loser = destinationNewer ? SourceEdit : DestinationEdit;
        var expected = Tree((file, winner), (copy, loser), ("keep.txt", "keep"));
        Assert.Equal(expected, t.Tree(SyncSide.Source));
        Assert.Equal(expected, t.Tree(SyncSide.Destination));
        Assert.Equal(loserTime, Mtime(t, SyncSide.Source, copy));
        Assert.Equal(loserTime, Mtime(t, SyncSide.Destination, copy));
        NoVisibleActions(Plan(pair));
    }

    /// <summary>
    /// Issue 9 case 19 (crash harness seed 282945): a keep-both resolution killed after the losing version was kept
    /// under its conflict name (hard link or copy on the loser's side) and before the winner was copied. The next run
    /// plans the same conflict with the same conflict name, which now exists: it must resume (the kept copy is the
    /// loser itself) and converge, whichever of "carry the copy" and "upload the new file" runs first.
    /// </summary>
    [SkippableTheory]
    [InlineData(60, true)]
    [InlineData(60, false)]
    [InlineData(-60, true)]
    [InlineData(-60, false)]
    public void KeepBoth_killed_after_keeping_the_loser_resumes_and_converges(int destinationLaterBySeconds, bool hardLink)
    {
        using var t = new TestPair();
        const string file = "docs/f.txt";
        var pair = Conflicted(t, ConflictResolution.KeepBoth, TimeSpan.FromSeconds(destinationLaterBySeconds), file);
        var destinationNewer = destinationLaterBySeconds > 0;
        var loserSide = destinationNewer ? SyncSide.Source : SyncSide.Destination;
        var loserTime = Mtime(t, loserSide, file);
        var copy = ConflictName("docs/f", ".txt", destinationNewer ? "source" : "destination", loserTime);

        // What the killed run left: the loser kept under the conflict name on its own side, nothing else.
        if (hardLink)
        {
            Assert.True(SyncEngine.NativeFs.TryHardLink(Full(t, loserSide, file), Full(t, loserSide, copy)) || OperatingSystem.IsWindows());
        }

        if (!System.IO.File.Exists(Full(t, loserSide, copy)))
        {
            System.IO.File.Copy(Full(t, loserSide, file), Full(t, loserSide, copy));
            SetMtime(t, loserSide, copy, loserTime);
        }

        var run = Run(pair);

        Assert.Equal(0, run.Summary.Failed);
        Assert.Equal(0, run.Summary.Stale);
        var winner = destinationNewer ? DestinationEdit : SourceEdit;
        var loser = destinationNewer ? SourceEdit : DestinationEdit;
        var expected = Tree((file, winner), (copy, loser), ("keep.txt", "keep"));
        Assert.Equal(expected, t.Tree(SyncSide.Source));
        Assert.Equal(expected, t.Tree(SyncSide.Destination));
        NoVisibleActions(Plan(pair));
    }

    /// <summary>A user file that happens to have the conflict name is never overwritten: the loser is kept under another name.</summary>
    [SkippableFact]
    public void KeepBoth_when_the_conflict_name_is_taken_by_another_file_keeps_the_loser_under_another_name()
    {
        using var t = new TestPair();
        const string file = "docs/f.txt";
        var pair = Conflicted(t, ConflictResolution.KeepBoth, TimeSpan.FromSeconds(60), file);
        var loserTime = Mtime(t, SyncSide.Source, file);
        var copy = ConflictName("docs/f", ".txt", "source", loserTime);
        t.Write(SyncSide.Source, copy, "a user's own file", T0);

        var run = Run(pair);

        Assert.Equal(0, run.Summary.Failed);
        var source = t.Tree(SyncSide.Source);
        Assert.Equal(source, t.Tree(SyncSide.Destination));
        Assert.Equal(DestinationEdit, source[file]);
        Assert.Equal("a user's own file", source[copy]);
        Assert.Contains(SourceEdit, source.Values);
        Assert.Equal(4, source.Count);
        NoVisibleActions(Plan(pair));
    }

    [SkippableFact]
    public void KeepBoth_with_equal_times_loses_nothing()
    {
        using var t = new TestPair();
        var pair = Conflicted(t, ConflictResolution.KeepBoth, TimeSpan.Zero);

        Run(pair);

        var source = t.Tree(SyncSide.Source);
        Assert.Equal(source, t.Tree(SyncSide.Destination));
        Assert.Contains(SourceEdit, source.Values);
        Assert.Contains(DestinationEdit, source.Values);
        NoVisibleActions(Plan(pair));
    }

    [SkippableFact]
    public void Manual_without_a_handler_reports_the_conflict_and_changes_nothing()
    {
        using var t = new TestPair();
        var pair = Conflicted(t, ConflictResolution.Manual, TimeSpan.FromHours(1));

        AssertUnresolved(t, Run(pair));
    }

    [SkippableTheory]
    [InlineData(ConflictChoice.Source)]
    [InlineData(ConflictChoice.Destination)]
    [InlineData(ConflictChoice.KeepBoth)]
    [InlineData(ConflictChoice.Skip)]
    public void Manual_with_a_handler_does_what_it_chooses(ConflictChoice choice)
    {
        using var t = new TestPair();
        var pair = Conflicted(t, ConflictResolution.Manual, TimeSpan.FromHours(1));
        var asked = new List<ConflictInfo>();
        var options = new PlanOptions
        {
            ConflictHandler = info =>
            {
                asked.Add(info);
                return choice;
            },
        };

        var run = Run(pair, planOptions: options);

        var info = Assert.Single(asked);
        Assert.Equal("docs/f.txt", info.RelativePath);
        Assert.Equal(SourceEdit.Length, info.SourceSize);
        Assert.Equal(DestinationEdit.Length, info.DestinationSize);
        Assert.Equal(T0.AddHours(1), info.SourceModified);
        Assert.Equal(T0.AddHours(2), info.DestinationModified);
        switch (choice)
        {
            case ConflictChoice.Source:
                Assert.Equal(new[] { "UploadUpdate docs/f.txt" }, Describe(run.Plan.Visible()));
                AssertBoth(t, "docs/f.txt", SourceEdit);
                Assert.Equal(new[] { DestinationEdit }, Trash(t, SyncSide.Destination));
                break;
            case ConflictChoice.Destination:
                Assert.Equal(new[] { "DownloadUpdate docs/f.txt" }, Describe(run.Plan.Visible()));
                AssertBoth(t, "docs/f.txt", DestinationEdit);
                Assert.Equal(new[] { SourceEdit }, Trash(t, SyncSide.Source));
                break;
            case ConflictChoice.KeepBoth:
                var tree = t.Tree(SyncSide.Source);
                Assert.Equal(tree, t.Tree(SyncSide.Destination));
                Assert.Equal(3, tree.Count);
                Assert.Equal(DestinationEdit, tree["docs/f.txt"]); // the newer keeps the path
                Assert.Contains(SourceEdit, tree.Values);
                break;
            default:
                AssertUnresolved(t, run);
                return;
        }

        Assert.Equal(0, run.Summary.Conflicts);
        NoVisibleActions(Plan(pair, new PlanOptions { ConflictHandler = _ => throw new InvalidOperationException("no conflict expected any more") }));
    }

    [SkippableFact]
    public void Both_sides_edited_to_the_same_content_is_not_a_conflict()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", "base", T0);
        var pair = PairOf(t, conflicts: ConflictResolution.Manual);
        Run(pair);
        t.Write(SyncSide.Source, "f.txt", "same edit", T0.AddHours(1));
        t.Write(SyncSide.Destination, "f.txt", "same edit", T0.AddHours(3));

        var run = Run(pair, planOptions: new PlanOptions { ConflictHandler = _ => throw new InvalidOperationException("not a conflict") });

        NoVisibleActions(run.Plan);
        Assert.Equal(0, run.Summary.Conflicts);
        NoVisibleActions(Plan(pair));
    }

    [SkippableFact]
    public void A_conflict_does_not_hold_up_the_rest_of_the_run()
    {
        using var t = new TestPair();
        var pair = Conflicted(t, ConflictResolution.Manual, TimeSpan.FromHours(1));
        t.Write(SyncSide.Source, "new.txt", "new");

        var run = Run(pair);

        Assert.Equal(new[] { "Conflict docs/f.txt", "UploadNew new.txt" }, VisibleSorted(run.Plan));
        Assert.Equal("new", t.Read(SyncSide.Destination, "new.txt"));
        Assert.Equal(1, run.Summary.Conflicts);
        Assert.Equal(1, run.Results.Count(r => r.Status == SyncResultStatus.Succeeded));
    }
}
