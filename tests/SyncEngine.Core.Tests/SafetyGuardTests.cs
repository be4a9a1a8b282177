using System;
using System.IO;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Execution;
using SyncEngine.Storage;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>Safety guards (DESIGN.md "Safety guards"): nothing is destroyed because something odd happened.</summary>
public class SafetyGuardTests : SideTests
{
    private SyncPair Baseline(TestPair t, SyncMode mode = SyncMode.TwoWay, double maxDeletePercent = SyncPair.DefaultMaxDeletePercent, int files = 4)
    {
        for (var i = 0; i < files; i++)
        {
            t.Write(mode.AllowsUpload() ? SyncSide.Source : SyncSide.Destination, $"f{i}.txt", "content " + i);
        }

        var pair = PairOf(t, mode, maxDeletePercent: maxDeletePercent);
        Assert.Equal("Succeeded", Run(pair).Summary.Outcome);
        return pair;
    }

    [SkippableTheory]
    [InlineData(SyncSide.Source)]
    [InlineData(SyncSide.Destination)]
    public void Deleting_more_than_half_of_a_side_stops_before_acting_unless_forced(SyncSide deletedOn)
    {
        using var t = new TestPair();
        var pair = Baseline(t);
        for (var i = 0; i < 3; i++)
        {
            t.Delete(deletedOn, $"f{i}.txt");
        }

        var other = deletedOn == SyncSide.Source ? SyncSide.Destination : SyncSide.Source;
        var before = t.Tree(other);
        var plan = Plan(pair);
        Assert.Equal(3, plan.Visible().Count(a => ActionFacts.IsDelete(a.Action)));
        var violation = Assert.Single(SafetyGuards.Evaluate(plan.Actions, plan.Info, pair.MaxDeletePercent));
        Assert.Equal("SyncMassDeleteGuard", violation.ErrorId);

        var ex = ThrowsSync(() => Run(pair), "SyncMassDeleteGuard");

        Assert.Equal(SyncErrorKind.SafetyGuard, ex.Kind);
        Assert.Contains("3", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, t.Tree(other));
        Assert.Empty(t.TrashContents(other));

        // Not locked, nothing to "resync": the same plan again, and force goes ahead.
        Assert.Equal(Describe(plan.Visible()), Describe(Plan(pair).Visible()));
        ThrowsSync(() => Run(pair), "SyncMassDeleteGuard");
        var forced = Run(pair, force: true);
        Assert.Equal(3, forced.Summary.Succeeded);
        Assert.Equal(Tree(("f3.txt", "content 3")), t.Tree(other));
        Assert.Equal(3, t.TrashContents(other).Count);
    }

    [SkippableFact]
    public void Exactly_the_limit_is_allowed()
    {
        using var t = new TestPair();
        var pair = Baseline(t);
        t.Delete(SyncSide.Source, "f0.txt");
        t.Delete(SyncSide.Source, "f1.txt");

        var run = Run(pair); // 2 of 4 = 50 %: not more than the limit

        Assert.Equal(2, run.Summary.Succeeded);
        Assert.Equal(2, t.Tree(SyncSide.Destination).Count);
    }

    [SkippableFact]
    public void The_limit_is_configurable()
    {
        using var t = new TestPair();
        var pair = Baseline(t, maxDeletePercent: 25);
        t.Delete(SyncSide.Source, "f0.txt");
        t.Delete(SyncSide.Source, "f1.txt");

        ThrowsSync(() => Run(pair), "SyncMassDeleteGuard");
        Assert.Equal(4, t.Tree(SyncSide.Destination).Count);
    }

    [SkippableFact]
    public void A_single_deletion_is_never_mass_deletion()
    {
        using var t = new TestPair();
        var pair = Baseline(t, maxDeletePercent: 10, files: 3);
        t.Delete(SyncSide.Source, "f0.txt");

        var run = Run(pair); // 1 of 3 = 33 % > 10 %, but one file

        Assert.Equal(1, run.Summary.Succeeded);
    }

