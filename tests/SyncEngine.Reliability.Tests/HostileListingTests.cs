using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using SyncEngine.Reliability.Tests.Infrastructure;
using SyncEngine.Storage;

namespace SyncEngine.Reliability.Tests;

/// <summary>
/// Names a side may list that must never be synchronized: escapes from the root, NUL and control characters, names a
/// Windows-like target cannot hold, Unicode and case twins. Each gets a clear report and nothing is lost or written
/// outside the roots.
/// </summary>
public class HostileListingTests
{
    /// <summary>Entries a provider (a remote listing, a damaged filesystem) might hand the engine.</summary>
    public static readonly string[] EscapingNames =
    {
        "../escape.txt",
        "sub/../../escape.txt",
        "..",
        "/etc/passwd",
        "/tmp/se-hostile-absolute.txt",
        "C:/Windows/win.ini",
        "\\\\server\\share\\x.txt",
        "a\0b.txt",
        "tab\there.txt",
        "new\nline.txt",
        "bell\u0007.txt",
        "del\u007f.txt",
        "back\\..\\slash.txt",
        "./dot.txt",
        "a//b.txt",
        "trailing/",
        "",
    };

    public static IEnumerable<object[]> EscapingCases() => Enumerable.Range(0, EscapingNames.Length).Select(i => new object[] { i });

    private static readonly (SyncSide Side, SyncMode Mode)[] Placements =
        (from side in new[] { SyncSide.Source, SyncSide.Destination }
         from mode in new[] { SyncMode.TwoWay, SyncMode.SourceToDestination, SyncMode.DestinationToSource }
         select (side, mode)).ToArray();

