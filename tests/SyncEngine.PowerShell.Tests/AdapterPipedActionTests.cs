using System.IO;
using System.Linq;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

public class AdapterPipedActionTests
{
    [Fact]
    public void An_action_whose_file_changed_after_planning_is_stale_and_not_applied()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "changed.txt", "planned content");
        tp.Write(SyncSide.Source, "steady.txt", "steady");
        var pair = tp.Pair();
        var plan = SyncPlanner.Plan(pair);
        tp.Write(SyncSide.Source, "changed.txt", "edited after the plan, and longer");
        var host = new FakeHost();

        using (var pipeline = new SyncPipeline(host))
        {
            pipeline.SyncActions(plan.Visible());
        }

        var stale = Assert.Single(host.Results, r => r.RelativePath == "changed.txt");
        Assert.Equal(SyncResultStatus.Stale, stale.Status);
        Assert.Contains(host.Warnings, w => w.Contains("changed.txt"));
        Assert.Null(tp.Read(SyncSide.Destination, "changed.txt"));
        Assert.Equal("steady", tp.Read(SyncSide.Destination, "steady.txt"));
        Assert.Empty(host.Errors);
    }

    [Fact]
    public void A_stale_update_leaves_the_destination_copy_untouched()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "doc.txt", "v1");
        var pair = tp.Pair();
        tp.SyncDirect(pair);
        tp.Write(SyncSide.Source, "doc.txt", "v2 from source");
        var plan = SyncPlanner.Plan(pair);
        Assert.Equal(SyncActionType.UploadUpdate, Assert.Single(plan.Visible()).Action);
        tp.Write(SyncSide.Destination, "doc.txt", "edited on the destination meanwhile");
        var host = new FakeHost();

        using (var pipeline = new SyncPipeline(host))
        {
            pipeline.SyncActions(plan.Visible());
        }

        Assert.Equal(SyncResultStatus.Stale, Assert.Single(host.Results).Status);
        Assert.Equal("edited on the destination meanwhile", tp.Read(SyncSide.Destination, "doc.txt"));
        Assert.Single(host.Warnings, w => w.Contains("doc.txt"));
    }

    [Fact]
    public void Only_the_kept_actions_run()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "gone.txt", "G");
        tp.Write(SyncSide.Source, "keep.txt", "K");
        var pair = tp.Pair();
        tp.SyncDirect(pair);
        tp.Delete(SyncSide.Source, "gone.txt");
        tp.Write(SyncSide.Source, "new.txt", "N");
        var plan = SyncPlanner.Plan(pair);
        Assert.Contains(plan.Visible(), a => a.Action == SyncActionType.DeleteDestination);
        var host = new FakeHost();

        // Get-SyncPlan $p | Where-Object Action -ne DeleteDestination | Invoke-Sync
        using (var pipeline = new SyncPipeline(host))
        {
            pipeline.SyncActions(plan.Visible().Where(a => a.Action != SyncActionType.DeleteDestination));
        }

        Assert.Equal("G", tp.Read(SyncSide.Destination, "gone.txt"));
        Assert.Equal("N", tp.Read(SyncSide.Destination, "new.txt"));
        Assert.Equal(new[] { "new.txt (destination)" }, host.ShouldProcessCalls.Select(c => c.Target));
        Assert.Equal(new[] { "new.txt" }, host.Results.Select(r => r.RelativePath));
    }

    [Fact]
    public void Actions_of_two_pairs_run_in_two_sessions_with_a_summary_each()
    {
        using var first = new AdapterTestPair();
        using var second = new AdapterTestPair();
        first.Write(SyncSide.Source, "one.txt", "1");
        second.Write(SyncSide.Source, "two.txt", "2");
        second.Write(SyncSide.Source, "three.txt", "3");
        var actions = SyncPlanner.Plan(first.Pair(name: "first")).Visible()
            .Concat(SyncPlanner.Plan(second.Pair(name: "second")).Visible()).ToList();
        var host = new FakeHost();

        using (var pipeline = new SyncPipeline(host, new SyncPipelineOptions { Summary = true }))
        {
            var summaries = pipeline.SyncActions(actions);
            Assert.Equal(new[] { "first", "second" }, summaries.Select(s => s.PairName));
        }

        var written = host.Objects.Cast<SyncSummary>().ToList();
        Assert.Equal(new[] { "first", "second" }, written.Select(s => s.PairName));
        Assert.Equal(new[] { 1, 2 }, written.Select(s => s.Succeeded));
        Assert.Equal("1", first.Read(SyncSide.Destination, "one.txt"));
        Assert.Equal("3", second.Read(SyncSide.Destination, "three.txt"));
        Assert.True(File.Exists(Path.Combine(first.StateDir, "sync_metadata.json")));
        Assert.True(File.Exists(Path.Combine(second.StateDir, "sync_metadata.json")));
    }

    [Fact]
    public void Summary_writes_one_summary_instead_of_results()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        tp.Write(SyncSide.Source, "b.txt", "BB");
        tp.Write(SyncSide.Destination, "c.txt", "CCC");
        var host = new FakeHost { Answer = (target, _) => target != "c.txt (source)" };

        using (var pipeline = new SyncPipeline(host, new SyncPipelineOptions { Summary = true }))
        {
            pipeline.Sync(tp.Pair());
        }

        var summary = Assert.IsType<SyncSummary>(Assert.Single(host.Objects));
        Assert.Equal(2, summary.Succeeded);
        Assert.Equal(1, summary.Skipped);
        Assert.Equal(3, summary.BytesTransferred);
        Assert.Equal("Succeeded", summary.Outcome);
        Assert.False(summary.Cancelled);
    }

    [Fact]
    public void Without_summary_each_action_has_a_result_and_no_summary_is_written()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        tp.Write(SyncSide.Destination, "c.txt", "C");
        var host = new FakeHost();

        using (var pipeline = new SyncPipeline(host))
        {
            Assert.NotNull(pipeline.Sync(tp.Pair()));
        }

        Assert.Equal(2, host.Objects.Count);
        Assert.All(host.Objects, o => Assert.IsType<SyncResult>(o));
        Assert.Equal(new[] { SyncActionType.UploadNew, SyncActionType.DownloadNew }, host.Results.Select(r => r.Action).OrderBy(a => a));
    }

    [Fact]
    public void Get_SyncPlan_writes_the_visible_actions_and_warnings_without_state()
    {
        using var tp = new AdapterTestPair();
        for (var i = 0; i < 12; i++)
        {
            tp.Write(SyncSide.Source, $"f{i:00}.txt", "x");
        }

        tp.WriteBoth("same.txt", "s");
        var pair = tp.Pair();
        var host = new FakeHost();

        SyncPlan? plan;
        using (var pipeline = new SyncPipeline(host))
        {
            plan = pipeline.WritePlan(pair);
        }

        Assert.NotNull(plan);
        Assert.Equal(plan!.Visible().Select(a => a.RelativePath), host.Objects.Cast<SyncAction>().Select(a => a.RelativePath));
        Assert.Equal(12, host.Objects.Count);
        Assert.Equal(plan.Warnings, host.Warnings);
        Assert.NotEmpty(host.Warnings);
        Assert.False(Directory.Exists(tp.StateDir));
        Assert.Empty(host.ShouldProcessCalls);

        var withUnchanged = new FakeHost();
        using (var pipeline = new SyncPipeline(withUnchanged, new SyncPipelineOptions { IncludeUnchanged = true }))
        {
            pipeline.WritePlan(pair);
        }

        Assert.Contains(withUnchanged.Objects.Cast<SyncAction>(), a => a.RelativePath == "same.txt" && a.Action == SyncActionType.NoAction);
    }
}
