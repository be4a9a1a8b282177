using System.IO;
using System.Linq;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

public class AdapterShouldProcessTests
{
    [Fact]
    public void WhatIf_offers_every_mutating_action_and_changes_nothing()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        tp.Write(SyncSide.Source, "sub/c.txt", "C");
        tp.Write(SyncSide.Destination, "only-dst.txt", "D");
        var pair = tp.Pair(SyncMode.SourceToDestination);
        var expected = SyncPlanner.Plan(pair).Actions.Where(a => a.IsMutating)
            .Select(a => (ShouldProcessText.Target(a), ActionFacts.Describe(a.Action))).ToList();
        var before = (tp.Tree(SyncSide.Source), tp.Tree(SyncSide.Destination));
        var host = new FakeHost { Answer = (_, _) => false };

        using (var pipeline = new SyncPipeline(host, new SyncPipelineOptions { WhatIf = true }))
        {
            Assert.Null(pipeline.Sync(pair));
        }

        Assert.Equal(3, expected.Count);
        Assert.Equal(expected, host.ShouldProcessCalls);
        Assert.Contains(("only-dst.txt (destination)", "Delete file on destination (to trash)"), host.ShouldProcessCalls);
        Assert.Contains(("sub/c.txt (destination)", "Copy new file to destination"), host.ShouldProcessCalls);
        Assert.Equal(before.Item1, tp.Tree(SyncSide.Source));
        Assert.Equal(before.Item2, tp.Tree(SyncSide.Destination));
        Assert.Empty(host.Objects);
        Assert.False(Directory.Exists(tp.StateDir), "-WhatIf must not take the lock or write state");
    }

    [Fact]
    public void WhatIf_with_piped_actions_offers_each_and_changes_nothing()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        tp.Write(SyncSide.Source, "b.txt", "B");
        var pair = tp.Pair();
        var kept = SyncPlanner.Plan(pair).Visible().Where(a => a.RelativePath == "b.txt").ToList();
        var host = new FakeHost { Answer = (_, _) => false };

        using (var pipeline = new SyncPipeline(host, new SyncPipelineOptions { WhatIf = true }))
        {
            Assert.Empty(pipeline.SyncActions(kept));
        }

        Assert.Equal(new[] { ("b.txt (destination)", "Copy new file to destination") }, host.ShouldProcessCalls);
        Assert.Empty(tp.Tree(SyncSide.Destination));
        Assert.False(Directory.Exists(tp.StateDir));
    }

    [Fact]
    public void A_declined_action_is_skipped_and_the_run_goes_on()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        tp.Write(SyncSide.Source, "b.txt", "B");
        tp.Write(SyncSide.Source, "c.txt", "C");
        var host = new FakeHost { Answer = (target, _) => target != "b.txt (destination)" };

        SyncSummary? summary;
        using (var pipeline = new SyncPipeline(host))
        {
            summary = pipeline.Sync(tp.Pair());
        }

        Assert.Equal(new[] { "a.txt", "c.txt" }, tp.Tree(SyncSide.Destination).Keys);
        var declined = Assert.Single(host.Results, r => r.RelativePath == "b.txt");
        Assert.Equal(SyncResultStatus.Skipped, declined.Status);
        Assert.Equal(2, host.Results.Count(r => r.Status == SyncResultStatus.Succeeded));
        Assert.NotNull(summary);
        Assert.Equal(2, summary!.Succeeded);
        Assert.Equal(1, summary.Skipped);
        Assert.Empty(host.Errors);
    }

    [Fact]
    public void Yes_to_all_runs_everything_with_one_prompt_per_action_before_it_runs()
    {
        using var tp = new AdapterTestPair();
        for (var i = 0; i < 6; i++)
        {
            tp.Write(SyncSide.Source, $"f{i}.txt", "content " + i);
        }

        var host = new FakeHost { Answer = (_, _) => true };
        using (var pipeline = new SyncPipeline(host))
        {
            pipeline.Sync(tp.Pair());
        }

        Assert.Equal(6, tp.Tree(SyncSide.Destination).Count);
        Assert.Equal(6, host.ShouldProcessCalls.Count);
        Assert.Equal(6, host.ShouldProcessCalls.Select(c => c.Target).Distinct().Count());
        foreach (var result in host.Results)
        {
            var target = ShouldProcessText.Target(result.ActionItem);
            var asked = host.Log.IndexOf("ShouldProcess:" + target);
            var reported = host.Log.IndexOf("Object:" + target);
            Assert.True(asked >= 0 && asked < reported, $"{target}: asked at {asked}, reported at {reported}");
        }

        Assert.False(host.CalledFromOtherThread, "every host call must come from the pipeline thread");
    }

    [Fact]
    public void Unchanged_files_and_unresolved_conflicts_are_not_offered()
    {
        using var tp = new AdapterTestPair();
        tp.WriteBoth("same.txt", "S");
        tp.WriteBoth("both.txt", "v1");
        var pair = tp.Pair(conflicts: ConflictResolution.Manual);
        tp.SyncDirect(pair);
        tp.Write(SyncSide.Source, "both.txt", "source edit");
        tp.Write(SyncSide.Destination, "both.txt", "destination edit");
        tp.Write(SyncSide.Source, "new.txt", "N");
        var host = new FakeHost();

        using (var pipeline = new SyncPipeline(host))
        {
            pipeline.Sync(pair);
        }

        Assert.Equal(new[] { "new.txt (destination)" }, host.ShouldProcessCalls.Select(c => c.Target));
        var conflict = Assert.Single(host.Results, r => r.Action == SyncActionType.Conflict);
        Assert.Equal(SyncResultStatus.Skipped, conflict.Status);
        Assert.Contains(host.Warnings, w => w.Contains("both.txt"));
        Assert.Equal("source edit", tp.Read(SyncSide.Source, "both.txt"));
        Assert.Equal("destination edit", tp.Read(SyncSide.Destination, "both.txt"));
    }

    [Fact]
    public void A_rename_is_offered_as_old_to_new_on_its_side()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "old.txt", "same content");
        var pair = tp.Pair();
        tp.SyncDirect(pair);
        tp.Rename(SyncSide.Source, "old.txt", "new.txt");
        var host = new FakeHost();

        using (var pipeline = new SyncPipeline(host))
        {
            pipeline.Sync(pair);
        }

        Assert.Equal(new[] { ("old.txt -> new.txt (destination)", "Rename file on destination") }, host.ShouldProcessCalls);
        Assert.Equal(new[] { "new.txt" }, tp.Tree(SyncSide.Destination).Keys);
    }

    [Fact]
    public void Declining_everything_changes_no_file()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        tp.Write(SyncSide.Destination, "z.txt", "Z");
        var host = new FakeHost { Answer = (_, _) => false };

        using (var pipeline = new SyncPipeline(host))
        {
            pipeline.Sync(tp.Pair());
        }

        Assert.Equal(2, host.ShouldProcessCalls.Count);
        Assert.Equal(new[] { "z.txt" }, tp.Tree(SyncSide.Destination).Keys);
        Assert.Equal(new[] { "a.txt" }, tp.Tree(SyncSide.Source).Keys);
        Assert.All(host.Results, r => Assert.Equal(SyncResultStatus.Skipped, r.Status));
    }
}
