using System;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>First TwoWay sync without state: MERGE (default), SOURCE_WINS, DESTINATION_WINS, and the risk warning (seed 003).</summary>
public class InitialSyncTests : SideTests
{
    private static readonly DateTime T0 = new(2024, 5, 1, 9, 0, 0, DateTimeKind.Utc);

    private static void Shape(TestPair t)
    {
        t.Write(SyncSide.Source, "only-source.txt", "S");
        t.Write(SyncSide.Destination, "only-destination.txt", "D");
        t.Write(SyncSide.Source, "same.txt", "same", T0);
        t.Write(SyncSide.Destination, "same.txt", "same", T0);
        t.Write(SyncSide.Source, "differs.txt", "source version (older)", T0);
        t.Write(SyncSide.Destination, "differs.txt", "destination version (newer)", T0.AddHours(1));
        t.Write(SyncSide.Source, "keep/a.txt", "a", T0);
        t.Write(SyncSide.Destination, "keep/a.txt", "a", T0);
    }

    [SkippableFact]
    public void Merge_is_the_default_copies_both_ways_and_deletes_nothing()
    {
        using var t = new TestPair();
        Shape(t);
        var pair = PairOf(t);
        Assert.Equal(InitialSyncPreference.Merge, new SyncPair(t.Source, t.Destination).InitialSyncPreference);

        var run = Run(pair);

        Assert.True(run.Plan.Info.IsInitialSync);
        Assert.Equal(new[] { "DownloadNew only-destination.txt", "DownloadUpdate differs.txt", "UploadNew only-source.txt" }, VisibleSorted(run.Plan));
        Assert.DoesNotContain(run.Plan.Actions, a => ActionFacts.IsDelete(a.Action));
        var expected = Tree(("differs.txt", "destination version (newer)"), ("keep/a.txt", "a"), ("only-destination.txt", "D"), ("only-source.txt", "S"), ("same.txt", "same"));
        Assert.Equal(expected, t.Tree(SyncSide.Source));
        Assert.Equal(expected, t.Tree(SyncSide.Destination));
        Assert.Equal(new[] { "source version (older)" }, Trash(t, SyncSide.Source));
        NoVisibleActions(Plan(pair));
    }

    [SkippableFact]
    public void SourceWins_makes_the_destination_a_copy_of_the_source()
    {
        using var t = new TestPair();
        Shape(t);
        var pair = PairOf(t, initial: InitialSyncPreference.SourceWins);

        var run = Run(pair);

        Assert.Equal(new[] { "DeleteDestination only-destination.txt", "UploadNew only-source.txt", "UploadUpdate differs.txt" }, VisibleSorted(run.Plan));
        var expected = Tree(("differs.txt", "source version (older)"), ("keep/a.txt", "a"), ("only-source.txt", "S"), ("same.txt", "same"));
        Assert.Equal(expected, t.Tree(SyncSide.Source));
        Assert.Equal(expected, t.Tree(SyncSide.Destination));
        Assert.Equal(new[] { "D", "destination version (newer)" }, Trash(t, SyncSide.Destination));
        NoVisibleActions(Plan(pair));
    }

    [SkippableFact]
    public void DestinationWins_makes_the_source_a_copy_of_the_destination()
    {
        using var t = new TestPair();
        Shape(t);
        var pair = PairOf(t, initial: InitialSyncPreference.DestinationWins);

        var run = Run(pair);

        Assert.Equal(new[] { "DeleteSource only-source.txt", "DownloadNew only-destination.txt", "DownloadUpdate differs.txt" }, VisibleSorted(run.Plan));
        var expected = Tree(("differs.txt", "destination version (newer)"), ("keep/a.txt", "a"), ("only-destination.txt", "D"), ("same.txt", "same"));
        Assert.Equal(expected, t.Tree(SyncSide.Source));
        Assert.Equal(expected, t.Tree(SyncSide.Destination));
        Assert.Equal(new[] { "S", "source version (older)" }, Trash(t, SyncSide.Source));
        NoVisibleActions(Plan(pair));
    }

