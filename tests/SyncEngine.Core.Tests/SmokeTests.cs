using System.Linq;

namespace SyncEngine.Core.Tests;

public class SmokeTests
{
    [Fact]
    public void First_two_way_sync_merges_and_second_run_changes_nothing()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "A");
        t.Write(SyncSide.Source, "sub/b.txt", "B");
        t.Write(SyncSide.Destination, "c.txt", "C");
        var pair = t.Pair();

        var (summary, results) = t.Sync(pair);

        Assert.Equal("Succeeded", summary.Outcome);
        Assert.Equal(3, summary.Succeeded);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Equal(new[] { "a.txt", "c.txt", "sub/b.txt" }, t.Tree(SyncSide.Source).Keys);

        var again = t.Plan(pair);
        Assert.Empty(again.Visible());
        var (second, _) = t.Sync(pair);
        Assert.Equal(0, second.Succeeded + second.Failed);
    }

    [Fact]
    public void Rename_on_source_is_replayed_as_rename_on_destination()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "docs/report.pdf", new string('x', 5000));
        var pair = t.Pair();
        t.Sync(pair);
        t.Rename(SyncSide.Source, "docs/report.pdf", "docs/annual_report.pdf");

        var plan = t.Plan(pair);

        var action = Assert.Single(plan.Visible());
        Assert.Equal(SyncActionType.RenameDestination, action.Action);
        Assert.Equal("docs/annual_report.pdf", action.RelativePath);
        Assert.Equal("docs/report.pdf", action.PreviousPath);
        t.Sync(pair);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Empty(t.Plan(pair).Visible());
    }
}
