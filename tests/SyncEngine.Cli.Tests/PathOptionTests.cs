using System;
using System.IO;
using System.Linq;

namespace SyncEngine.Cli.Tests;

/// <summary><c>plan</c> and <c>sync</c> with <c>--path P</c> (issue 14: a sync of one subtree).</summary>
public sealed class PathOptionTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private void SyncedThenChanged()
    {
        _h.Write(SyncSide.Source, "docs/a.txt", "a1");
        _h.Write(SyncSide.Source, "other/c.txt", "c1");
        _h.Write(SyncSide.Source, "top.txt", "t1");
        var first = _h.Pair("sync");
        Assert.True(first.ExitCode == 0, first.ToString());
        _h.Write(SyncSide.Source, "docs/a.txt", "a2");
        _h.Write(SyncSide.Source, "docs/new.txt", "new");
        _h.Write(SyncSide.Source, "other/c.txt", "c2");
        _h.Write(SyncSide.Source, "pics/p.jpg", "p");
        _h.Delete(SyncSide.Source, "top.txt");
    }

    [Fact]
    public void Sync_with_paths_applies_only_their_changes_and_a_later_full_sync_the_rest()
    {
        SyncedThenChanged();

        var r = _h.Pair("sync", "--path", "docs", "--path", "pics/p.jpg");

        Assert.True(r.ExitCode == 0, r.ToString());
        var results = r.Lines.Take(r.Lines.Length - 1).OrderBy(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparer.Ordinal).ToArray();
        Assert.Equal(3, results.Length);
        Assert.Matches(@"^Succeeded\s+UploadUpdate\s+docs/a\.txt$", results[0]);
        Assert.Matches(@"^Succeeded\s+UploadNew\s+docs/new\.txt$", results[1]);
        Assert.Matches(@"^Succeeded\s+UploadNew\s+pics/p\.jpg$", results[2]);
        Assert.Equal("c1", _h.Read(SyncSide.Destination, "other/c.txt"));
        Assert.Equal("t1", _h.Read(SyncSide.Destination, "top.txt"));

        var rest = _h.Pair("sync");
        Assert.True(rest.ExitCode == 0, rest.ToString());
        var more = rest.Lines.Take(rest.Lines.Length - 1).OrderBy(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparer.Ordinal).ToArray();
        Assert.Equal(2, more.Length);
        Assert.Matches(@"^Succeeded\s+UploadUpdate\s+other/c\.txt$", more[0]);
        Assert.Matches(@"^Succeeded\s+DeleteDestination\s+top\.txt$", more[1]);
        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
    }

    [Fact]
    public void Plan_with_a_path_lists_only_that_subtree()
    {
        SyncedThenChanged();
        var before = _h.Fingerprint();

        var r = _h.Pair("plan", "--path", "docs/");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(3, r.Lines.Length);
        Assert.Matches(@"^UploadUpdate\s+docs/a\.txt\s", r.Lines[0]);
        Assert.Matches(@"^UploadNew\s+docs/new\.txt\s", r.Lines[1]);
        Assert.Equal(before, _h.Fingerprint());

        var whatIf = _h.Pair("sync", "--what-if", "--path", "other");
        Assert.True(whatIf.ExitCode == 0, whatIf.ToString());
        Assert.Equal(new[] { "What if: UploadUpdate other/c.txt" }, whatIf.Lines);
    }

    [Theory]
    [InlineData("/etc", "absolute")]
    [InlineData("../elsewhere", "'..'")]
    [InlineData("docs/../../elsewhere", "'..'")]
    [InlineData(".syncengine/trash", ".syncengine")]
    [InlineData(".", "whole tree")]
    public void A_bad_path_is_exit_2_naming_it_and_nothing_changes(string path, string reason)
    {
        SyncedThenChanged();
        var before = _h.Fingerprint();
        foreach (var command in new[] { "sync", "plan" })
        {
            var r = _h.Pair(command, "--path", "docs", "--path", path);

            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Equal("", r.Out);
            Assert.StartsWith("syncengine: --path: The path '" + path + "'", r.Err, StringComparison.Ordinal);
            Assert.Contains(reason, r.Err, StringComparison.Ordinal);
            Assert.Contains("(SyncInvalidPath)", r.Err, StringComparison.Ordinal);
            Assert.Equal(before, _h.Fingerprint());
        }
    }

    [Fact]
    public void A_path_with_reseed_is_exit_2_and_watch_has_no_path_option()
    {
        SyncedThenChanged();
        var before = _h.Fingerprint();
        var r = _h.Pair("sync", "--path", "docs", "--reseed");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("(SyncPathWithReseed)", r.Err, StringComparison.Ordinal);
        Assert.Equal(before, _h.Fingerprint());

        var w = _h.Pair("watch", "--path", "docs");
        Assert.True(w.ExitCode == 2, w.ToString());
        Assert.Contains("--path", w.Err, StringComparison.Ordinal);
        Assert.Equal(before, _h.Fingerprint());
    }

    [Fact]
    public void Help_of_plan_and_sync_describes_path()
    {
        foreach (var command in new[] { "plan", "sync" })
        {
            var help = CliHarness.Run(command, "--help");
            Assert.Contains("[--path P]...", help.Out, StringComparison.Ordinal);
            Assert.Contains("--path P         plan and sync only P", help.Out, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("--path P  ", CliHarness.Run("watch", "--help").Out, StringComparison.Ordinal);
    }
}
