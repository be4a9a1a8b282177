using System;
using System.IO;
using System.Linq;

namespace SyncEngine.Cli.Tests;

/// <summary>
/// Names in Unicode NFC on one side and NFD on the other, through the built CLI as a child process: the CLI runs with
/// invariant globalization (no ICU), so these check that Core's own NFC keys the tree as the module does.
/// </summary>
public sealed class UnicodeNameTests : IDisposable
{
    // "über/Ångström café.txt" composed (NFC) and decomposed (NFD), spelled out so no editor or runtime renormalizes them.
    private const string Nfc = "\u00FCber/\u00C5ngstr\u00F6m caf\u00E9.txt";
    private const string Nfd = "u\u0308ber/A\u030Angstro\u0308m cafe\u0301.txt";

    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Nfc_on_the_source_and_nfd_on_the_destination_are_one_file_copied_neither_way()
    {
        var when = _h.NextTime();
        _h.Write(SyncSide.Source, Nfc, "same", when);
        _h.Write(SyncSide.Destination, Nfd, "same", when);

        var plan = CliHarness.RunProcess(_h.Root, null, "plan", "src", "dst", "--state-dir", "state");

        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.StartsWith("Plan: nothing to do", Assert.Single(plan.Lines), StringComparison.Ordinal);

        var sync = CliHarness.RunProcess(_h.Root, null, "sync", "src", "dst", "--state-dir", "state");

        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.StartsWith("0 succeeded, 0 failed", sync.Lines[^1], StringComparison.Ordinal);
        Assert.Equal(new[] { Nfc }, Files(SyncSide.Source));
        Assert.Equal(new[] { Nfd }, Files(SyncSide.Destination));

        // An edit on the NFD side updates the NFC file in place: still one name on each side, each in its own spelling.
        _h.Write(SyncSide.Destination, Nfd, "edited", _h.NextTime());
        var edit = CliHarness.RunProcess(_h.Root, null, "sync", "src", "dst", "--state-dir", "state");

        Assert.True(edit.ExitCode == 0, edit.ToString());
        Assert.Equal("edited", _h.Read(SyncSide.Source, Nfc));
        Assert.Equal(new[] { Nfc }, Files(SyncSide.Source));
        Assert.Equal(new[] { Nfd }, Files(SyncSide.Destination));
    }

    [Fact]
    public void An_ignore_pattern_in_nfd_matches_the_nfc_name()
    {
        _h.Write(SyncSide.Source, Nfc, "skip me");
        _h.Write(SyncSide.Source, "keep.txt", "keep me");

        var sync = CliHarness.RunProcess(_h.Root, null, "sync", "src", "dst", "--state-dir", "state", "--ignore", "*cafe\u0301.txt");

        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal(new[] { "keep.txt" }, Files(SyncSide.Destination));
    }

    /// <summary>The files on a side (outside the engine folder), relative, '/'-separated, as the file system spells them.</summary>
    private string[] Files(SyncSide side)
    {
        var root = _h.SideRoot(side);
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith(".syncengine/", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToArray();
    }
}
