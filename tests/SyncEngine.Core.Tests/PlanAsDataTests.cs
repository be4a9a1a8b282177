using System;
using System.Collections.Generic;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>Plans are data (DESIGN.md): executing a plan later re-checks every action; changed files are skipped as stale.</summary>
public class PlanAsDataTests
{
    /// <summary>Executes the given actions of an earlier plan in a new session and returns what happened.</summary>
    internal static RunRecord Execute(SyncPair pair, IEnumerable<SyncAction> actions, Func<SyncAction, bool>? approve = null)
    {
        var record = new RunRecord();
        using var session = SyncSession.Open(pair);
        var list = actions.ToList();
        var exec = session.BeginExecute(list, new ExecuteOptions { Progress = record.Events.Enqueue });
        foreach (var a in list)
        {
            if (approve is null || approve(a))
            {
                exec.Post(a);
            }
            else
            {
                exec.Skip(a, "declined");
            }
        }

        exec.Complete();
        record.Summary = exec.Wait();
        return record;
    }

    [Fact]
    public void A_copy_whose_source_changed_after_planning_is_stale_and_the_target_is_untouched()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a v1");
        t.Write(SyncSide.Source, "b.txt", "b v1");
        var pair = PairOf(t);
        Run(pair);
        t.Write(SyncSide.Source, "a.txt", "a v2");
        t.Write(SyncSide.Source, "b.txt", "b v2");
        var plan = t.Plan(pair);
        Assert.Equal(new[] { "UploadUpdate a.txt", "UploadUpdate b.txt" }, VisibleSorted(plan));

        t.Write(SyncSide.Source, "a.txt", "a v3, written after the plan");
        var run = Execute(pair, plan.Actions);

        var stale = run.ResultFor("a.txt");
        Assert.Equal(SyncResultStatus.Stale, stale.Status);
        Assert.False(string.IsNullOrWhiteSpace(stale.Error));
        Assert.Contains("a.txt", stale.Error, StringComparison.Ordinal);
        Assert.Equal("SyncActionStale", stale.ErrorId);
        Assert.Equal(1, run.Summary.Stale);
        Assert.Equal("a v1", t.Read(SyncSide.Destination, "a.txt"));
        Assert.Equal(SyncResultStatus.Succeeded, run.ResultFor("b.txt").Status);
        Assert.Equal("b v2", t.Read(SyncSide.Destination, "b.txt"));
        Assert.Empty(TempFiles(t.Destination));

