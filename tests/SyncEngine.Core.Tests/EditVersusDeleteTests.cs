using System;
using System.Collections.Generic;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// A file deleted on one side and edited on the other (DESIGN.md "Edits beat deletions" in TwoWay; in one-way modes the
/// authoritative side decides, and a backup never deletes). Nothing is ever destroyed: a losing edit goes to the trash.
/// </summary>
public class EditVersusDeleteTests
{
    private const string F = "f.txt";
    private const string O = "o.txt";
    private const string Base = "base";
    private const string Other = "other";
    private const string EditS = "edited at source";
    private const string EditD = "edited at destination";

    public sealed record Row(string[] Actions, SortedDictionary<string, string> Source, SortedDictionary<string, string> Destination, string[] SourceTrash, string[] DestinationTrash);

    private static readonly string[] None = Array.Empty<string>();

    public static readonly Dictionary<(SyncMode, bool), Row> Table = new()
    {
        // (mode, deletedAtSource): deleted at source + edited at destination, or edited at source + deleted at destination.
        [(SyncMode.TwoWay, true)] = new(new[] { "DownloadRestore " + F }, Tree((F, EditD), (O, Other)), Tree((F, EditD), (O, Other)), None, None),
        [(SyncMode.TwoWay, false)] = new(new[] { "UploadRestore " + F }, Tree((F, EditS), (O, Other)), Tree((F, EditS), (O, Other)), None, None),
        [(SyncMode.SourceToDestination, true)] = new(new[] { "DeleteDestination " + F }, Tree((O, Other)), Tree((O, Other)), None, new[] { EditD }),
        [(SyncMode.SourceToDestination, false)] = new(new[] { "UploadRestore " + F }, Tree((F, EditS), (O, Other)), Tree((F, EditS), (O, Other)), None, None),
        [(SyncMode.SourceBackup, true)] = new(None, Tree((O, Other)), Tree((F, EditD), (O, Other)), None, None),
        [(SyncMode.SourceBackup, false)] = new(new[] { "UploadRestore " + F }, Tree((F, EditS), (O, Other)), Tree((F, EditS), (O, Other)), None, None),
        [(SyncMode.DestinationToSource, true)] = new(new[] { "DownloadRestore " + F }, Tree((F, EditD), (O, Other)), Tree((F, EditD), (O, Other)), None, None),
        [(SyncMode.DestinationToSource, false)] = new(new[] { "DeleteSource " + F }, Tree((O, Other)), Tree((O, Other)), new[] { EditS }, None),
        [(SyncMode.DestinationBackup, true)] = new(new[] { "DownloadRestore " + F }, Tree((F, EditD), (O, Other)), Tree((F, EditD), (O, Other)), None, None),
        [(SyncMode.DestinationBackup, false)] = new(None, Tree((F, EditS), (O, Other)), Tree((O, Other)), None, None),
    };

    public static IEnumerable<object[]> Rows() => Table.Keys.Select(k => new object[] { k.Item1, k.Item2 });

    [Theory]
    [MemberData(nameof(Rows))]
    public void Deleted_on_one_side_and_edited_on_the_other(SyncMode mode, bool deletedAtSource)
    {
        var row = Table[(mode, deletedAtSource)];
        using var t = new TestPair();
        var origin = mode.AllowsUpload() ? SyncSide.Source : SyncSide.Destination;
        t.Write(origin, F, Base);
        t.Write(origin, O, Other);
        var pair = PairOf(t, mode);
        Run(pair);
        if (deletedAtSource)
        {
            t.Delete(SyncSide.Source, F);
            t.Write(SyncSide.Destination, F, EditD);
        }
        else
        {
            t.Write(SyncSide.Source, F, EditS);
            t.Delete(SyncSide.Destination, F);
        }

        var run = Run(pair);

        Assert.Equal(row.Actions, Describe(run.Plan.Visible()));
        Assert.Equal("Succeeded", run.Summary.Outcome);
        Assert.Equal(row.Source, t.Tree(SyncSide.Source));
        Assert.Equal(row.Destination, t.Tree(SyncSide.Destination));
        Assert.Equal(row.SourceTrash, Trash(t, SyncSide.Source));
        Assert.Equal(row.DestinationTrash, Trash(t, SyncSide.Destination));
        NoVisibleActions(t.Plan(pair));
    }

    [Theory]
    [InlineData(ConflictResolution.NewestWins, "destination, created later", "source, created first")]
    [InlineData(ConflictResolution.SourceWins, "source, created first", "destination, created later")]
    public void The_same_new_path_created_on_both_sides_with_different_content_is_a_conflict(ConflictResolution strategy, string winner, string loser)
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "keep.txt", "keep");
        var pair = PairOf(t, conflicts: strategy);
        Run(pair);
        t.Write(SyncSide.Source, "n.txt", "source, created first");
        t.Write(SyncSide.Destination, "n.txt", "destination, created later");

        var run = Run(pair);

        var a = Assert.Single(run.Plan.Visible());
        Assert.True(a.IsConflict);
        Assert.Equal(winner, t.Read(SyncSide.Source, "n.txt"));
        Assert.Equal(winner, t.Read(SyncSide.Destination, "n.txt"));
        Assert.Equal(new[] { loser }, Trash(t, SyncSide.Source).Concat(Trash(t, SyncSide.Destination)));
        NoVisibleActions(t.Plan(pair));
    }
}
