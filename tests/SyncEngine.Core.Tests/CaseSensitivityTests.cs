using System;
using System.IO;
using System.Linq;
using System.Text;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Case sensitivity is a property of each side's filesystem, probed on its root (issue 9, case 13): names that differ
/// only in case toward a side that ignores case are case conflicts on every run (never "done"), and a case-only
/// rename is carried out as a rename. The logic runs on every machine against an in-memory side that ignores case;
/// the probe and the whole run also against a real exFAT filesystem where this machine can mount one.
/// </summary>
public class CaseSensitivityTests
{
    private static readonly DateTime Time = new(2024, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    private static InMemoryStorageProvider IgnoringCase() => new("memory://ignores-case", new StorageCapabilities { CaseSensitive = false });

    private static string[] Names(InMemoryStorageProvider side) =>
        side.Enumerate(_ => true, _ => { }, default).Where(e => !e.Path.StartsWith(PathRules.EngineFolder + "/", StringComparison.Ordinal)).Select(e => e.Path).OrderBy(p => p, StringComparer.Ordinal).ToArray();

    [Fact]
    public void Names_differing_only_in_case_toward_a_side_that_ignores_case_are_conflicts_on_every_run()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "A.txt", "upper");
        t.Write(SyncSide.Source, "a.txt", "lower");
        t.Write(SyncSide.Source, "other.txt", "other");
        var dst = IgnoringCase();
        var pair = PairOf(t);

        for (var run = 0; run < 2; run++)
        {
            var r = Run(pair, new LocalStorageProvider(t.Source), dst);

            Assert.Equal(2, r.Summary.Conflicts);
            Assert.Equal(0, r.Summary.Stale);
            Assert.Equal("Conflicts", r.Summary.Outcome);
            Assert.All(r.Plan.Actions.Where(a => a.Action == SyncActionType.Conflict), a => Assert.True(a.IsCaseConflict, a.ToString()));
            Assert.Equal(new[] { "A.txt", "a.txt" }, r.Plan.Actions.Where(a => a.IsCaseConflict).Select(a => a.RelativePath).OrderBy(p => p, StringComparer.Ordinal));
            Assert.Equal(new[] { "other.txt" }, Names(dst));
        }