        // A fresh plan picks the new content up.
        Assert.Equal(new[] { "UploadUpdate a.txt" }, VisibleSorted(t.Plan(pair)));
        Run(pair);
        Assert.Equal("a v3, written after the plan", t.Read(SyncSide.Destination, "a.txt"));
    }

    [Fact]
    public void A_delete_of_a_file_edited_after_planning_is_stale_and_the_edit_survives()
    {
        using var t = new TestPair();
        foreach (var n in new[] { "a", "b", "c" })
        {
            t.Write(SyncSide.Source, n + ".txt", n);
        }

        var pair = PairOf(t);
        Run(pair);
        t.Delete(SyncSide.Source, "a.txt");
        var plan = t.Plan(pair);
        Assert.Equal(new[] { "DeleteDestination a.txt" }, VisibleSorted(plan));

        t.Write(SyncSide.Destination, "a.txt", "edited at destination after the plan");
        var run = Execute(pair, plan.Actions);

        Assert.Equal(SyncResultStatus.Stale, run.ResultFor("a.txt").Status);
        Assert.Equal("edited at destination after the plan", t.Read(SyncSide.Destination, "a.txt"));
        Assert.Empty(t.TrashContents(SyncSide.Destination));

        // Edits beat deletions: the next plan restores it to the source.
        Assert.Equal(new[] { "DownloadRestore a.txt" }, VisibleSorted(t.Plan(pair)));
    }

    [Fact]
    public void A_new_file_that_appeared_at_the_target_after_planning_is_not_overwritten()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "from source");
        var pair = PairOf(t);
        var plan = t.Plan(pair);

        t.Write(SyncSide.Destination, "a.txt", "created at destination meanwhile");
        var run = Execute(pair, plan.Actions);

        Assert.Equal(SyncResultStatus.Stale, run.ResultFor("a.txt").Status);
        Assert.Equal("created at destination meanwhile", t.Read(SyncSide.Destination, "a.txt"));
    }

    [Fact]
    public void A_rename_whose_file_changed_after_planning_is_stale()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", "content");
        t.Write(SyncSide.Source, "keep.txt", "keep");
        var pair = PairOf(t);
        Run(pair);
        t.Rename(SyncSide.Source, "f.txt", "g.txt");
        var plan = t.Plan(pair);
        Assert.Equal(new[] { "RenameDestination f.txt -> g.txt" }, VisibleSorted(plan));

        t.Write(SyncSide.Destination, "f.txt", "edited at destination after the plan");
        var run = Execute(pair, plan.Actions);

        Assert.Equal(SyncResultStatus.Stale, run.ResultFor("g.txt").Status);
        Assert.Equal("edited at destination after the plan", t.Read(SyncSide.Destination, "f.txt"));
        Assert.Null(t.Read(SyncSide.Destination, "g.txt"));
    }

    [Fact]
    public void Executing_an_old_plan_twice_changes_nothing_the_second_time()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        t.Write(SyncSide.Destination, "b.txt", "b");
        var pair = PairOf(t);
        var plan = t.Plan(pair);

        var first = Execute(pair, plan.Actions);
        var after = (t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        var second = Execute(pair, plan.Actions);

        Assert.Equal(2, first.Summary.Succeeded);
        Assert.Equal(0, second.Summary.Succeeded);
        Assert.All(second.Results, r => Assert.Equal(SyncResultStatus.Stale, r.Status));
        Assert.Equal(after.Item1, t.Tree(SyncSide.Source));
        Assert.Equal(after.Item2, t.Tree(SyncSide.Destination));
        Assert.Empty(t.TrashContents(SyncSide.Source));
        Assert.Empty(t.TrashContents(SyncSide.Destination));
        NoVisibleActions(t.Plan(pair));
    }

    [Fact]
    public void A_filtered_plan_runs_only_what_was_approved_and_the_rest_stays_planned()
    {
        using var t = new TestPair();
        foreach (var n in new[] { "a", "b", "c", "d" })
        {
            t.Write(SyncSide.Source, n + ".txt", n);
        }

        var pair = PairOf(t);
        Run(pair);
        t.Delete(SyncSide.Source, "a.txt");
        t.Write(SyncSide.Source, "e.txt", "e");
        var plan = t.Plan(pair); // like Get-SyncPlan: no lock

        // Get-SyncPlan | Where-Object Action -ne DeleteDestination | Invoke-Sync
        var run = Execute(pair, plan.Visible(), a => a.Action != SyncActionType.DeleteDestination);

        Assert.Equal("e", t.Read(SyncSide.Destination, "e.txt"));
        Assert.Equal("a", t.Read(SyncSide.Destination, "a.txt"));
        Assert.Equal(SyncResultStatus.Skipped, run.ResultFor("a.txt").Status);
        Assert.Equal(1, run.Summary.Skipped);
        Assert.Equal(new[] { "DeleteDestination a.txt" }, VisibleSorted(t.Plan(pair)));
    }

    [Fact]
    public void An_action_planned_for_another_pair_is_refused()
    {
        using var t = new TestPair();
        using var other = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        other.Write(SyncSide.Source, "b.txt", "b");
        var foreign = other.Plan(PairOf(other));

        var ex = ThrowsSync(() => Execute(PairOf(t), foreign.Actions), "SyncActionFromAnotherPair");

        Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
        Assert.Empty(t.Tree(SyncSide.Destination));
        Assert.Empty(other.Tree(SyncSide.Destination));
    }

    [Fact]
    public void Actions_carry_the_metadata_they_were_planned_from()
    {
        using var t = new TestPair();
        var when = new DateTime(2024, 2, 2, 2, 2, 2, DateTimeKind.Utc);
        t.Write(SyncSide.Source, "docs/a.txt", "12345", when);
        var pair = PairOf(t);

        var a = Assert.Single(t.Plan(pair).Visible());

        Assert.Equal(SyncActionType.UploadNew, a.Action);
        Assert.Equal("docs/a.txt", a.RelativePath);
        Assert.Equal(5, a.SourceSize);
        Assert.Equal(when, a.SourceModified);
        Assert.Null(a.DestinationSize);
        Assert.Equal(5, a.Bytes);
        Assert.Equal(SyncSide.Destination, a.TargetSide);
        Assert.True(a.IsMutating);
        Assert.False(string.IsNullOrWhiteSpace(a.Reason));
        Assert.Equal(pair.Name, a.PairName);
    }
    [Fact]
    public void Unchanged_files_are_listed_only_when_asked_for_and_executing_them_changes_nothing()
    {
        using var t = new TestPair();
        foreach (var n in new[] { "a", "b", "c" })
        {
            t.Write(SyncSide.Source, n + ".txt", n);
        }

        var pair = PairOf(t);
        Run(pair);
        t.Write(SyncSide.Source, "d.txt", "d");

        var plan = t.Plan(pair, new PlanOptions { IncludeUnchanged = true });

        Assert.Equal(new[] { "UploadNew d.txt" }, Describe(plan.Visible()));
        Assert.Equal(new[] { "NoAction a.txt", "NoAction b.txt", "NoAction c.txt", "UploadNew d.txt" }, Describe(plan.Visible(includeUnchanged: true)).OrderBy(s => s, StringComparer.Ordinal));
        Assert.All(plan.Visible(includeUnchanged: true).Where(a => a.Action == SyncActionType.NoAction), a => Assert.False(a.IsMutating));
        var run = Execute(pair, plan.Visible(includeUnchanged: true));
        Assert.Equal(1, run.Summary.Succeeded);
        Assert.Equal(0, run.Summary.Failed + run.Summary.Stale + run.Summary.Skipped);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        NoVisibleActions(t.Plan(pair));
    }
}
