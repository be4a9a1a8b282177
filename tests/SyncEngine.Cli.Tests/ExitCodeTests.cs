using System;
using System.IO;
using System.Linq;

namespace SyncEngine.Cli.Tests;

/// <summary>Each exit code, reached through the real entry point, with what stderr says and what the disk shows.</summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void MissingSource_Exit2_NamesTheFolder_AndCreatesNothing()
    {
        var missing = Path.Combine(_h.Root, "no-such-folder");
        var destination = Path.Combine(_h.Root, "fresh-dst");

        foreach (var command in new[] { "plan", "sync" })
        {
            var r = CliHarness.Run(command, missing, destination, "--state-dir", _h.StateDir);

            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains(missing, r.Err, StringComparison.Ordinal);
            Assert.Contains("SyncRootNotFound", r.Err, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(destination));
        Assert.False(Directory.Exists(_h.StateDir));
    }

    [Theory]
    [InlineData(new[] { "plan" }, "missing SOURCE")]
    [InlineData(new[] { "sync", "only-one" }, "missing DESTINATION")]
    [InlineData(new[] { "sync", "a", "b", "c" }, "'c'")]
    [InlineData(new string[0], "command")]
    [InlineData(new[] { "synch", "a", "b" }, "synch")]
    public void BadCommandLine_Exit2(string[] args, string named)
    {
        var r = CliHarness.Run(args);

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(named, r.Err, StringComparison.Ordinal);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void SourceIsAFile_Exit2()
    {
        var file = Path.Combine(_h.Root, "file.txt");
        File.WriteAllText(file, "x");

        var r = CliHarness.Run("sync", file, _h.Destination, "--state-dir", _h.StateDir);

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("SyncRootNotFolder", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void DestinationInsideSource_Exit2()
    {
        var r = CliHarness.Run("sync", _h.Source, Path.Combine(_h.Source, "inner"), "--state-dir", _h.StateDir);

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("SyncRootsOverlap", r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_h.Source, "inner")));
    }

    [Theory]
    [InlineData("two-way", "source")]
    [InlineData("source-to-destination", "destination")]
    public void StateDirInsideARoot_Exit2_AndNothingChanges(string mode, string side)
    {
        // issue 9 case 11: the lock and journal would be synced as user files, or trashed by a mirror.
        _h.Write(SyncSide.Source, "a.txt", "a");
        var root = side == "source" ? _h.Source : _h.Destination;
        var state = Path.Combine(root, "state");

        foreach (var command in new[] { "plan", "sync" })
        {
            var args = new[] { command, _h.Source, _h.Destination, "--mode", mode, "--state-dir", state };
            var r = CliHarness.Run(command == "sync" ? args.Append("--force").ToArray() : args);

            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains("SyncStateFolderInsideRoot", r.Err, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(state));
        Assert.False(File.Exists(Path.Combine(_h.Destination, "a.txt")));
    }

    [Fact]
    public void StateOfAnotherPair_Exit2_AndNothingChanges()
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        var otherSource = Path.Combine(_h.Root, "other-src");
        Directory.CreateDirectory(otherSource);
        File.WriteAllText(Path.Combine(otherSource, "b.txt"), "b");
        var before = _h.Fingerprint();

        var r = CliHarness.Run("sync", otherSource, _h.Destination, "--state-dir", _h.StateDir);

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("SyncStateForAnotherPair", r.Err, StringComparison.Ordinal);
        Assert.Equal(before, _h.Fingerprint());
    }

    [Fact]
    public void MassDeletion_Exit3_ChangesNothing_ThenForcePasses()
    {
        for (var i = 0; i < 10; i++)
        {
            _h.Write(SyncSide.Source, $"f{i}.txt", "content " + i);
        }

        Assert.Equal(0, _h.Pair("sync").ExitCode);
        for (var i = 0; i < 8; i++)
        {
            _h.Delete(SyncSide.Source, $"f{i}.txt");
        }

        var destinationBefore = _h.Tree(SyncSide.Destination);

        var refused = _h.Pair("sync");

        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Contains("--force", refused.Err, StringComparison.Ordinal);
        Assert.Contains("SyncMassDeleteGuard", refused.Err, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", refused.Err, StringComparison.Ordinal);
        Assert.Equal(destinationBefore, _h.Tree(SyncSide.Destination));
        Assert.Equal(10, _h.Tree(SyncSide.Destination).Count);
        Assert.Empty(_h.TrashFiles(SyncSide.Destination));

        var plan = _h.Pair("plan");
        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("--force", plan.Err, StringComparison.Ordinal);

        var forced = _h.Pair("sync", "--force");

        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
        Assert.Equal(2, _h.Tree(SyncSide.Destination).Count);
        Assert.Equal(8, _h.TrashFiles(SyncSide.Destination).Count);
        Assert.Equal(8, forced.Lines.Count(l => l.StartsWith("Succeeded DeleteDestination", StringComparison.Ordinal)));
    }

    [Fact]
    public void MissingTwoWayDestination_Exit3_SaysWhatForceAndReseedDo_ThenReseedCopiesEverythingBack()
    {
        // Issue 9, case 15: an unmounted backup drive plus --force empties the working copy; --reseed copies back.
        for (var i = 0; i < 4; i++)
        {
            _h.Write(SyncSide.Source, $"f{i}.txt", "content " + i);
        }

        Assert.Equal(0, _h.Pair("sync").ExitCode);
        var sourceBefore = _h.Tree(SyncSide.Source);
        Directory.Delete(_h.Destination, recursive: true);

        var refused = _h.Pair("sync");

        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Contains("SyncRootEmptied", refused.Err, StringComparison.Ordinal);
        Assert.Contains("with force (syncengine --force; PowerShell -Force)", refused.Err, StringComparison.Ordinal);
        Assert.Contains("4 files on the source are deleted (to the trash)", refused.Err, StringComparison.Ordinal);
        Assert.Contains("with reseed (syncengine --reseed; PowerShell -Reseed) everything is copied back", refused.Err, StringComparison.Ordinal);
        Assert.Contains("nothing is deleted on either side", refused.Err, StringComparison.Ordinal);
        Assert.Contains("SyncMassDeleteGuard", _h.Pair("plan").Err, StringComparison.Ordinal); // the share, as a forced run would delete it
        Assert.False(Directory.Exists(_h.Destination));

        var reseedPlan = _h.Pair("plan", "--reseed");
        Assert.True(reseedPlan.ExitCode == 0 && !reseedPlan.Err.Contains("refused", StringComparison.Ordinal), reseedPlan.ToString());
        Assert.Equal(4, reseedPlan.Lines.Count(l => l.StartsWith("UploadNew", StringComparison.Ordinal)));

        var reseed = _h.Pair("sync", "--reseed");

        Assert.True(reseed.ExitCode == 0, reseed.ToString());
        Assert.Equal(sourceBefore, _h.Tree(SyncSide.Source));
        Assert.Equal(sourceBefore, _h.Tree(SyncSide.Destination));
        Assert.Empty(_h.TrashFiles(SyncSide.Source));
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        Assert.Contains("--reseed", CliHarness.Run("sync", "--help").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void ManualConflict_Exit4_BothVersionsStay()
    {
        _h.Write(SyncSide.Source, "f.txt", "v1");
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        _h.Write(SyncSide.Source, "f.txt", "source edit");
        _h.Write(SyncSide.Destination, "f.txt", "destination edit, longer");

        var r = _h.Pair("sync", "--conflict", "manual");

        Assert.True(r.ExitCode == 4, r.ToString());
        Assert.Matches(@"^Skipped\s+Conflict\s+f\.txt\s+\(unresolved conflict", r.Lines[0]);
        Assert.StartsWith("0 succeeded, 0 failed, 0 skipped, 0 stale, 1 conflicts", r.Lines[^1], StringComparison.Ordinal);
        Assert.Contains("--conflict", r.Err, StringComparison.Ordinal);
        Assert.Equal("source edit", _h.Read(SyncSide.Source, "f.txt"));
        Assert.Equal("destination edit, longer", _h.Read(SyncSide.Destination, "f.txt"));

        var json = _h.Pair("sync", "--conflict", "manual", "--json").JsonLines();
        Assert.Equal("SyncConflictUnresolved", json[0].GetProperty("errorId").GetString());
        Assert.True(json[0].GetProperty("conflict").GetBoolean());
        Assert.Equal(4, json[^1].GetProperty("summary").GetProperty("exitCode").GetInt32());
    }

    [SkippableFact]
    public void CaseTwinsTowardARealExfatDestination_Exit4_OnEveryRun_AndSayWhy()
    {
        using var exfat = ExfatImage.TryMount(out var reason);
        Skip.If(exfat is null, reason);
        var destination = exfat!.NewFolder("dst");
        _h.Write(SyncSide.Source, "Readme.md", "one");
        _h.Write(SyncSide.Source, "README.md", "two");
        _h.Write(SyncSide.Source, "other.txt", "other");

        for (var run = 0; run < 2; run++)
        {
            var r = CliHarness.Run("sync", _h.Source, destination, "--state-dir", _h.StateDir);

            Assert.True(r.ExitCode == 4, r.ToString());
            Assert.StartsWith($"{1 - run} succeeded, 0 failed, 0 skipped, 0 stale, 2 conflicts", r.Lines[^1], StringComparison.Ordinal);
            Assert.Contains("differ only in case", r.Err, StringComparison.Ordinal);
            Assert.DoesNotContain("both sides changed", r.Err, StringComparison.Ordinal);
            Assert.Equal(new[] { "other.txt" }, Directory.EnumerateFiles(destination).Select(Path.GetFileName).ToArray());
        }
    }

    [Fact]
    public void FailingAction_Exit1_TheOthersAreApplied()
    {
        // The source has a FILE named 'x'; the destination has a FOLDER named 'x': the copy cannot succeed.
        _h.Write(SyncSide.Source, "x", "a file");
        _h.Write(SyncSide.Source, "fine.txt", "fine");
        Directory.CreateDirectory(_h.FullPath(SyncSide.Destination, "x"));
        _h.Write(SyncSide.Destination, "x/inner.txt", "inside the folder");

        var r = _h.Pair("sync", "--mode", "source-backup");

        Assert.True(r.ExitCode == 1, r.ToString());
        var failed = Assert.Single(r.Lines, l => l.StartsWith("Failed", StringComparison.Ordinal));
        Assert.Matches(@"^Failed\s+UploadNew\s+x\s+\(.+\)$", failed);
        Assert.DoesNotContain("IO_", failed, StringComparison.Ordinal); // real messages, not resource keys
        Assert.StartsWith("1 succeeded, 1 failed,", r.Lines[^1], StringComparison.Ordinal);
        Assert.Equal("fine", _h.Read(SyncSide.Destination, "fine.txt"));
        Assert.Equal("inside the folder", _h.Read(SyncSide.Destination, "x/inner.txt"));

        var json = _h.Pair("sync", "--mode", "source-backup", "--json").JsonLines();
        var result = Assert.Single(json, o => o.TryGetProperty("status", out var s) && s.GetString() == "Failed");
        Assert.False(string.IsNullOrEmpty(result.GetProperty("error").GetString()));
        Assert.False(string.IsNullOrEmpty(result.GetProperty("errorId").GetString()));
        Assert.Equal(1, json[^1].GetProperty("summary").GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public void AnotherRunHoldsThePair_Exit5_AndPlanStillWorks()
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        var pair = new SyncPair(_h.Source, _h.Destination) { StatePath = _h.StateDir };
        using (SyncSession.Open(pair))
        {
            var r = _h.Pair("sync");

            Assert.True(r.ExitCode == 5, r.ToString());
            Assert.Contains("SyncPairLocked", r.Err, StringComparison.Ordinal);
            Assert.Contains("stop", r.Err, StringComparison.Ordinal);
            Assert.Null(_h.Read(SyncSide.Destination, "a.txt"));

            var plan = _h.Pair("plan");
            Assert.True(plan.ExitCode == 0, plan.ToString());
        }

        Assert.Equal(0, _h.Pair("sync").ExitCode);
        Assert.Equal("a", _h.Read(SyncSide.Destination, "a.txt"));
    }
}