    [SkippableTheory]
    [InlineData(InitialSyncPreference.SourceWins)]
    [InlineData(InitialSyncPreference.DestinationWins)]
    public void After_the_first_sync_the_preference_has_no_effect(InitialSyncPreference preference)
    {
        using var t = new TestPair();
        t.WriteBoth("a.txt", "a");
        t.WriteBoth("b.txt", "b");
        var pair = PairOf(t, initial: preference);
        Run(pair);
        t.Write(SyncSide.Source, "new-source.txt", "ns");
        t.Write(SyncSide.Destination, "new-destination.txt", "nd");

        var run = Run(pair);

        Assert.False(run.Plan.Info.IsInitialSync);
        Assert.Equal(new[] { "DownloadNew new-destination.txt", "UploadNew new-source.txt" }, VisibleSorted(run.Plan));
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Equal(4, t.Tree(SyncSide.Source).Count);
    }

    [SkippableFact]
    public void The_preference_does_not_change_a_one_way_mode()
    {
        using var t = new TestPair();
        Shape(t);
        var pair = PairOf(t, SyncMode.SourceToDestination, initial: InitialSyncPreference.DestinationWins);

        var run = Run(pair);

        Assert.Equal(new[] { "DeleteDestination only-destination.txt", "UploadNew only-source.txt", "UploadUpdate differs.txt" }, VisibleSorted(run.Plan));
        Assert.Contains("only-source.txt", t.Tree(SyncSide.Source).Keys);
    }

    [SkippableTheory]
    [InlineData(SyncSide.Source, 12, 2, "SourceWins")]
    [InlineData(SyncSide.Destination, 40, 3, "DestinationWins")]
    [InlineData(SyncSide.Destination, 20, 0, "DestinationWins")]
    public void A_first_merge_warns_when_one_side_has_far_more_files(SyncSide bigSide, int big, int small, string suggestion)
    {
        using var t = new TestPair();
        var smallSide = bigSide == SyncSide.Source ? SyncSide.Destination : SyncSide.Source;
        for (var i = 0; i < big; i++)
        {
            t.Write(bigSide, $"big/{i:D3}.txt", "b" + i);
        }

        for (var i = 0; i < small; i++)
        {
            t.Write(smallSide, $"small/{i:D3}.txt", "s" + i);
        }

        var plan = Plan(PairOf(t));

        var warning = Assert.Single(plan.Warnings);
        Assert.Contains(big.ToString(System.Globalization.CultureInfo.InvariantCulture), warning, StringComparison.Ordinal);
        Assert.Contains(suggestion, warning, StringComparison.Ordinal);
        Assert.Contains(bigSide.ToString(), warning, StringComparison.OrdinalIgnoreCase);
        // Still a merge: nothing is deleted.
        Assert.DoesNotContain(plan.Actions, a => ActionFacts.IsDelete(a.Action));
        Assert.Equal(big + small, plan.Visible().Count());
    }

    [SkippableFact]
    public void No_risk_warning_for_balanced_sides_for_an_explicit_preference_or_after_the_first_sync()
    {
        using var t = new TestPair();
        for (var i = 0; i < 12; i++)
        {
            t.Write(SyncSide.Source, $"{i:D2}.txt", "x" + i);
        }

        for (var i = 0; i < 6; i++)
        {
            t.Write(SyncSide.Destination, $"d{i:D2}.txt", "y" + i);
        }

        Assert.Empty(Plan(PairOf(t)).Warnings); // 12 vs 6 is not "far more"

        using var t2 = new TestPair();
        for (var i = 0; i < 12; i++)
        {
            t2.Write(SyncSide.Source, $"{i:D2}.txt", "x" + i);
        }

        Assert.Empty(Plan(PairOf(t2, initial: InitialSyncPreference.SourceWins)).Warnings);
        var pair = PairOf(t2);
        Run(pair);
        t2.Delete(SyncSide.Destination, "00.txt");
        Assert.Empty(Plan(pair).Warnings);
    }
}
