using System;
using System.IO;
using System.Linq;

namespace SyncEngine.Cli.Tests;

/// <summary><c>syncengine history</c> and <c>syncengine restore</c>: output, --json, what-if, the guards and exit codes.</summary>
public sealed class HistoryCliTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    /// <summary>Three syncs of a.txt (one, two, three) and a deleted b.txt; returns the time between the first two.</summary>
    private DateTime ThreeVersions()
    {
        _h.Write(SyncSide.Source, "a.txt", "one");
        _h.Write(SyncSide.Source, "b.txt", "bee");
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        System.Threading.Thread.Sleep(20);
        var between = DateTime.UtcNow;
        System.Threading.Thread.Sleep(20);
        _h.Write(SyncSide.Source, "a.txt", "two!");
        _h.Delete(SyncSide.Source, "b.txt");
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        _h.Write(SyncSide.Source, "a.txt", "three");
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        return between;
    }

    private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void History_lists_changes_newest_first_as_lines_and_as_json_filtered_by_path()
    {
        ThreeVersions();
        var r = CliHarness.Run("history", "--state-dir", _h.StateDir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(5, r.Lines.Length);
        Assert.Contains("update", r.Lines[0], StringComparison.Ordinal);
        Assert.Contains("a.txt", r.Lines[0], StringComparison.Ordinal);
        Assert.Contains("kept", r.Lines[0], StringComparison.Ordinal);

        var json = CliHarness.Run("history", "--state-dir", _h.StateDir, "--path", "a.txt", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var entries = json.JsonLines();
        Assert.Equal(new[] { "update", "update", "create" }, entries.Select(e => e.GetProperty("action").GetString()).ToArray());
        Assert.All(entries, e => Assert.Equal("destination", e.GetProperty("side").GetString()));
        Assert.Equal(3, entries[1].GetProperty("old").GetProperty("size").GetInt64());

        var none = CliHarness.Run("history", "--state-dir", _h.StateDir, "--since", "1m", "--until", "2000-01-01");
        Assert.True(none.ExitCode == 0 && none.Lines.Length == 0, none.ToString());
    }

    [Fact]
    public void History_bad_time_and_missing_state_folder_are_exit_2_naming_what_is_wrong()
    {
        var missing = CliHarness.Run("history", "--state-dir", Path.Combine(_h.Root, "nope"));
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("SyncStateFolderNotFound", missing.Err, StringComparison.Ordinal);

        ThreeVersions();
        var bad = CliHarness.Run("history", "--state-dir", _h.StateDir, "--since", "yesterday");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--since", bad.Err, StringComparison.Ordinal);
        Assert.Contains("SyncInvalidTime", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_by_date_what_if_changes_nothing_then_restores_and_the_next_sync_carries_it()
    {
        var between = ThreeVersions();
        var before = _h.Fingerprint();

        var preview = _h.Pair("restore", "--side", "source", "--date", Iso(between), "--what-if");
        Assert.True(preview.ExitCode == 0, preview.ToString());
        Assert.Contains("What if: RestoreSource a.txt", preview.Out, StringComparison.Ordinal);
        Assert.Contains("What if: RestoreSource b.txt", preview.Out, StringComparison.Ordinal);
        Assert.Equal(before, _h.Fingerprint());

        var r = _h.Pair("restore", "--side", "source", "--date", Iso(between), "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(2, r.JsonLines().Last().GetProperty("summary").GetProperty("succeeded").GetInt32());
        Assert.Equal("one", _h.Read(SyncSide.Source, "a.txt"));
        Assert.Equal("bee", _h.Read(SyncSide.Source, "b.txt"));

        Assert.Equal(0, _h.Pair("sync").ExitCode);
        Assert.Equal("one", _h.Read(SyncSide.Destination, "a.txt"));
        Assert.Equal("bee", _h.Read(SyncSide.Destination, "b.txt"));
    }

    [Fact]
    public void Restore_by_version_into_a_folder_through_the_state_folder_alone()
    {
        ThreeVersions();
        var json = CliHarness.Run("history", "--state-dir", _h.StateDir, "--path", "a.txt", "--json").JsonLines();
        var id = json[0].GetProperty("id").GetString()!; // the update that replaced "two!"

        var r = CliHarness.Run("restore", "--state-dir", _h.StateDir, "--version", id, "--to", "restored");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("two!", _h.Read(SyncSide.Destination, "restored/a.txt"));
        Assert.Equal("three", _h.Read(SyncSide.Destination, "a.txt"));
    }

    [Fact]
    public void Restore_errors_have_their_exit_codes_and_ids_and_change_nothing()
    {
        var empty = _h.Pair("restore", "--side", "source", "--date", "1d");
        Assert.True(empty.ExitCode == 2, empty.ToString());

        ThreeVersions();
        var before = _h.Fingerprint(includeState: false);
        var cases = new[]
        {
            (new[] { "--side", "source", "--date", "2000-01-01" }, "SyncHistoryDateBeforeFirstSync"),
            (new[] { "--side", "source", "--date", Iso(DateTime.UtcNow), "--path", "never/seen.txt" }, "SyncHistoryPathNotFound"),
            (new[] { "--version", "20000101T000000Z-000000.1" }, "SyncHistoryVersionNotFound"),
            (new[] { "--side", "source" }, "--date"),
            (new[] { "--side", "left", "--date", Iso(DateTime.UtcNow) }, "--side"),
            (new[] { "--side", "source", "--date", "soon" }, "--date"),
        };
        foreach (var (args, named) in cases)
        {
            var r = _h.Pair("restore", args);
            Assert.True(r.ExitCode == 2, string.Join(" ", args) + ": " + r);
            Assert.Contains(named, r.Err, StringComparison.Ordinal);
        }

        Assert.Equal(before, _h.Fingerprint(includeState: false));
    }

    [Fact]
    public void A_restore_that_deletes_too_much_is_refused_with_exit_3_and_runs_with_force()
    {
        _h.Write(SyncSide.Source, "keep.txt", "keep");
        Assert.Equal(0, _h.Pair("sync").ExitCode);
        System.Threading.Thread.Sleep(20);
        var between = DateTime.UtcNow;
        for (var i = 0; i < 4; i++)
        {
            _h.Write(SyncSide.Source, $"later{i}.txt", "x");
        }

        Assert.Equal(0, _h.Pair("sync").ExitCode);
        var refused = _h.Pair("restore", "--side", "source", "--date", Iso(between));
        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Contains("SyncMassDeleteGuard", refused.Err, StringComparison.Ordinal);
        Assert.True(_h.Exists(SyncSide.Source, "later0.txt"));

        var forced = _h.Pair("restore", "--side", "source", "--date", Iso(between), "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.False(_h.Exists(SyncSide.Source, "later0.txt"));
        Assert.True(_h.Exists(SyncSide.Source, "keep.txt"));
    }

    [Theory]
    [InlineData("history")]
    [InlineData("restore")]
    public void Help_names_every_option(string command)
    {
        var r = CliHarness.Run(command, "--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        var options = command == "history" ? new[] { "--path", "--since", "--until", "--json", "--state-dir" } : new[] { "--side", "--path", "--date", "--version", "--to", "--what-if", "--json", "--force" };
        foreach (var option in options)
        {
            Assert.Contains(option, r.Out, StringComparison.Ordinal);
        }
    }
}
