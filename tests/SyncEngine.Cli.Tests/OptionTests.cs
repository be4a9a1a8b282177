using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SyncEngine.Cli.Tests;

/// <summary>Every option's values reach the engine (checked by what the plan or sync then does).</summary>
public sealed class OptionTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    /// <summary>Actions of a JSON plan as "Action path", sorted.</summary>
    private static string[] Actions(CliResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.JsonLines().Select(o => o.GetProperty("action").GetString() + " " + o.GetProperty("path").GetString()).OrderBy(s => s, StringComparer.Ordinal).ToArray();
    }

    public static IEnumerable<object[]> ModeSpellings()
    {
        var expected = new Dictionary<string, string[]>
        {
            ["TwoWay"] = new[] { "DownloadNew d.txt", "UploadNew s.txt" },
            ["SourceToDestination"] = new[] { "DeleteDestination d.txt", "UploadNew s.txt" },
            ["SourceBackup"] = new[] { "UploadNew s.txt" },
            ["DestinationToSource"] = new[] { "DeleteSource s.txt", "DownloadNew d.txt" },
            ["DestinationBackup"] = new[] { "DownloadNew d.txt" },
        };
        var spellings = new (string Value, string Mode)[]
        {
            ("two-way", "TwoWay"), ("tw", "TwoWay"), ("twoWay", "TwoWay"), ("TWO_WAY", "TwoWay"), ("Two-Way", "TwoWay"), ("bidirectional", "TwoWay"),
            ("source-to-destination", "SourceToDestination"), ("std", "SourceToDestination"), ("sourceToDestination", "SourceToDestination"),
            ("SOURCE_TO_DESTINATION", "SourceToDestination"), ("localtocloud", "SourceToDestination"), ("mirror", "SourceToDestination"),
            ("source-backup", "SourceBackup"), ("sb", "SourceBackup"), ("sourceBackup", "SourceBackup"), ("localbackup", "SourceBackup"), ("SB", "SourceBackup"),
            ("destination-to-source", "DestinationToSource"), ("dts", "DestinationToSource"), ("destinationToSource", "DestinationToSource"), ("cloudtolocal", "DestinationToSource"),
            ("destination-backup", "DestinationBackup"), ("db", "DestinationBackup"), ("destinationBackup", "DestinationBackup"), ("cloudbackup", "DestinationBackup"), ("DESTINATION_BACKUP", "DestinationBackup"),
        };
        foreach (var (value, mode) in spellings)
        {
            yield return new object[] { value, expected[mode] };
        }
    }

    [Theory]
    [MemberData(nameof(ModeSpellings))]
    public void Mode_EveryNameAndAlias(string value, string[] expected)
    {
        _h.Write(SyncSide.Source, "s.txt", "source only");
        _h.Write(SyncSide.Destination, "d.txt", "destination only");

        Assert.Equal(expected, Actions(_h.Pair("plan", "--json", "--mode", value)));
    }

    [Fact]
    public void Mode_EveryAliasTheEngineKnowsIsAccepted()
    {
        _h.Write(SyncSide.Source, "s.txt", "x");
        foreach (var alias in OptionNames.SyncModeAliases)
        {
            var r = _h.Pair("plan", "--mode", alias);
            Assert.True(r.ExitCode == 0, alias + ": " + r);
        }
    }

    [Theory]
    [InlineData("hash-then-mtime", true)]
    [InlineData("HashThenMtime", true)]
    [InlineData("size-only", false)]
    [InlineData("SIZE_ONLY", false)]
    [InlineData("sizeonly", false)]
    [InlineData("hash-only", true)]
    [InlineData("mtime-only", true)]
    [InlineData("size-and-mtime", true)]
    [InlineData("Size_And_Mtime", true)]
    public void Compare_EveryValue(string value, bool expectUpdate)
    {
        _h.Write(SyncSide.Source, "f.txt", "abc");
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        _h.Write(SyncSide.Source, "f.txt", "xyz"); // same size, new content, new mtime

        var actions = Actions(_h.Pair("plan", "--json", "--compare", value));

        Assert.Equal(expectUpdate ? new[] { "UploadUpdate f.txt" } : Array.Empty<string>(), actions);
    }

    [Theory]
    [InlineData("newest-wins", "UploadUpdate f.txt", "source v2, longer")]
    [InlineData("NewestWins", "UploadUpdate f.txt", "source v2, longer")]
    [InlineData("source-wins", "UploadUpdate f.txt", "source v2, longer")]
    [InlineData("destination-wins", "DownloadUpdate f.txt", "dst v2")]
    [InlineData("destination_wins", "DownloadUpdate f.txt", "dst v2")]
    [InlineData("keep-both", "UploadUpdate f.txt", "source v2, longer")]
    [InlineData("manual", "Conflict f.txt", null)]
    [InlineData("MANUAL", "Conflict f.txt", null)]
    public void Conflict_EveryValue(string value, string expectedAction, string? winner)
    {
        _h.Write(SyncSide.Source, "f.txt", "v1");
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        var t = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        _h.Write(SyncSide.Destination, "f.txt", "dst v2", t);
        _h.Write(SyncSide.Source, "f.txt", "source v2, longer", t.AddHours(1)); // the source is newer

        var plan = _h.Pair("plan", "--json", "--conflict", value);
        Assert.Equal(new[] { expectedAction }, Actions(plan));
        Assert.True(Assert.Single(plan.JsonLines()).GetProperty("conflict").GetBoolean());

        var sync = _h.Pair("sync", "--conflict", value);
        if (winner is null)
        {
            Assert.True(sync.ExitCode == 4, sync.ToString());
            Assert.Equal("source v2, longer", _h.Read(SyncSide.Source, "f.txt"));
            Assert.Equal("dst v2", _h.Read(SyncSide.Destination, "f.txt"));
        }
        else
        {
            Assert.True(sync.ExitCode == 0, sync.ToString());
            Assert.Equal(winner, _h.Read(SyncSide.Source, "f.txt"));
            Assert.Equal(winner, _h.Read(SyncSide.Destination, "f.txt"));
        }

        if (value == "keep-both")
        {
            Assert.Equal(2, _h.Tree(SyncSide.Destination).Count);
            Assert.Contains("dst v2", _h.Tree(SyncSide.Destination).Values);
            Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
        }
    }

    [Theory]
    [InlineData("merge", new[] { "DownloadNew d.txt", "UploadNew s.txt" })]
    [InlineData("Merge", new[] { "DownloadNew d.txt", "UploadNew s.txt" })]
    [InlineData("source-wins", new[] { "DeleteDestination d.txt", "UploadNew s.txt" })]
    [InlineData("SOURCE_WINS", new[] { "DeleteDestination d.txt", "UploadNew s.txt" })]
    [InlineData("destination-wins", new[] { "DeleteSource s.txt", "DownloadNew d.txt" })]
    [InlineData("destinationWins", new[] { "DeleteSource s.txt", "DownloadNew d.txt" })]
    public void Initial_EveryValue(string value, string[] expected)
    {
        _h.Write(SyncSide.Source, "s.txt", "source only");
        _h.Write(SyncSide.Destination, "d.txt", "destination only");

        Assert.Equal(expected, Actions(_h.Pair("plan", "--json", "--initial", value)));
    }

    [Theory]
    [InlineData("--mode", "sideways", "two-way")]
    [InlineData("--mode", "", "two-way")]
    [InlineData("--compare", "by-colour", "hash-then-mtime")]
    [InlineData("--conflict", "coin-toss", "newest-wins")]
    [InlineData("--initial", "replace", "merge")]
    public void BadEnumValue_Exit2_NamesTheOptionAndListsTheValues(string option, string value, string listed)
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        var before = _h.Fingerprint();

        foreach (var command in new[] { "plan", "sync" })
        {
            var r = _h.Pair(command, option, value);

            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains(option, r.Err, StringComparison.Ordinal);
            Assert.Contains(listed, r.Err, StringComparison.Ordinal);
            Assert.Contains($"'{value}'", r.Err, StringComparison.Ordinal);
            Assert.Equal("", r.Out);
        }

        Assert.Equal(before, _h.Fingerprint());
    }

    [Fact]
    public void BadMode_ListsTheAliasesToo()
    {
        var r = _h.Pair("plan", "--mode", "nope");

        Assert.Equal(2, r.ExitCode);
        foreach (var alias in OptionNames.SyncModeAliases)
        {
            Assert.Contains(alias, r.Err, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--transfers", "x")]
    [InlineData("--transfers", "0")]
    [InlineData("--transfers", "-2")]
    [InlineData("--operations", "many")]
    [InlineData("--operations", "0")]
    [InlineData("--operations", "1.5")]
    [InlineData("--transfers", "100000")]
    [InlineData("--operations", "100000")]
    public void BadConcurrencyValue_Exit2_NamesTheOption(string option, string value)
    {
        _h.Write(SyncSide.Source, "a.txt", "a");

        var r = _h.Pair("sync", option, value);

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(option, r.Err, StringComparison.Ordinal);
        Assert.Null(_h.Read(SyncSide.Destination, "a.txt"));
    }

    [Theory]
    [InlineData("--transfers")]
    [InlineData("--operations")]
    public void ConcurrencyAboveTheLimit_Exit2_GivesTheAllowedRange(string option)
    {
        // Issue 9 case 18: '--transfers 100000' was accepted and the process aborted after about 20 s (exit 134).
        _h.Write(SyncSide.Source, "a.txt", "a");

        var r = _h.Pair("sync", option, "100000");

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(option + ":", r.Err, StringComparison.Ordinal);
        Assert.Contains("between 1 and 1024", r.Err, StringComparison.Ordinal);
        Assert.Contains("SyncInvalidOption", r.Err, StringComparison.Ordinal);
        Assert.Null(_h.Read(SyncSide.Destination, "a.txt"));
    }

    [Theory]
    [InlineData("1", "1")]
    [InlineData("16", "32")]
    public void Concurrency_ValidValuesSync(string transfers, string operations)
    {
        for (var i = 0; i < 20; i++)
        {
            _h.Write(SyncSide.Source, $"d{i % 3}/f{i}.txt", new string('x', i));
        }

        var r = _h.Pair("sync", "--transfers", transfers, "--operations", operations);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("10X")]
    [InlineData("-1")]
    public void Bwlimit_NotARate_Exit2_NamesTheOption_AndNothingChanges(string rate)
    {
        _h.Write(SyncSide.Source, "a.txt", "a");

        var r = _h.Pair("sync", "--bwlimit", rate);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--bwlimit", r.Err, StringComparison.Ordinal);
        Assert.Null(_h.Read(SyncSide.Destination, "a.txt"));
    }

    [Fact]
    public void Bwlimit_ARate_Syncs_AndIsRefusedByPlan()
    {
        for (var i = 0; i < 5; i++)
        {
            _h.Write(SyncSide.Source, $"f{i}.txt", new string('x', 10_000));
        }

        var r = _h.Pair("sync", "--bwlimit", "10M");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));

        // plan moves no bytes: the option belongs to sync, as --transfers does.
        Assert.Equal(2, _h.Pair("plan", "--bwlimit", "10M").ExitCode);
    }

    [Theory]
    [InlineData("plan", "--force")]
    [InlineData("plan", "--no-trash")]
    [InlineData("plan", "--transfers")]
    [InlineData("sync", "--bogus")]
    [InlineData("status", "--force")]
    [InlineData("pause", "--jsn")]
    public void UnknownOption_Exit2_NamesIt(string command, string option)
    {
        var args = command is "status" or "pause" ? new[] { command, "--state-dir", _h.StateDir, option } : new[] { command, _h.Source, _h.Destination, option, "1" };

        var r = CliHarness.Run(args);

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(option, r.Err, StringComparison.Ordinal);
        Assert.Contains("--help", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Ignore_IsRepeatable_AndAddsToTheSyncIgnoreFile()
    {
        File.WriteAllText(Path.Combine(_h.Source, ".syncignore"), "# from the file\n*.log\n");
        _h.Write(SyncSide.Source, "keep.txt", "k");
        _h.Write(SyncSide.Source, "debug.log", "l");
        _h.Write(SyncSide.Source, "scratch.tmp", "t");
        _h.Write(SyncSide.Source, "build/out.bin", "b");
        _h.Write(SyncSide.Source, "src/build.txt", "not a folder named build");
        _h.Write(SyncSide.Destination, "dst.tmp", "an ignored destination file stays");

        var r = _h.Pair("sync", "--ignore", "*.tmp", "--ignore=build/");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(new[] { ".syncignore", "dst.tmp", "keep.txt", "src/build.txt" }, _h.Tree(SyncSide.Destination).Keys.ToArray());
        Assert.False(File.Exists(_h.FullPath(SyncSide.Source, "dst.tmp")));
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("sync")]
    public void MistypedOptionInAnArgumentSlot_IsNotTakenForAFolder(string command)
    {
        _h.Write(SyncSide.Source, "a.txt", "a");

        var r = CliHarness.Run(command, _h.Source, "--forse");

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--forse", r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Environment.CurrentDirectory, "--forse")));
    }

    [Fact]
    public void FolderStartingWithADash_AfterDoubleDash()
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        var odd = Path.Combine(_h.Root, "-odd");

        var r = CliHarness.Run((o, e) => new CliContext(o, e) { CurrentDirectory = _h.Root }, "sync", "--state-dir", "state", "--", "src", "-odd");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("a", File.ReadAllText(Path.Combine(odd, "a.txt")));
    }

    [Fact]
    public void Ignore_MalformedPattern_Exit2_NamesTheOption()
    {
        _h.Write(SyncSide.Source, "a.txt", "a");

        var r = _h.Pair("plan", "--ignore", "ok.txt", "--ignore", "bad[");

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--ignore", r.Err, StringComparison.Ordinal);
        Assert.Contains("bad[", r.Err, StringComparison.Ordinal);
        Assert.Contains("pattern 2", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedSyncIgnore_Exit2_NamesFileAndLine()
    {
        var ignoreFile = Path.Combine(_h.Source, ".syncignore");
        File.WriteAllText(ignoreFile, "*.log\n# fine\n[z-a]\n");
        _h.Write(SyncSide.Source, "a.txt", "a");
        var before = _h.Fingerprint(includeState: false);

        var r = _h.Pair("sync");

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(ignoreFile + ":3:", r.Err, StringComparison.Ordinal);
        Assert.Contains("SyncIgnoreRuleInvalid", r.Err, StringComparison.Ordinal);
        Assert.Equal(before, _h.Fingerprint(includeState: false));
    }

    [Fact]
    public void NoTrash_LeavesNoTrash_WhileTheDefaultKeepsTheOldVersions()
    {
        _h.Write(SyncSide.Source, "edit.txt", "v1");
        _h.Write(SyncSide.Source, "gone.txt", "bye");
        _h.Write(SyncSide.Source, "stay.txt", "stay");
        _h.Write(SyncSide.Source, "stay2.txt", "stay");
        Assert.Equal(0, _h.Pair("sync").ExitCode);

        _h.Write(SyncSide.Source, "edit.txt", "v2!");
        _h.Delete(SyncSide.Source, "gone.txt");
        var r = _h.Pair("sync", "--no-trash");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
        Assert.Empty(_h.TrashFiles(SyncSide.Destination));
        Assert.Empty(_h.TrashFiles(SyncSide.Source));

        // The same changes without --no-trash keep both old versions.
        _h.Write(SyncSide.Source, "edit.txt", "v3!!");
        _h.Delete(SyncSide.Source, "stay2.txt");
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        var trash = _h.TrashFiles(SyncSide.Destination);
        Assert.Equal(2, trash.Count);
        Assert.Contains(trash, t => t.EndsWith("/edit.txt", StringComparison.Ordinal));
        Assert.Contains(trash, t => t.EndsWith("/stay2.txt", StringComparison.Ordinal));
    }

    [Fact]
    public void StateDir_HoldsTheState()
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        var stateDir = Path.Combine(_h.Root, "elsewhere", "state");

        var r = CliHarness.Run("sync", _h.Source, _h.Destination, "--state-dir", stateDir);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(Path.Combine(stateDir, "sync_metadata.json")));
        Assert.False(Directory.Exists(_h.StateDir));
    }
}