        Assert.Equal("upper", t.Read(SyncSide.Source, "A.txt"));
        Assert.Equal("lower", t.Read(SyncSide.Source, "a.txt"));
    }

    [Fact]
    public void A_case_only_rename_on_the_source_is_a_rename_on_a_destination_that_ignores_case()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "docs/report.txt", "report", Time);
        var dst = IgnoringCase();
        var pair = PairOf(t);
        Assert.Equal("Succeeded", Run(pair, new LocalStorageProvider(t.Source), dst).Summary.Outcome);

        t.Rename(SyncSide.Source, "docs/report.txt", "docs/Report.txt");
        var r = Run(pair, new LocalStorageProvider(t.Source), dst);

        var rename = Assert.Single(r.Plan.Actions);
        Assert.Equal(SyncActionType.RenameDestination, rename.Action);
        Assert.Equal("docs/report.txt", rename.PreviousPath);
        Assert.Equal("docs/Report.txt", rename.RelativePath);
        Assert.Equal("Succeeded", r.Summary.Outcome);
        Assert.Equal(new[] { "docs/Report.txt" }, Names(dst));
        Assert.Equal("report", Encoding.UTF8.GetString(dst.Get("docs/Report.txt")!));
        Assert.Empty(Run(pair, new LocalStorageProvider(t.Source), dst).Plan.Actions);
    }

    [Fact]
    public void A_case_only_rename_on_a_destination_that_ignores_case_is_a_rename_on_the_source()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "notes.md", "notes", Time);
        var dst = IgnoringCase();
        var pair = PairOf(t);
        Run(pair, new LocalStorageProvider(t.Source), dst);

        dst.Move("notes.md", "NOTES.md", overwrite: false);
        var r = Run(pair, new LocalStorageProvider(t.Source), dst);

        var rename = Assert.Single(r.Plan.Actions);
        Assert.Equal(SyncActionType.RenameSource, rename.Action);
        Assert.Equal("NOTES.md", rename.RelativePath);
        Assert.Equal(new[] { "NOTES.md" }, t.Tree(SyncSide.Source).Keys);
        Assert.Empty(Run(pair, new LocalStorageProvider(t.Source), dst).Plan.Actions);
    }

    [Fact]
    public void A_mirror_restores_the_sources_name_after_a_case_only_rename_on_its_destination()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "notes.md", "notes", Time);
        var dst = IgnoringCase();
        var pair = PairOf(t, SyncMode.SourceToDestination);
        Run(pair, new LocalStorageProvider(t.Source), dst);

        dst.Move("notes.md", "NOTES.md", overwrite: false);
        var r = Run(pair, new LocalStorageProvider(t.Source), dst);

        var rename = Assert.Single(r.Plan.Actions);
        Assert.Equal(SyncActionType.RenameDestination, rename.Action);
        Assert.Equal("NOTES.md", rename.PreviousPath);
        Assert.Equal("notes.md", rename.RelativePath);
        Assert.Equal(new[] { "notes.md" }, Names(dst));
        Assert.Equal(new[] { "notes.md" }, t.Tree(SyncSide.Source).Keys);
    }

    [SkippableFact]
    public void The_probe_finds_a_case_sensitive_folder_and_leaves_nothing_behind()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux's usual filesystems are case-sensitive; Windows and macOS ones usually not");
        using var t = new TestPair();

        Assert.True(LocalStorageProvider.ProbeCaseSensitivity(t.Destination)); // empty: a probe file
        t.Write(SyncSide.Source, "Readme.md", "x");
        Assert.True(LocalStorageProvider.ProbeCaseSensitivity(t.Source)); // read-only: the listed name
        Assert.True(new LocalStorageProvider(t.Source).Capabilities.CaseSensitive);
        Assert.Empty(Directory.EnumerateFileSystemEntries(t.Destination));
        Assert.Null(LocalStorageProvider.ProbeCaseSensitivity(Path.Combine(t.Root, "missing")));
    }

    [SkippableFact]
    public void On_a_real_exfat_destination_case_twins_are_conflicts_and_a_case_only_rename_is_carried_out()
    {
        using var exfat = ExfatImage.TryMount(out var reason);
        Skip.If(exfat is null, reason);
        using var t = new TestPair();
        var destination = exfat!.NewFolder("dst");
        Assert.False(LocalStorageProvider.ProbeCaseSensitivity(destination)); // empty: a probe file
        Assert.Empty(Directory.EnumerateFileSystemEntries(destination));
        var pair = new SyncPair(t.Source, destination) { StatePath = t.StateDir };
        t.Write(SyncSide.Source, "A.txt", "upper");
        t.Write(SyncSide.Source, "a.txt", "lower");
        t.Write(SyncSide.Source, "notes.md", "notes", Time);

        for (var run = 0; run < 2; run++)
        {
            var r = Run(pair);

            Assert.True(r.Summary.Conflicts == 2, string.Join("\n", r.Plan.Actions.Select(a => a + " " + a.Reason)) + string.Join("\n", r.Results.Select(x => x.ToString() + x.Error)));
            Assert.Equal(0, r.Summary.Stale);
            Assert.Equal(0, r.Summary.Failed);
            Assert.Equal(new[] { "notes.md" }, Directory.EnumerateFiles(destination).Select(Path.GetFileName).ToArray());
        }

        Assert.False(new LocalStorageProvider(destination).Capabilities.CaseSensitive);
        t.Delete(SyncSide.Source, "a.txt");
        t.Rename(SyncSide.Source, "notes.md", "Notes.md");
        var renamed = Run(pair);

        Assert.Equal(0, renamed.Summary.Conflicts);
        Assert.Equal(0, renamed.Summary.Stale);
        Assert.Contains(renamed.Plan.Actions, a => a.Action == SyncActionType.RenameDestination && a.RelativePath == "Notes.md" && a.PreviousPath == "notes.md");
        Assert.Equal(new[] { "A.txt", "Notes.md" }, Directory.EnumerateFiles(destination).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray());
        Assert.Equal("notes", File.ReadAllText(Path.Combine(destination, "Notes.md")));
        Assert.Empty(Run(pair).Plan.Actions);
    }

    [SkippableFact]
    public void A_user_folder_named_like_the_engine_folder_in_another_case_is_synchronized_where_case_matters()
    {
        // Issue 9, case 14: only ".syncengine" itself is the engine's folder on a side that tells case apart.
        Skip.IfNot(OperatingSystem.IsLinux(), "needs case-sensitive folders on both sides");
        using var t = new TestPair();
        t.Write(SyncSide.Source, ".SyncEngine/notes.txt", "mine");
        t.Write(SyncSide.Destination, ".SYNCENGINE", "a file");
        var pair = PairOf(t);

        var r = Run(pair);

        Assert.Empty(r.Plan.ScanIssues);
        Assert.Equal("mine", t.Read(SyncSide.Destination, ".SyncEngine/notes.txt"));
        Assert.Equal("a file", t.Read(SyncSide.Source, ".SYNCENGINE"));
        Assert.Empty(Run(pair).Plan.Actions);
    }

    [Fact]
    public void A_user_folder_named_like_the_engine_folder_is_reported_toward_a_side_that_ignores_case()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, ".SyncEngine/notes.txt", "mine");
        t.Write(SyncSide.Source, "other.txt", "other");
        var dst = IgnoringCase();
        var pair = PairOf(t);

        for (var run = 0; run < 2; run++)
        {
            var r = Run(pair, new LocalStorageProvider(t.Source, caseSensitive: true), dst);

            var issue = Assert.Single(r.Plan.ScanIssues);
            Assert.Equal(".SyncEngine/notes.txt", issue.Path);
            Assert.Contains("the destination ignores case, so '.SyncEngine' there is the engine's own folder", issue.Reason, StringComparison.Ordinal);
            Assert.Equal(new[] { "other.txt" }, Names(dst));
            Assert.Null(dst.Stat(".syncengine/notes.txt"));
        }
    }

    [SkippableFact]
    public void On_a_real_exfat_source_a_folder_named_like_the_engine_folder_is_reported_as_the_engine_folder()
    {
        using var exfat = ExfatImage.TryMount(out var reason);
        Skip.If(exfat is null, reason);
        using var t = new TestPair();
        var source = exfat!.NewFolder("src");
        File.WriteAllText(Path.Combine(exfat.NewFolder("src/.SyncEngine"), "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(source, "other.txt"), "other");
        var pair = new SyncPair(source, t.Destination) { StatePath = t.StateDir };

        for (var run = 0; run < 2; run++)
        {
            var r = Run(pair);

            var issue = Assert.Single(r.Plan.ScanIssues);
            Assert.Equal(SyncSide.Source, issue.Side);
            Assert.Equal(".SyncEngine", issue.Path);
            Assert.Contains("is the engine's own folder", issue.Reason, StringComparison.Ordinal);
            Assert.Equal(new[] { "other.txt" }, t.Tree(SyncSide.Destination).Keys);
            Assert.False(Directory.Exists(Path.Combine(t.Destination, ".SyncEngine")));
        }
    }
}