    private static FaultyStorageProvider Inject(string root, string name)
    {
        var p = new FaultyStorageProvider(new LocalStorageProvider(root)) { LocalFastPath = true };
        p.ExtraEntries.Add(new StorageEntry(name, EntryKind.File, 5, new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc).Ticks));
        return p;
    }

    /// <summary>Each name is injected into the listing of either side, in three modes.</summary>
    [Theory]
    [MemberData(nameof(EscapingCases))]
    public void Listing_entry_that_would_leave_the_root_is_rejected_at_scan_and_reported(int index)
    {
        var name = EscapingNames[index];
        if (!OperatingSystem.IsWindows() && name.Length >= 2 && name[1] == ':')
        {
            // "C:/Windows/win.ini" leaves the root only where drive letters exist; between POSIX sides it is a folder
            // named "C:" inside the root (Names_with_a_colon_are_legal_between_posix_sides_and_are_synchronized), and
            // the companion test below still proves nothing is written outside the root.
            return;
        }

        var problems = new List<string>();
        foreach (var (side, mode) in Placements)
        {
            using var t = new Sandbox();
            t.Write(SyncSide.Source, "ok.txt", "fine");
            var src = side == SyncSide.Source ? Inject(t.Source, name) : null;
            var dst = side == SyncSide.Destination ? Inject(t.Destination, name) : null;

            SyncPlan plan;
            try
            {
                plan = Sandbox.PlanOnly(t.Pair(mode), src, dst);
            }
            catch (Exception ex)
            {
                problems.Add($"{side}/{mode}: planning threw {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            // DESIGN.md: "A listing entry that would resolve outside its root ('..', absolute, NUL) is rejected."
            var planned = plan.Actions.FirstOrDefault(a => a.RelativePath == PathRules.Key(name) || a.RelativePath == name);
            if (planned is not null)
            {
                problems.Add($"{side}/{mode}: planned {planned.Action}");
            }

            if (!plan.ScanIssues.Any(i => i.Side == side && (i.Path == name || i.Path == PathRules.Printable(name))))
            {
                problems.Add($"{side}/{mode}: no scan issue reports it");
            }
        }

        Assert.True(problems.Count == 0, $"listing entry '{PathRules.Printable(name)}':\n" + string.Join("\n", problems));
    }

    /// <summary>Whatever the scan does, a hostile name never writes outside the sandbox, never loses a file, never aborts the run untyped.</summary>
    [Theory]
    [MemberData(nameof(EscapingCases))]
    public void Listing_entry_that_would_leave_the_root_never_leads_to_a_write_outside_or_a_lost_file(int index)
    {
        var name = EscapingNames[index];
        var problems = new List<string>();
        foreach (var (side, mode) in Placements)
        {
            using var t = new Sandbox();
            t.Write(SyncSide.Source, "ok.txt", "fine");
            t.Write(SyncSide.Destination, "theirs.txt", "kept");
            var src = side == SyncSide.Source ? Inject(t.Source, name) : new FaultyStorageProvider(new LocalStorageProvider(t.Source));
            var dst = side == SyncSide.Destination ? Inject(t.Destination, name) : new FaultyStorageProvider(new LocalStorageProvider(t.Destination));
            var before = t.AllContentHashes();

            RunOutcome? run = null;
            var error = Record.Exception(() => run = Sandbox.Run(t.Pair(mode), src, dst));

            if (error is not null and not SyncEngineException)
            {
                problems.Add($"{side}/{mode}: the run threw {error.GetType().Name}: {error.Message}");
            }

            if (!t.Outside().SequenceEqual(new[] { "canary.txt" }) || File.Exists("/tmp/se-hostile-absolute.txt"))
            {
                problems.Add($"{side}/{mode}: something was written outside the roots");
            }

            if (!before.IsSubsetOf(t.AllContentHashes()))
            {
                problems.Add($"{side}/{mode}: content lost");
            }

            if (run is not null && run.Results.Any(r => r.Status == SyncResultStatus.Succeeded && (r.RelativePath == name || r.RelativePath == PathRules.Key(name))))
            {
                problems.Add($"{side}/{mode}: an action on it succeeded");
            }
        }

        Assert.True(problems.Count == 0, $"listing entry '{PathRules.Printable(name)}':\n" + string.Join("\n", problems));
    }

    private static readonly string[] WindowsUnsafe =
    {
        "CON", "con.txt", "AUX", "nul.tar.gz", "Com1.log", "LPT9", "PRN.md",
        "trailing.", "trailing ", "folder./inside.txt", "folder /inside.txt",
        "a:b.txt", "star*.txt", "q?.txt", "quote\".txt", "lt<.txt", "gt>.txt", "pipe|.txt",
    };

    private static FaultyStorageProvider WindowsLike(string root) =>
        new(new LocalStorageProvider(root), new StorageCapabilities { CaseSensitive = false, WindowsNames = true }) { LocalFastPath = true };

    [Theory]
    [InlineData(SyncMode.TwoWay)]
    [InlineData(SyncMode.SourceToDestination)]
    [InlineData(SyncMode.SourceBackup)]
    public void Names_a_windows_like_destination_cannot_hold_are_reported_not_copied_and_nothing_is_deleted(SyncMode mode)
    {
        using var t = new Sandbox();
        foreach (var n in WindowsUnsafe)
        {
            t.Write(SyncSide.Source, n, "content of " + n);
        }

        t.Write(SyncSide.Source, "fine.txt", "fine");
        var pair = t.Pair(mode);

        var run = Sandbox.Run(pair, null, WindowsLike(t.Destination));

        Assert.Equal("fine", t.Read(SyncSide.Destination, "fine.txt"));
        foreach (var n in WindowsUnsafe)
        {
            Assert.False(t.Exists(SyncSide.Destination, n), $"'{n}' was copied to a Windows-like destination");
            Assert.True(t.Exists(SyncSide.Source, n), $"'{n}' was removed from the source");
            Assert.Contains(run.Plan.ScanIssues, i => i.Path == n);
        }

        Assert.DoesNotContain(run.Plan.Actions, a => ActionFacts.IsDelete(a.Action));

        // The next run reports the same and still deletes nothing.
        var again = Sandbox.PlanOnly(pair, null, WindowsLike(t.Destination));
        Assert.DoesNotContain(again.Actions, a => a.IsMutating);
    }

    [Theory]
    [InlineData(SyncMode.TwoWay)]
    [InlineData(SyncMode.DestinationToSource)]
    public void Names_a_windows_like_source_cannot_hold_are_not_downloaded(SyncMode mode)
    {
        using var t = new Sandbox();
        foreach (var n in WindowsUnsafe)
        {
            t.Write(SyncSide.Destination, n, "content of " + n);
        }

        t.Write(SyncSide.Destination, "fine.txt", "fine");

        var run = Sandbox.Run(t.Pair(mode), WindowsLike(t.Source), null);

        Assert.Equal("fine", t.Read(SyncSide.Source, "fine.txt"));
        foreach (var n in WindowsUnsafe)
        {
            Assert.False(t.Exists(SyncSide.Source, n));
            Assert.True(t.Exists(SyncSide.Destination, n));
        }

        Assert.DoesNotContain(run.Plan.Actions, a => ActionFacts.IsDelete(a.Action));
    }

    [Fact]
    public void Rename_to_a_name_a_windows_like_destination_cannot_hold_keeps_the_old_copy()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "report.txt", new string('r', 4000));
        var pair = t.Pair();
        Sandbox.Run(pair, null, WindowsLike(t.Destination));
        File.Move(t.Full(SyncSide.Source, "report.txt"), t.Full(SyncSide.Source, "report: final.txt"));

        Sandbox.Run(pair, null, WindowsLike(t.Destination));

        // The new name cannot be made there: the destination keeps its copy under the old name rather than losing it.
        Assert.True(t.Exists(SyncSide.Destination, "report.txt") || t.TrashContents(SyncSide.Destination).Contains(new string('r', 4000)));
        Assert.False(t.Exists(SyncSide.Destination, "report: final.txt"));
        Assert.True(t.Exists(SyncSide.Source, "report: final.txt"));
    }

    private static string Nfc(string s) => s.Normalize(NormalizationForm.FormC);

    private static string Nfd(string s) => s.Normalize(NormalizationForm.FormD);

    [Fact]
    public void The_same_name_in_nfc_and_nfd_on_one_side_is_reported_and_neither_is_synced_or_deleted()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, Nfc("café.txt"), "composed");
        t.Write(SyncSide.Source, Nfd("café.txt"), "decomposed");
        t.Write(SyncSide.Source, "plain.txt", "plain");
        Assert.Equal(3, Directory.GetFiles(t.Source).Length); // the filesystem keeps both names

        var run = Sandbox.Run(t.Pair());

        Assert.Equal("plain", t.Read(SyncSide.Destination, "plain.txt"));
        Assert.Single(Directory.GetFiles(t.Destination));
        Assert.Contains(run.Plan.ScanIssues, i => i.Reason.Contains("normalization", StringComparison.Ordinal));
        Assert.Equal("composed", t.Read(SyncSide.Source, Nfc("café.txt")));
        Assert.Equal("decomposed", t.Read(SyncSide.Source, Nfd("café.txt")));
    }

    [Fact]
    public void Nfc_on_one_side_and_nfd_on_the_other_are_one_file_never_duplicated()
    {
        using var t = new Sandbox();
        var when = t.NextTime();
        t.Write(SyncSide.Source, Nfc("über/Ångström.txt"), "same", when);
        t.Write(SyncSide.Destination, Nfd("über/Ångström.txt"), "same", when);

        var run = Sandbox.Run(t.Pair());

        Assert.DoesNotContain(run.Plan.Actions, a => a.IsMutating);
        Assert.Single(Directory.GetFiles(t.Source, "*", SearchOption.AllDirectories), f => !f.Contains(".syncengine", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(t.Destination, "*", SearchOption.AllDirectories), f => !f.Contains(".syncengine", StringComparison.Ordinal));

        // An edit on the NFD side updates the NFC file in place, still one name on each side.
        t.Write(SyncSide.Destination, Nfd("über/Ångström.txt"), "edited");
        Sandbox.Run(t.Pair());
        Assert.Equal("edited", t.Read(SyncSide.Source, Nfc("über/Ångström.txt")));
        Assert.Single(Directory.GetFiles(Path.Combine(t.Source, Nfc("über"))));
        Assert.Single(Directory.GetFiles(Path.Combine(t.Destination, Nfd("über"))));
    }

    [Fact]
    public void A_file_renormalized_on_one_side_is_not_deleted_on_the_other()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, Nfc("résumé.doc"), "cv");
        var pair = t.Pair();
        Sandbox.Run(pair);
        var mtime = File.GetLastWriteTimeUtc(t.Full(SyncSide.Source, Nfc("résumé.doc")));
        File.Move(t.Full(SyncSide.Source, Nfc("résumé.doc")), t.Full(SyncSide.Source, Nfd("résumé.doc")));
        File.SetLastWriteTimeUtc(t.Full(SyncSide.Source, Nfd("résumé.doc")), mtime);

        var run = Sandbox.Run(pair);

        Assert.DoesNotContain(run.Plan.Actions, a => ActionFacts.IsDelete(a.Action));
        Assert.Equal("cv", t.Read(SyncSide.Destination, Nfc("résumé.doc")));
        Assert.Equal("cv", t.Read(SyncSide.Source, Nfd("résumé.doc")));
    }

    [Fact]
    public void Names_differing_only_in_case_are_not_merged_onto_a_case_insensitive_destination()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "Readme.md", "one");
        t.Write(SyncSide.Source, "README.md", "two");
        t.Write(SyncSide.Source, "Docs/a.txt", "a");
        t.Write(SyncSide.Source, "docs/b.txt", "b");
        t.Write(SyncSide.Source, "other.txt", "other");
        var dst = new FaultyStorageProvider(new LocalStorageProvider(t.Destination), new StorageCapabilities { CaseSensitive = false }) { LocalFastPath = true };

        var run = Sandbox.Run(t.Pair(), null, dst);

        Assert.Equal("other", t.Read(SyncSide.Destination, "other.txt"));
        Assert.False(t.Exists(SyncSide.Destination, "Readme.md"));
        Assert.False(t.Exists(SyncSide.Destination, "README.md"));
        Assert.Contains(run.Plan.Actions, a => a.Action == SyncActionType.Conflict && a.IsCaseConflict && a.RelativePath == "Readme.md");
        Assert.Contains(run.Plan.Actions, a => a.Action == SyncActionType.Conflict && a.IsCaseConflict && a.RelativePath == "README.md");
        Assert.Equal(2, run.Summary.Conflicts);
        Assert.Equal("one", t.Read(SyncSide.Source, "Readme.md"));
        Assert.Equal("two", t.Read(SyncSide.Source, "README.md"));
    }

    [Fact]
    public void A_case_only_difference_between_the_sides_is_never_an_overwrite()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "NOTES.txt", "source notes");
        t.Write(SyncSide.Destination, "notes.txt", "destination notes");
        var dst = new FaultyStorageProvider(new LocalStorageProvider(t.Destination), new StorageCapabilities { CaseSensitive = false }) { LocalFastPath = true };

        Sandbox.Run(t.Pair(), null, dst);

        Assert.Equal("source notes", t.Read(SyncSide.Source, "NOTES.txt"));
        Assert.Equal("destination notes", t.Read(SyncSide.Destination, "notes.txt"));
        Assert.Empty(t.TrashContents(SyncSide.Destination));
        Assert.Empty(t.TrashContents(SyncSide.Source));
    }

    [SkippableTheory]
    [InlineData("a:b.txt")]
    [InlineData("x:")]
    [InlineData("d:/inside.txt")]
    [InlineData("ratio 16:9.png")]
    public void Names_with_a_colon_are_legal_between_posix_sides_and_are_synchronized(string name)
    {
        // Only a Windows-like side refuses ':'; between two POSIX folders "a:b.txt" is an ordinary name, not a drive path.
        Skip.If(OperatingSystem.IsWindows(), "Windows cannot create such a file; documented in docs/reliability.md");

        using var t = new Sandbox();
        t.Write(SyncSide.Source, name, "colon");

        var run = Sandbox.Run(t.Pair());

        Assert.DoesNotContain(run.Plan.ScanIssues, i => i.Path == name);
        Assert.Equal("colon", t.Read(SyncSide.Destination, name));
    }
}
