using System;
using System.Collections.Generic;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>The one change made after the baseline sync.</summary>
public enum Change
{
    AddAtSource,
    AddAtDestination,
    ModifyAtSource,
    ModifyAtDestination,
    ModifyBoth,
    DeleteAtSource,
    DeleteAtDestination,
    DeleteBoth,
    RenameAtSource,
    RenameAtDestination,
}

/// <summary>
/// Seed 003's scenario tables, row by row, for every mode, as DESIGN.md decides them (SOURCE_BACKUP never downloads;
/// DESTINATION_BACKUP never uploads; a backup's changed or deleted copy of an unchanged authoritative file is put back;
/// in one-way modes the authoritative side wins; delete on both leaves the state; renames are replayed as renames).
/// Every row: baseline {docs/f.txt, other.txt} copied by a first sync; one change; the plan's visible actions; the
/// trees and trash after the sync; and a second plan that is empty (backup modes may leave the sides different, but
/// must not keep re-planning).
/// </summary>
public class Seed003ScenarioTests : SideTests
{
    private const string F = "docs/f.txt";
    private const string G = "docs/g.txt";
    private const string N = "docs/new.txt";
    private const string O = "other.txt";
    private const string Base = "base content";
    private const string Other = "other content";
    private const string New = "new file";
    private const string ModS = "modified at source";
    private const string ModD = "modified at destination!";
    private const string EditS = "edited at source first";
    private const string EditD = "edited at destination, later";

    public sealed record Row(string[] Actions, SortedDictionary<string, string> SourceTree, SortedDictionary<string, string> DestinationTree,
                             string[] SourceTrash, string[] DestinationTrash);

    private static SortedDictionary<string, string> Baseline => Tree((F, Base), (O, Other));

    private static Row Same(SortedDictionary<string, string> tree, string[] actions, string[]? sourceTrash = null, string[]? destinationTrash = null) =>
        new(actions, tree, tree, sourceTrash ?? Array.Empty<string>(), destinationTrash ?? Array.Empty<string>());

    private static Row Differ(SortedDictionary<string, string> source, SortedDictionary<string, string> destination, string[] actions) =>
        new(actions, source, destination, Array.Empty<string>(), Array.Empty<string>());

    private static string[] A(params string[] actions) => actions;

    private static string[] None => Array.Empty<string>();

