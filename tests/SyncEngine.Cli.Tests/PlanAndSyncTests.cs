using System;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace SyncEngine.Cli.Tests;

/// <summary>plan and sync end to end, in-process through CliApp.Run, on temporary folders.</summary>
public sealed class PlanAndSyncTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Plan_ListsEveryAction_AndChangesNothing()
    {
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        _h.Write(SyncSide.Source, "docs/deep/b.md", "beta");
        _h.Write(SyncSide.Destination, "only-dst.txt", "gamma");
        var before = _h.Fingerprint();

        var r = _h.Pair("plan");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(before, _h.Fingerprint());
        Assert.False(Directory.Exists(_h.StateDir), "plan must not create the state folder");
        var lines = r.Lines;
        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^UploadNew\s+a\.txt\s+new on source$", lines[0]);
        Assert.Matches(@"^UploadNew\s+docs/deep/b\.md\s+new on source$", lines[1]);
        Assert.Matches(@"^DownloadNew\s+only-dst\.txt\s+new on destination$", lines[2]);
        Assert.Equal("Plan: 3 actions (2 UploadNew, 1 DownloadNew), 14 B to copy.", lines[3]);
    }

    [Fact]
    public void Plan_AlignsTheColumns()
    {
        _h.Write(SyncSide.Source, "a.txt", "1");
        _h.Write(SyncSide.Source, "a-much-longer-name.txt", "2");
        _h.Write(SyncSide.Destination, "d.txt", "3");

        var lines = _h.Pair("plan").Lines.Take(3).ToArray();

        var pathColumn = lines.Select(l => l.Length - l.Substring(TextFormatWidth()).TrimStart().Length).Distinct().ToArray();
        Assert.Single(pathColumn);
        var reasonColumn = lines.Select(l => l.IndexOf("new on", StringComparison.Ordinal)).Distinct().ToArray();
        Assert.Single(reasonColumn);
    }

    [Fact]
    public void Sync_CopiesBothWays_ThenASecondSyncChangesNothing()
    {
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        _h.Write(SyncSide.Source, "docs/deep/b.md", "beta");
        _h.Write(SyncSide.Destination, "only-dst.txt", "gamma");

        var first = _h.Pair("sync");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
        Assert.Equal(3, _h.Tree(SyncSide.Source).Count);
        var results = first.Lines.Take(first.Lines.Length - 1).OrderBy(l => l, StringComparer.Ordinal).ToArray();
        Assert.Equal(3, results.Length);
        Assert.Matches(@"^Succeeded\s+DownloadNew\s+only-dst\.txt$", results[0]);
        Assert.Matches(@"^Succeeded\s+UploadNew\s+a\.txt$", results[1]);
        Assert.Matches(@"^Succeeded\s+UploadNew\s+docs/deep/b\.md$", results[2]);
        Assert.Matches(@"^3 succeeded, 0 failed, 0 skipped, 0 stale, 0 conflicts, 14 B copied in \d+\.\d+ s$", first.Lines[^1]);

        var before = _h.Tree(SyncSide.Destination);
        var second = _h.Pair("sync");

        Assert.True(second.ExitCode == 0, second.ToString());
        var only = Assert.Single(second.Lines);
        Assert.StartsWith("0 succeeded, 0 failed, 0 skipped, 0 stale, 0 conflicts, 0 B copied in ", only, StringComparison.Ordinal);
        Assert.Equal(before, _h.Tree(SyncSide.Destination));
        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
        Assert.Equal("", second.Err);
    }

    [Fact]
    public void Sync_PropagatesUpdatesDeletesAndRenames_AndPrintsRenamesWithAnArrow()
    {
        _h.Write(SyncSide.Source, "keep.txt", "keep");
        _h.Write(SyncSide.Source, "edit.txt", "v1");
        _h.Write(SyncSide.Source, "gone.txt", "bye");
        _h.Write(SyncSide.Source, "old/name.txt", "renamed content");
        Assert.Equal(0, _h.Pair("sync").ExitCode);

        _h.Write(SyncSide.Source, "edit.txt", "v2 longer");
        _h.Delete(SyncSide.Source, "gone.txt");
        _h.Rename(SyncSide.Source, "old/name.txt", "new/name.txt");
        var r = _h.Pair("sync");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains(r.Lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Succeeded\s+RenameDestination\s+old/name\.txt -> new/name\.txt$"));
        Assert.Contains(r.Lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Succeeded\s+UploadUpdate\s+edit\.txt$"));
        Assert.Contains(r.Lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Succeeded\s+DeleteDestination\s+gone\.txt$"));
        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
        Assert.Equal("v2 longer", _h.Read(SyncSide.Destination, "edit.txt"));
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("sync")]
    public void WhatIf_ListsEveryAction_AndChangesNothing(string command)
    {
        _h.Write(SyncSide.Source, "same.txt", "same");
        _h.Write(SyncSide.Source, "upd.txt", "v1");
        _h.Write(SyncSide.Source, "del.txt", "delete me");
        _h.Write(SyncSide.Source, "old.txt", "to be renamed");
        _h.Write(SyncSide.Source, "more1.txt", "1");
        _h.Write(SyncSide.Source, "more2.txt", "2");
        _h.Write(SyncSide.Source, "more3.txt", "3");
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        _h.Write(SyncSide.Source, "new.txt", "new");
        _h.Write(SyncSide.Source, "upd.txt", "v2 bigger");
        _h.Delete(SyncSide.Source, "del.txt");
        _h.Rename(SyncSide.Source, "old.txt", "sub/renamed.txt");
        _h.Write(SyncSide.Destination, "from-dst.txt", "dst");
        var before = _h.Fingerprint();

        var r = _h.Pair(command, "--what-if");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(before, _h.Fingerprint());
        Assert.Equal(
            new[]
            {
                "What if: DeleteDestination del.txt",
                "What if: DownloadNew from-dst.txt",
                "What if: RenameDestination old.txt -> sub/renamed.txt",
                "What if: UploadNew new.txt",
                "What if: UploadUpdate upd.txt",
            },
            r.Lines.OrderBy(l => l, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void WhatIf_WithJson_GivesThePlanAsJsonLines_AndChangesNothing()
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        _h.Write(SyncSide.Destination, "b.txt", "b");
        var before = _h.Fingerprint();

        var r = _h.Pair("sync", "--what-if", "--json");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(before, _h.Fingerprint());
        Assert.Equal(new[] { "DownloadNew b.txt", "UploadNew a.txt" },
            r.JsonLines().Select(o => o.GetProperty("action").GetString() + " " + o.GetProperty("path").GetString()).OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public void WhatIf_MatchesThePlanLineForLine()
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        _h.Write(SyncSide.Destination, "b.txt", "b");
        _h.Write(SyncSide.Source, "c/d.txt", "d");

        var plan = _h.Pair("plan");
        var whatIf = _h.Pair("sync", "--what-if");

        var fromPlan = plan.Lines.Take(plan.Lines.Length - 1).Select(l => "What if: " + string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2)));
        Assert.Equal(fromPlan, whatIf.Lines);
    }

    [Fact]
    public void Json_Plan_OneObjectPerActionWithEveryField()
    {
        _h.Write(SyncSide.Source, "dir/sub/a.txt", "alpha");
        _h.Write(SyncSide.Destination, "b.txt", "bb");

        var r = _h.Pair("plan", "--json");

        Assert.True(r.ExitCode == 0, r.ToString());
        var objects = r.JsonLines();
        Assert.Equal(2, objects.Count);
        foreach (var o in objects)
        {
            foreach (var field in new[] { "action", "path", "previousPath", "reason", "sourceSize", "destinationSize", "sourceModified", "destinationModified", "conflict" })
            {
                Assert.True(o.TryGetProperty(field, out _), $"missing {field} in {o}");
            }
        }

        var upload = objects.Single(o => o.GetProperty("action").GetString() == "UploadNew");
        Assert.Equal("dir/sub/a.txt", upload.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, upload.GetProperty("previousPath").ValueKind);
        Assert.Equal(5, upload.GetProperty("sourceSize").GetInt64());
        Assert.Equal(JsonValueKind.Null, upload.GetProperty("destinationSize").ValueKind);
        Assert.Equal(File.GetLastWriteTimeUtc(_h.FullPath(SyncSide.Source, "dir/sub/a.txt")), upload.GetProperty("sourceModified").GetDateTime().ToUniversalTime());
        Assert.False(upload.GetProperty("conflict").GetBoolean());
        var download = objects.Single(o => o.GetProperty("action").GetString() == "DownloadNew");
        Assert.Equal("b.txt", download.GetProperty("path").GetString());
        Assert.Equal(2, download.GetProperty("destinationSize").GetInt64());
    }

    [Fact]
    public void Json_Sync_ResultsThenASummaryLine()
    {
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        _h.Write(SyncSide.Source, "x/b.txt", "beta!");
        _h.Write(SyncSide.Source, "r.txt", "renamed later");
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        _h.Rename(SyncSide.Source, "r.txt", "x/r2.txt");
        _h.Write(SyncSide.Source, "c.txt", "gamma");

        var r = _h.Pair("sync", "--json");

        Assert.True(r.ExitCode == 0, r.ToString());
        var objects = r.JsonLines();
        var summary = objects[^1].GetProperty("summary");
        var results = objects.Take(objects.Count - 1).ToList();
        Assert.Equal(2, results.Count);
        foreach (var o in results)
        {
            foreach (var field in new[] { "action", "path", "previousPath", "reason", "sourceSize", "destinationSize", "sourceModified", "destinationModified", "conflict", "status", "bytes", "error", "errorId" })
            {
                Assert.True(o.TryGetProperty(field, out _), $"missing {field} in {o}");
            }

            Assert.Equal("Succeeded", o.GetProperty("status").GetString());
        }

        var rename = results.Single(o => o.GetProperty("action").GetString() == "RenameDestination");
        Assert.Equal("x/r2.txt", rename.GetProperty("path").GetString());
        Assert.Equal("r.txt", rename.GetProperty("previousPath").GetString());
        Assert.Equal(0, rename.GetProperty("bytes").GetInt64());
        var upload = results.Single(o => o.GetProperty("action").GetString() == "UploadNew");
        Assert.Equal(5, upload.GetProperty("bytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, upload.GetProperty("error").ValueKind);
        Assert.Equal(2, summary.GetProperty("succeeded").GetInt32());
        Assert.Equal(0, summary.GetProperty("failed").GetInt32());
        Assert.Equal(5, summary.GetProperty("bytes").GetInt64());
        Assert.Equal("Succeeded", summary.GetProperty("outcome").GetString());
        Assert.Equal(0, summary.GetProperty("exitCode").GetInt32());
        Assert.True(summary.GetProperty("seconds").GetDouble() >= 0);
    }

    [Fact]
    public void Json_KeepsNonAsciiAndQuotesReadable()
    {
        _h.Write(SyncSide.Source, "café \"quoted\".txt", "x");

        var r = _h.Pair("plan", "--json");

        Assert.Contains("café", r.Out, StringComparison.Ordinal);
        Assert.Equal("café \"quoted\".txt", Assert.Single(r.JsonLines()).GetProperty("path").GetString());
    }

    [Fact]
    public void RelativePaths_ResolveAgainstTheCurrentFolder()
    {
        _h.Write(SyncSide.Source, "a.txt", "alpha");

        var r = CliHarness.Run((o, e) => new CliContext(o, e) { CurrentDirectory = _h.Root }, "sync", "src", "dst", "--state-dir", "state");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("alpha", _h.Read(SyncSide.Destination, "a.txt"));
        Assert.True(File.Exists(Path.Combine(_h.StateDir, "sync_metadata.json")));
    }

    [Fact]
    public void Sync_CreatesAMissingDestination()
    {
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        var destination = Path.Combine(_h.Root, "new-dst");

        var r = CliHarness.Run("sync", _h.Source, destination, "--state-dir", _h.StateDir);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(destination, "a.txt")));
    }

    [Fact]
    public void Sync_WarningsGoToStandardError()
    {
        for (var i = 0; i < 12; i++)
        {
            _h.Write(SyncSide.Source, $"f{i}.txt", "x");
        }

        var r = _h.Pair("sync");

        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("warning: ", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", r.Out, StringComparison.Ordinal);
    }

    private static int TextFormatWidth() => Output.TextFormat.ActionWidth;
}