    [SkippableFact]
    public void A_first_mirror_onto_a_full_folder_stops_before_deleting_it()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "only.txt", "the source's one file");
        for (var i = 0; i < 10; i++)
        {
            t.Write(SyncSide.Destination, $"precious/{i}.doc", "precious " + i);
        }

        var pair = PairOf(t, SyncMode.SourceToDestination);

        ThrowsSync(() => Run(pair), "SyncMassDeleteGuard");

        Assert.Equal(10, t.Tree(SyncSide.Destination).Count);
    }

    [SkippableFact]
    public void An_emptied_source_is_an_error_not_a_deletion_of_the_destination()
    {
        using var t = new TestPair();
        var pair = Baseline(t, files: 1);
        t.Delete(SyncSide.Source, "f0.txt");

        var ex = ThrowsSync(() => Run(pair), "SyncRootEmptied");

        Assert.Equal(SyncErrorKind.SafetyGuard, ex.Kind);
        Assert.Equal(Tree(("f0.txt", "content 0")), t.Tree(SyncSide.Destination));
        Run(pair, force: true);
        Assert.Empty(t.Tree(SyncSide.Destination));
    }

    [SkippableFact]
    public void An_emptied_source_with_many_files_reports_the_emptied_root()
    {
        using var t = new TestPair();
        var pair = Baseline(t, files: 6);
        foreach (var f in t.Tree(SyncSide.Source).Keys)
        {
            t.Delete(SyncSide.Source, f);
        }

        ThrowsSync(() => Run(pair), "SyncRootEmptied");
        Assert.Equal(6, t.Tree(SyncSide.Destination).Count);
    }

    [SkippableTheory]
    [InlineData(SyncMode.TwoWay, SyncSide.Source, "SyncRootEmptied")]
    [InlineData(SyncMode.SourceToDestination, SyncSide.Source, "SyncRootEmptied")]
    [InlineData(SyncMode.SourceBackup, SyncSide.Source, "")]
    [InlineData(SyncMode.DestinationToSource, SyncSide.Source, "DownloadRestore")]
    [InlineData(SyncMode.DestinationBackup, SyncSide.Source, "DownloadRestore")]
    [InlineData(SyncMode.TwoWay, SyncSide.Destination, "SyncRootEmptied")]
    [InlineData(SyncMode.SourceToDestination, SyncSide.Destination, "UploadRestore")]
    [InlineData(SyncMode.SourceBackup, SyncSide.Destination, "UploadRestore")]
    [InlineData(SyncMode.DestinationToSource, SyncSide.Destination, "SyncRootEmptied")]
    [InlineData(SyncMode.DestinationBackup, SyncSide.Destination, "")]
    public void An_emptied_side_in_every_mode_is_refilled_left_alone_or_refused_but_never_mirrored_as_deletions(SyncMode mode, SyncSide emptied, string expected)
    {
        using var t = new TestPair();
        var pair = Baseline(t, mode, files: 3);
        foreach (var f in t.Tree(emptied).Keys)
        {
            t.Delete(emptied, f);
        }

        var other = emptied == SyncSide.Source ? SyncSide.Destination : SyncSide.Source;
        if (expected == "SyncRootEmptied")
        {
            ThrowsSync(() => Run(pair), "SyncRootEmptied");
            Assert.Equal(3, t.Tree(other).Count);
            Assert.Empty(t.Tree(emptied));
            return;
        }

        var run = Run(pair);

        Assert.All(run.Plan.Visible(), a => Assert.Equal(expected, a.Action.ToString()));
        Assert.Equal(expected.Length == 0 ? 0 : 3, run.Plan.Visible().Count());
        Assert.Equal(3, t.Tree(other).Count);
        Assert.Equal(expected.Length == 0 ? 0 : 3, t.Tree(emptied).Count);
    }

    [SkippableFact]
    public void A_missing_destination_root_while_the_state_held_files_is_an_error()
    {
        using var t = new TestPair();
        var pair = Baseline(t, files: 3);
        Directory.Delete(t.Destination, recursive: true); // an unmounted drive

        var ex = ThrowsSync(() => Run(pair), "SyncRootEmptied");

        Assert.Equal(SyncErrorKind.SafetyGuard, ex.Kind);
        Assert.Equal(3, t.Tree(SyncSide.Source).Count);
        Assert.Empty(t.TrashContents(SyncSide.Source));
    }

    [SkippableFact]
    public void A_missing_two_way_destination_says_what_force_and_reseed_really_do_and_still_reports_the_share()
    {
        // Issue 9, case 15: the message used to offer force as "recreate it here and sync into it"; force deletes the source.
        using var t = new TestPair();
        var pair = Baseline(t, files: 3);
        Directory.Delete(t.Destination, recursive: true);

        var ex = ThrowsSync(() => Run(pair), "SyncRootEmptied");

        Assert.Contains("with reseed (syncengine --reseed; PowerShell -Reseed) everything is copied back", ex.Message, StringComparison.Ordinal);
        Assert.Contains("nothing is deleted on either side", ex.Message, StringComparison.Ordinal);
        Assert.Contains("with force (syncengine --force; PowerShell -Force)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("3 files on the source are deleted (to the trash)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sync into it", ex.Message, StringComparison.Ordinal);
        Assert.Contains("The sync would delete 3 of 3 files on the source (100 %)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, t.Tree(SyncSide.Source).Count);
    }

    [SkippableTheory]
    [InlineData(SyncMode.TwoWay)]
    [InlineData(SyncMode.DestinationToSource)]
    public void A_reseed_after_a_lost_destination_copies_everything_back_and_deletes_nothing(SyncMode mode)
    {
        using var t = new TestPair();
        var pair = Baseline(t, mode, files: 3);
        var before = t.Tree(mode.AllowsUpload() ? SyncSide.Source : SyncSide.Destination);
        Directory.Delete(t.Destination, recursive: true);
        if (!mode.AllowsUpload())
        {
            Directory.CreateDirectory(t.Destination); // an empty new drive
        }

        var plan = Plan(pair, new PlanOptions { Reseed = true });

        Assert.True(plan.Info.IsReseed);
        Assert.Empty(SafetyGuards.Evaluate(plan.Actions, plan.Info, pair.MaxDeletePercent));
        Assert.DoesNotContain(plan.Actions, a => ActionFacts.IsDelete(a.Action));

        var run = Run(pair, planOptions: new PlanOptions { Reseed = true });

        Assert.Equal(0, run.Summary.Failed);
        Assert.Equal(before, t.Tree(SyncSide.Source));
        Assert.Empty(t.TrashContents(SyncSide.Source));
        if (mode.AllowsUpload())
        {
            Assert.Equal(before, t.Tree(SyncSide.Destination)); // copied back
            NoVisibleActions(Plan(pair));
        }
    }

    [SkippableFact]
    public void A_reseed_merges_whatever_the_state_says_and_whatever_the_initial_preference()
    {
        using var t = new TestPair();
        var pair = Baseline(t, files: 2);
        t.Delete(SyncSide.Source, "f0.txt"); // would be "deleted on source" by the state
        t.Write(SyncSide.Destination, "new-on-destination.txt", "d");
        var sourceWins = new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, InitialSyncPreference = InitialSyncPreference.SourceWins };

        var run = Run(sourceWins, planOptions: new PlanOptions { Reseed = true });

        Assert.DoesNotContain(run.Plan.Actions, a => ActionFacts.IsDelete(a.Action));
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Equal(new[] { "f0.txt", "f1.txt", "new-on-destination.txt" }, t.Tree(SyncSide.Source).Keys);
        NoVisibleActions(Plan(pair));
    }

    [SkippableFact]
    public void An_interrupted_reseed_is_followed_by_a_merge_not_by_deletions()
    {
        // The re-seed starts the state afresh before its first action: the old records cannot make the files it did
        // not copy yet look deleted on the next, ordinary run.
        using var t = new TestPair();
        var pair = Baseline(t, files: 6);
        Directory.Delete(t.Destination, recursive: true);
        using (var session = Open(pair))
        {
            var plan = session.Plan(new PlanOptions { Reseed = true });
            var exec = session.BeginExecute(plan.Actions);
            exec.Post(plan.Actions.First(a => a.Action == SyncActionType.UploadNew)); // one copy, then the run ends
            exec.Complete();
            exec.Wait();
        }

        var next = Plan(pair);

        Assert.DoesNotContain(next.Actions, a => ActionFacts.IsDelete(a.Action));
        Run(pair);
        Assert.Equal(6, t.Tree(SyncSide.Source).Count);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
    }

    [SkippableFact]
    public void A_missing_source_root_is_an_error()
    {
        using var t = new TestPair();
        var pair = Baseline(t, files: 3);
        Directory.Delete(t.Source, recursive: true);

        var fromPlan = ThrowsSync(() => Plan(pair), "SyncRootNotFound");
        ThrowsSync(() => Run(pair), "SyncRootNotFound");

        Assert.Equal(SyncErrorKind.NotFound, fromPlan.Kind);
        Assert.Equal(3, t.Tree(SyncSide.Destination).Count);
    }

    [SkippableFact]
    public void An_emptied_destination_of_a_mirror_is_refilled_without_any_guard()
    {
        using var t = new TestPair();
        var pair = Baseline(t, SyncMode.SourceToDestination, files: 3);
        foreach (var f in t.Tree(SyncSide.Destination).Keys)
        {
            t.Delete(SyncSide.Destination, f);
        }

        var run = Run(pair);

        Assert.Equal(new[] { "UploadRestore f0.txt", "UploadRestore f1.txt", "UploadRestore f2.txt" }, VisibleSorted(run.Plan));
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
    }

    [SkippableTheory]
    [InlineData("sync_metadata.json", "truncate")]
    [InlineData("source_tree.json", "truncate")]
    [InlineData("destination_tree.json", "garbage")]
    [InlineData("destination_tree.json", "empty")]
    [InlineData("sync_metadata.json", "wrong-shape")]
    public void Unreadable_state_is_treated_as_a_first_merge_with_no_deletions_and_a_warning(string file, string damage)
    {
        using var t = new TestPair();
        var pair = Baseline(t, files: 4);
        t.Delete(SyncSide.Source, "f0.txt");
        t.Delete(SyncSide.Destination, "f1.txt");
        t.Write(SyncSide.Source, "new.txt", "new");
        var path = Path.Combine(t.StateDir, file);
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "truncate":
                File.WriteAllBytes(path, bytes.Take(bytes.Length / 2).ToArray());
                break;
            case "garbage":
                File.WriteAllText(path, "\u0000\u0001 not json at all");
                break;
            case "empty":
                File.WriteAllBytes(path, Array.Empty<byte>());
                break;
            default:
                File.WriteAllText(path, "[1, 2, 3]");
                break;
        }

        var plan = Plan(pair);

        Assert.True(plan.StateWasUnreadable);
        Assert.True(plan.Info.IsInitialSync);
        Assert.NotEmpty(plan.Warnings);
        Assert.DoesNotContain(plan.Actions, a => ActionFacts.IsDelete(a.Action));
        Assert.Equal(new[] { "DownloadNew f0.txt", "UploadNew f1.txt", "UploadNew new.txt" }, VisibleSorted(plan));

        var run = Run(pair);
        Assert.True(run.Plan.StateWasUnreadable);
        Assert.Equal("Succeeded", run.Summary.Outcome);
        Assert.Equal(5, t.Tree(SyncSide.Source).Count);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));

        // The run wrote a good state again.
        var next = Plan(pair);
        Assert.False(next.StateWasUnreadable);
        Assert.Empty(next.Warnings);
        NoVisibleActions(next);
    }

    [SkippableFact]
    public void Unreadable_state_merges_even_when_the_pair_prefers_one_side_for_a_first_sync()
    {
        using var t = new TestPair();
        t.WriteBoth("a.txt", "a");
        t.WriteBoth("b.txt", "b");
        t.WriteBoth("c.txt", "c");
        var pair = PairOf(t, initial: InitialSyncPreference.SourceWins);
        Run(pair);
        t.Delete(SyncSide.Source, "a.txt");
        File.WriteAllText(Path.Combine(t.StateDir, "source_tree.json"), "{ \"files\": { ");

        var plan = Plan(pair);

        Assert.True(plan.StateWasUnreadable);
        Assert.Equal(new[] { "DownloadNew a.txt" }, VisibleSorted(plan));
    }

    [SkippableFact]
    public void Source_and_destination_must_not_overlap()
    {
        using var t = new TestPair();
        var inside = Path.Combine(t.Source, "backup");
        Directory.CreateDirectory(inside);
        var cases = new[]
        {
            new SyncPair(t.Source, t.Source) { StatePath = t.StateDir },
            new SyncPair(t.Source, t.Source + Path.DirectorySeparatorChar) { StatePath = t.StateDir },
            new SyncPair(t.Source, Path.Combine(t.Destination, "..", "src")) { StatePath = t.StateDir },
            new SyncPair(t.Source, inside) { StatePath = t.StateDir },
            new SyncPair(inside, t.Source) { StatePath = t.StateDir },
            new SyncPair(Path.Combine(t.Destination, "sub"), t.Destination) { StatePath = t.StateDir },
        };
        Directory.CreateDirectory(Path.Combine(t.Destination, "sub"));
        t.Write(SyncSide.Source, "backup/x.txt", "x");

        foreach (var pair in cases)
        {
            var ex = ThrowsSync(pair.Validate, "SyncRootsOverlap");
            Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
            ThrowsSync(() => SyncPlanner.Plan(pair), "SyncRootsOverlap");
            ThrowsSync(() => SyncSession.Open(pair).Dispose(), "SyncRootsOverlap");
        }

        // A sibling whose name merely starts with the other's name is fine.
        var sibling = t.Source + "-copy";
        Directory.CreateDirectory(sibling);
        new SyncPair(t.Source, sibling).Validate();
        Assert.Equal(Tree(("backup/x.txt", "x")), t.Tree(SyncSide.Source));
    }

    [SkippableFact]
    public void A_state_folder_inside_a_root_is_refused_as_an_overlap()
    {
        // issue 9 case 11: a state folder inside a root is synced as user files (two-way) or trashed by a mirror.
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        var sep = Path.DirectorySeparatorChar.ToString();
        var inside = new[]
        {
            t.Source,
            t.Destination + sep,
            Path.Combine(t.Source, "state"),
            Path.Combine(t.Destination, "deep", "state"),
            Path.Combine(t.Destination, "..", Path.GetFileName(t.Destination), "st"),
            Path.Combine(t.Source, ".syncengine", "trash", "st"),
        };
        foreach (var mode in new[] { SyncMode.TwoWay, SyncMode.SourceToDestination })
        {
            foreach (var state in inside)
            {
                var pair = new SyncPair(t.Source, t.Destination) { Mode = mode, StatePath = state };
                var ex = ThrowsSync(pair.Validate, "SyncStateFolderInsideRoot");
                Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
                ThrowsSync(() => SyncSession.Open(pair).Dispose(), "SyncStateFolderInsideRoot");
            }
        }

        Assert.False(Directory.Exists(Path.Combine(t.Source, "state")));
        Assert.False(Directory.Exists(Path.Combine(t.Destination, "deep")));
        Assert.Equal(Tree(("a.txt", "a")), t.Tree(SyncSide.Source));

        // Beside a root (a name that merely starts with the root's) and the engine's own folder of a side are fine.
        new SyncPair(t.Source, t.Destination) { StatePath = t.Source + "-state" }.Validate();
        var own = Path.Combine(t.Destination, ".syncengine", "state");
        var ownPair = new SyncPair(t.Source, t.Destination) { StatePath = own };
        ownPair.Validate();
        Assert.Equal("Succeeded", Run(ownPair).Summary.Outcome);
        Assert.Equal(Tree(("a.txt", "a")), t.Tree(SyncSide.Destination));
        Assert.Equal("Succeeded", Run(ownPair).Summary.Outcome);
        Assert.True(File.Exists(Path.Combine(t.Source, "a.txt")));
    }

    [SkippableFact]
    public void Symbolic_links_are_reported_and_never_followed_or_synced()
    {
        NotOnObjectStore("an object store holds no symbolic links");
        StoredAsIsOnly("reads the destination folder's files and links on disk");
        using var t = new TestPair();
        var outside = Path.Combine(t.Root, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "outside the root");
        t.Write(SyncSide.Source, "real.txt", "real");
        Directory.CreateSymbolicLink(Full(t, SyncSide.Source, "dirlink"), outside);
        File.CreateSymbolicLink(Full(t, SyncSide.Source, "filelink.txt"), Path.Combine(outside, "secret.txt"));
        Directory.CreateSymbolicLink(Full(t, SyncSide.Destination, "dstlink"), outside);
        t.Write(SyncSide.Destination, "stray.txt", "stray");
        var pair = PairOf(t, SyncMode.SourceToDestination);

        var run = Run(pair);

        Assert.Contains(run.Plan.ScanIssues, i => i.Side == SyncSide.Source && i.Path == "dirlink");
        Assert.Contains(run.Plan.ScanIssues, i => i.Side == SyncSide.Source && i.Path == "filelink.txt");
        Assert.Contains(run.Plan.ScanIssues, i => i.Side == SyncSide.Destination && i.Path == "dstlink");
        Assert.DoesNotContain(run.Plan.Actions, a => a.RelativePath.StartsWith("dirlink", StringComparison.Ordinal) || a.RelativePath.StartsWith("filelink", StringComparison.Ordinal) || a.RelativePath.StartsWith("dstlink", StringComparison.Ordinal));
        Assert.Equal(new[] { "DeleteDestination stray.txt", "UploadNew real.txt" }, VisibleSorted(run.Plan));
        Assert.Equal(Tree(("real.txt", "real")), TreeNoLinks(t.Destination));
        Assert.Equal(new[] { "secret.txt" }, Directory.GetFiles(outside).Select(Path.GetFileName));
        Assert.Equal("outside the root", File.ReadAllText(Path.Combine(outside, "secret.txt")));
        Assert.True(new FileInfo(Full(t, SyncSide.Destination, "dstlink")).LinkTarget is not null || new DirectoryInfo(Full(t, SyncSide.Destination, "dstlink")).LinkTarget is not null);
        Assert.False(File.Exists(Full(t, SyncSide.Destination, "filelink.txt")) || Directory.Exists(Full(t, SyncSide.Destination, "dirlink")));
    }

    private static System.Collections.Generic.SortedDictionary<string, string> TreeNoLinks(string root)
    {
        var result = new System.Collections.Generic.SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            var rel = Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/');
            if (!rel.StartsWith(".syncengine/", StringComparison.Ordinal))
            {
                result[rel] = File.ReadAllText(f);
            }
        }

        return result;
    }
    /// <summary>A side on which one folder, or one file, cannot be read (as LocalStorageProvider reports it), over any provider.</summary>
    private sealed class Unreadable : IStorageProvider
    {
        private readonly IStorageProvider _inner;
        private readonly string? _folder;
        private readonly string? _file;

        public Unreadable(IStorageProvider inner, string? folder = null, string? file = null)
        {
            _inner = inner;
            _folder = folder;
            _file = file;
        }

        public string Root => _inner.Root;

        public StorageCapabilities Capabilities => _inner.Capabilities;

        public bool RootExists() => _inner.RootExists();

        public void CreateRoot() => _inner.CreateRoot();

        public System.Collections.Generic.IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, System.Threading.CancellationToken cancellationToken)
        {
            foreach (var e in _inner.Enumerate(
                f =>
                {
                    if (f == _folder)
                    {
                        onIssue(new ScanIssue(SyncSide.Source, f, "folder cannot be read: Permission denied"));
                        return false;
                    }

                    return includeFolder(f);
                },
                onIssue,
                cancellationToken))
            {
                if (e.Path == _file)
                {
                    onIssue(new ScanIssue(SyncSide.Source, e.Path, "cannot be read: Permission denied"));
                    continue;
                }

                yield return e;
            }
        }

        public StorageEntry? Stat(string path) => _inner.Stat(path);

        public Stream OpenRead(string path) => _inner.OpenRead(path);

        public IStagedWrite BeginWrite(string path) => _inner.BeginWrite(path);

        public void Move(string fromPath, string toPath, bool overwrite) => _inner.Move(fromPath, toPath, overwrite);

        public void PreserveCopy(string path, string copyPath) => _inner.PreserveCopy(path, copyPath);

        public void Delete(string path) => _inner.Delete(path);

        public void RemoveEmptyParents(string path) => _inner.RemoveEmptyParents(path);

        public string ComputeHash(string path, System.Threading.CancellationToken cancellationToken) => _inner.ComputeHash(path, cancellationToken);


        public void CleanUp(System.Threading.CancellationToken cancellationToken) => _inner.CleanUp(cancellationToken);

        public System.Collections.Generic.IReadOnlyList<string> ListEngineFolders(string engineFolder) => _inner.ListEngineFolders(engineFolder);

        public void DeleteEngineFolder(string engineFolder, System.Threading.CancellationToken cancellationToken) => _inner.DeleteEngineFolder(engineFolder, cancellationToken);

        public void Dispose() => _inner.Dispose();
    }

    [SkippableTheory]
    [InlineData(SyncMode.TwoWay)]
    [InlineData(SyncMode.SourceToDestination)]
    public void Files_in_a_folder_that_cannot_be_read_are_never_treated_as_deleted(SyncMode mode)
    {
        using var t = new TestPair();
        foreach (var p in new[] { "docs/a.txt", "docs/sub/b.txt", "private.txt", "other.txt" })
        {
            t.Write(SyncSide.Source, p, "content of " + p);
        }

        var pair = PairOf(t, mode);
        Run(pair);
        t.Write(SyncSide.Destination, "docs/new-at-destination.txt", "new");

        var run = Run(pair, new Unreadable(SideProvider(pair, SyncSide.Source), folder: "docs", file: "private.txt"), null);

        Assert.Contains(run.Plan.ScanIssues, i => i.Path == "docs");
        Assert.Contains(run.Plan.ScanIssues, i => i.Path == "private.txt");
        Assert.DoesNotContain(run.Plan.Actions, a => a.RelativePath.StartsWith("docs/", StringComparison.Ordinal) || a.RelativePath == "private.txt");
        Assert.Equal(5, t.Tree(SyncSide.Destination).Count);
        Assert.Empty(t.TrashContents(SyncSide.Destination));
        Assert.Equal(4, t.Tree(SyncSide.Source).Count);
        Assert.Contains("docs/a.txt", StateKeys(t.StateDir));
        Assert.Contains("private.txt", StateKeys(t.StateDir));
    }
}