    /// <summary>The expectations, one per (mode, change).</summary>
    public static readonly Dictionary<(SyncMode, Change), Row> Table = new()
    {
        // ---- TWO_WAY: seed 003 table; both-modified resolved by NewestWins (the destination edit is newer).
        [(SyncMode.TwoWay, Change.AddAtSource)] = Same(Tree((F, Base), (N, New), (O, Other)), A("UploadNew " + N)),
        [(SyncMode.TwoWay, Change.AddAtDestination)] = Same(Tree((F, Base), (N, New), (O, Other)), A("DownloadNew " + N)),
        [(SyncMode.TwoWay, Change.ModifyAtSource)] = Same(Tree((F, ModS), (O, Other)), A("UploadUpdate " + F), destinationTrash: A(Base)),
        [(SyncMode.TwoWay, Change.ModifyAtDestination)] = Same(Tree((F, ModD), (O, Other)), A("DownloadUpdate " + F), sourceTrash: A(Base)),
        [(SyncMode.TwoWay, Change.ModifyBoth)] = Same(Tree((F, EditD), (O, Other)), A("DownloadUpdate " + F), sourceTrash: A(EditS)),
        [(SyncMode.TwoWay, Change.DeleteAtSource)] = Same(Tree((O, Other)), A("DeleteDestination " + F), destinationTrash: A(Base)),
        [(SyncMode.TwoWay, Change.DeleteAtDestination)] = Same(Tree((O, Other)), A("DeleteSource " + F), sourceTrash: A(Base)),
        [(SyncMode.TwoWay, Change.DeleteBoth)] = Same(Tree((O, Other)), None),
        [(SyncMode.TwoWay, Change.RenameAtSource)] = Same(Tree((G, Base), (O, Other)), A($"RenameDestination {F} -> {G}")),
        [(SyncMode.TwoWay, Change.RenameAtDestination)] = Same(Tree((G, Base), (O, Other)), A($"RenameSource {F} -> {G}")),

        // ---- SOURCE_TO_DESTINATION: mirror; destination changes are undone, the replaced content goes to the trash.
        [(SyncMode.SourceToDestination, Change.AddAtSource)] = Same(Tree((F, Base), (N, New), (O, Other)), A("UploadNew " + N)),
        [(SyncMode.SourceToDestination, Change.AddAtDestination)] = Same(Baseline, A("DeleteDestination " + N), destinationTrash: A(New)),
        [(SyncMode.SourceToDestination, Change.ModifyAtSource)] = Same(Tree((F, ModS), (O, Other)), A("UploadUpdate " + F), destinationTrash: A(Base)),
        [(SyncMode.SourceToDestination, Change.ModifyAtDestination)] = Same(Baseline, A("UploadUpdate " + F), destinationTrash: A(ModD)),
        [(SyncMode.SourceToDestination, Change.ModifyBoth)] = Same(Tree((F, EditS), (O, Other)), A("UploadUpdate " + F), destinationTrash: A(EditD)),
        [(SyncMode.SourceToDestination, Change.DeleteAtSource)] = Same(Tree((O, Other)), A("DeleteDestination " + F), destinationTrash: A(Base)),
        [(SyncMode.SourceToDestination, Change.DeleteAtDestination)] = Same(Baseline, A("UploadRestore " + F)),
        [(SyncMode.SourceToDestination, Change.DeleteBoth)] = Same(Tree((O, Other)), None),
        [(SyncMode.SourceToDestination, Change.RenameAtSource)] = Same(Tree((G, Base), (O, Other)), A($"RenameDestination {F} -> {G}")),
        // Not in the seed table: the destination's rename is undone, by a rename back (no copy, nothing deleted).
        [(SyncMode.SourceToDestination, Change.RenameAtDestination)] = Same(Baseline, A($"RenameDestination {G} -> {F}")),

        // ---- SOURCE_BACKUP: upload only, never deletes, never downloads (DESIGN overrides seed's "Download to source").
        [(SyncMode.SourceBackup, Change.AddAtSource)] = Same(Tree((F, Base), (N, New), (O, Other)), A("UploadNew " + N)),
        [(SyncMode.SourceBackup, Change.AddAtDestination)] = Differ(Baseline, Tree((F, Base), (N, New), (O, Other)), None),
        [(SyncMode.SourceBackup, Change.ModifyAtSource)] = Same(Tree((F, ModS), (O, Other)), A("UploadUpdate " + F), destinationTrash: A(Base)),
        [(SyncMode.SourceBackup, Change.ModifyAtDestination)] = Same(Baseline, A("UploadUpdate " + F), destinationTrash: A(ModD)),
        [(SyncMode.SourceBackup, Change.ModifyBoth)] = Same(Tree((F, EditS), (O, Other)), A("UploadUpdate " + F), destinationTrash: A(EditD)),
        [(SyncMode.SourceBackup, Change.DeleteAtSource)] = Differ(Tree((O, Other)), Baseline, None),
        [(SyncMode.SourceBackup, Change.DeleteAtDestination)] = Same(Baseline, A("UploadRestore " + F)),
        [(SyncMode.SourceBackup, Change.DeleteBoth)] = Same(Tree((O, Other)), None),
        // "Rename at destination (old backup kept)": the new name is uploaded, the old backup stays.
        [(SyncMode.SourceBackup, Change.RenameAtSource)] = Differ(Tree((G, Base), (O, Other)), Tree((F, Base), (G, Base), (O, Other)), A("UploadNew " + G)),
        // The destination's new name is a destination-only file (left alone); the missing backup is re-uploaded.
        [(SyncMode.SourceBackup, Change.RenameAtDestination)] = Differ(Baseline, Tree((F, Base), (G, Base), (O, Other)), A("UploadRestore " + F)),

        // ---- DESTINATION_TO_SOURCE: mirror image of SOURCE_TO_DESTINATION.
        [(SyncMode.DestinationToSource, Change.AddAtSource)] = Same(Baseline, A("DeleteSource " + N), sourceTrash: A(New)),
        [(SyncMode.DestinationToSource, Change.AddAtDestination)] = Same(Tree((F, Base), (N, New), (O, Other)), A("DownloadNew " + N)),
        [(SyncMode.DestinationToSource, Change.ModifyAtSource)] = Same(Baseline, A("DownloadUpdate " + F), sourceTrash: A(ModS)),
        [(SyncMode.DestinationToSource, Change.ModifyAtDestination)] = Same(Tree((F, ModD), (O, Other)), A("DownloadUpdate " + F), sourceTrash: A(Base)),
        [(SyncMode.DestinationToSource, Change.ModifyBoth)] = Same(Tree((F, EditD), (O, Other)), A("DownloadUpdate " + F), sourceTrash: A(EditS)),
        [(SyncMode.DestinationToSource, Change.DeleteAtSource)] = Same(Baseline, A("DownloadRestore " + F)),
        [(SyncMode.DestinationToSource, Change.DeleteAtDestination)] = Same(Tree((O, Other)), A("DeleteSource " + F), sourceTrash: A(Base)),
        [(SyncMode.DestinationToSource, Change.DeleteBoth)] = Same(Tree((O, Other)), None),
        [(SyncMode.DestinationToSource, Change.RenameAtSource)] = Same(Baseline, A($"RenameSource {G} -> {F}")),
        [(SyncMode.DestinationToSource, Change.RenameAtDestination)] = Same(Tree((G, Base), (O, Other)), A($"RenameSource {F} -> {G}")),

        // ---- DESTINATION_BACKUP: mirror image of SOURCE_BACKUP.
        [(SyncMode.DestinationBackup, Change.AddAtSource)] = Differ(Tree((F, Base), (N, New), (O, Other)), Baseline, None),
        [(SyncMode.DestinationBackup, Change.AddAtDestination)] = Same(Tree((F, Base), (N, New), (O, Other)), A("DownloadNew " + N)),
        [(SyncMode.DestinationBackup, Change.ModifyAtSource)] = Same(Baseline, A("DownloadUpdate " + F), sourceTrash: A(ModS)),
        [(SyncMode.DestinationBackup, Change.ModifyAtDestination)] = Same(Tree((F, ModD), (O, Other)), A("DownloadUpdate " + F), sourceTrash: A(Base)),
        [(SyncMode.DestinationBackup, Change.ModifyBoth)] = Same(Tree((F, EditD), (O, Other)), A("DownloadUpdate " + F), sourceTrash: A(EditS)),
        [(SyncMode.DestinationBackup, Change.DeleteAtSource)] = Same(Baseline, A("DownloadRestore " + F)),
        [(SyncMode.DestinationBackup, Change.DeleteAtDestination)] = Differ(Baseline, Tree((O, Other)), None),
        [(SyncMode.DestinationBackup, Change.DeleteBoth)] = Same(Tree((O, Other)), None),
        [(SyncMode.DestinationBackup, Change.RenameAtSource)] = Differ(Tree((F, Base), (G, Base), (O, Other)), Baseline, A("DownloadRestore " + F)),
        [(SyncMode.DestinationBackup, Change.RenameAtDestination)] = Differ(Tree((F, Base), (G, Base), (O, Other)), Tree((G, Base), (O, Other)), A("DownloadNew " + G)),
    };

    public static IEnumerable<object[]> Rows() =>
        from mode in Enum.GetValues<SyncMode>()
        from change in Enum.GetValues<Change>()
        select new object[] { mode, change };

    [SkippableFact]
    public void The_table_has_a_row_for_every_mode_and_change()
    {
        Assert.Equal(Enum.GetValues<SyncMode>().Length * Enum.GetValues<Change>().Length, Table.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public void Scenario(SyncMode mode, Change change)
    {
        var row = Table[(mode, change)];
        using var t = new TestPair();
        var pair = PairOf(t, mode);

        // Baseline, written on the authoritative side (source for modes that upload) and copied by a first sync.
        var origin = mode.AllowsUpload() ? SyncSide.Source : SyncSide.Destination;
        t.Write(origin, F, Base);
        t.Write(origin, O, Other);
        var first = Run(pair);
        Assert.Equal("Succeeded", first.Summary.Outcome);
        Assert.Equal(Baseline, t.Tree(SyncSide.Source));
        Assert.Equal(Baseline, t.Tree(SyncSide.Destination));

        Apply(t, change);

        var plan = Plan(pair);
        Assert.Equal(row.Actions, Describe(plan.Visible()));

        var run = Run(pair);
        Assert.Equal(row.Actions, Describe(run.Plan.Visible()));
        Assert.Equal("Succeeded", run.Summary.Outcome);
        Assert.Equal(0, run.Summary.Failed + run.Summary.Skipped + run.Summary.Stale + run.Summary.Conflicts);
        Assert.Equal(row.Actions.OrderBy(a => a, StringComparer.Ordinal), run.Results.Select(r => Describe(r.ActionItem)).OrderBy(a => a, StringComparer.Ordinal));
        Assert.All(run.Results, r => Assert.Equal(SyncResultStatus.Succeeded, r.Status));

        Assert.Equal(row.SourceTree, t.Tree(SyncSide.Source));
        Assert.Equal(row.DestinationTree, t.Tree(SyncSide.Destination));
        Assert.Equal(row.SourceTrash, Trash(t, SyncSide.Source));
        Assert.Equal(row.DestinationTrash, Trash(t, SyncSide.Destination));

        // Converged: nothing more to do, and a further run changes nothing.
        NoVisibleActions(Plan(pair));
        var again = Run(pair);
        Assert.Empty(again.Results);
        Assert.Equal(0, again.Summary.Failed + again.Summary.Skipped + again.Summary.Conflicts);
        Assert.Equal(row.SourceTree, t.Tree(SyncSide.Source));
        Assert.Equal(row.DestinationTree, t.Tree(SyncSide.Destination));

        if (change == Change.DeleteBoth)
        {
            // Deleted on both sides: the path leaves the state.
            Assert.DoesNotContain(F, StateKeys(t.StateDir, SyncSide.Source));
            Assert.DoesNotContain(F, StateKeys(t.StateDir, SyncSide.Destination));
            Assert.Equal(1, Plan(pair).Info.TrackedFileCount);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public void Renames_copy_no_bytes_and_keep_the_file_identity(SyncMode mode, Change change)
    {
        var row = Table[(mode, change)];
        if (!row.Actions.Any(a => a.StartsWith("Rename", StringComparison.Ordinal)))
        {
            return;
        }

        using var t = new TestPair();
        var pair = PairOf(t, mode);
        var origin = mode.AllowsUpload() ? SyncSide.Source : SyncSide.Destination;
        t.Write(origin, F, Base);
        t.Write(origin, O, Other);
        Run(pair);
        Apply(t, change);

        var plan = Plan(pair);
        var rename = Assert.Single(plan.Visible());
        var target = rename.Action == SyncActionType.RenameDestination ? SyncSide.Destination : SyncSide.Source;
        var before = FileId(t, target, rename.PreviousPath!);

        var run = Run(pair);

        Assert.Equal(0, run.Summary.BytesTransferred);
        Assert.Equal(before, FileId(t, target, rename.RelativePath));
    }

    private static void Apply(TestPair t, Change change)
    {
        switch (change)
        {
            case Change.AddAtSource:
                t.Write(SyncSide.Source, N, New);
                break;
            case Change.AddAtDestination:
                t.Write(SyncSide.Destination, N, New);
                break;
            case Change.ModifyAtSource:
                t.Write(SyncSide.Source, F, ModS);
                break;
            case Change.ModifyAtDestination:
                t.Write(SyncSide.Destination, F, ModD);
                break;
            case Change.ModifyBoth:
                t.Write(SyncSide.Source, F, EditS);
                t.Write(SyncSide.Destination, F, EditD); // later, so newer
                break;
            case Change.DeleteAtSource:
                t.Delete(SyncSide.Source, F);
                break;
            case Change.DeleteAtDestination:
                t.Delete(SyncSide.Destination, F);
                break;
            case Change.DeleteBoth:
                t.Delete(SyncSide.Source, F);
                t.Delete(SyncSide.Destination, F);
                break;
            case Change.RenameAtSource:
                t.Rename(SyncSide.Source, F, G);
                break;
            case Change.RenameAtDestination:
                t.Rename(SyncSide.Destination, F, G);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change));
        }
    }
}
