using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using SyncEngine.Control;

namespace SyncEngine.Cli.Tests;

/// <summary>pause, resume, stop and status against a state folder, with and without a run holding the pair.</summary>
public sealed class ControlTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private SyncPair Pair() => new(_h.Source, _h.Destination) { StatePath = _h.StateDir };

    private string ControlRequestWritten()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_h.StateDir, ControlFile.FileName)));
        return doc.RootElement.GetProperty("request").GetString()!;
    }

    [Theory]
    [InlineData("pause", "Pause")]
    [InlineData("resume", "Resume")]
    [InlineData("stop", "Stop")]
    public void Request_WithARunHoldingThePair_WritesTheControlFile(string command, string request)
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        using (SyncSession.Open(Pair()))
        {
            var r = CliHarness.Run(command, "--state-dir", _h.StateDir);

            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(request, ControlRequestWritten());
            Assert.Contains("process " + Environment.ProcessId, r.Out, StringComparison.Ordinal);
            Assert.Contains(command, r.Out, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("stop")]
    public void Request_WithNoRun_SaysSoAndExits0(string command)
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        Assert.Equal(0, _h.Pair("sync").ExitCode);

        var r = CliHarness.Run(command, "--state-dir", _h.StateDir);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("No sync is running", r.Err, StringComparison.Ordinal);
        Assert.Contains("nothing to " + command, r.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("stop")]
    [InlineData("status")]
    public void MissingStateFolder_Exit2_NamesIt(string command)
    {
        var missing = Path.Combine(_h.Root, "no-state-here");

        var r = CliHarness.Run(command, "--state-dir", missing);

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(missing, r.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("status")]
    public void NoPairNamed_Exit2(string command)
    {
        var r = CliHarness.Run(command);

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--state-dir", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_IdleAfterARun_ShowsTheLastOutcome()
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        _h.Write(SyncSide.Source, "b.txt", "b");
        Assert.Equal(0, _h.Pair("sync").ExitCode);

        var r = CliHarness.Run("status", "--state-dir", _h.StateDir);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains(r.Lines, l => l == "State:         Idle");
        Assert.Contains(r.Lines, l => l.StartsWith("Last run:", StringComparison.Ordinal) && l.Contains("Succeeded (2 succeeded, 0 failed, 0 skipped)", StringComparison.Ordinal));
        Assert.Contains(r.Lines, l => l == "Tracked files: 2");
        Assert.Contains(r.Lines, l => l == "State folder:  " + _h.StateDir);

        var json = CliHarness.Run("status", "--state-dir", _h.StateDir, "--json");
        var o = Assert.Single(json.JsonLines());
        Assert.Equal("Idle", o.GetProperty("state").GetString());
        Assert.Equal("Succeeded", o.GetProperty("lastOutcome").GetString());
        Assert.Equal(2, o.GetProperty("lastSucceeded").GetInt32());
        Assert.Equal(2, o.GetProperty("trackedFiles").GetInt32());
        Assert.Equal(JsonValueKind.Null, o.GetProperty("processId").ValueKind);
    }

    [Fact]
    public void Status_WhileARunHoldsThePair_IsRunningWithItsProcess()
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        using (SyncSession.Open(Pair()))
        {
            var r = CliHarness.Run("status", "--state-dir", _h.StateDir, "--json");

            var o = Assert.Single(r.JsonLines());
            Assert.Equal("Running", o.GetProperty("state").GetString());
            Assert.Equal(Environment.ProcessId, o.GetProperty("processId").GetInt32());

            var text = CliHarness.Run("status", "--state-dir", _h.StateDir);
            Assert.Contains(text.Lines, l => l.StartsWith("State:         Running (process " + Environment.ProcessId, StringComparison.Ordinal));
        }

        var after = CliHarness.Run("status", "--state-dir", _h.StateDir, "--json");
        Assert.Equal("Idle", Assert.Single(after.JsonLines()).GetProperty("state").GetString());
    }

    [Fact]
    public void SourceAndDestination_FindTheDefaultStateFolder()
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        var home = Path.Combine(_h.Root, "state-home");
        var env = new System.Collections.Generic.Dictionary<string, string> { ["SYNCENGINE_STATE_HOME"] = home };

        var sync = CliHarness.RunProcess(_h.Root, env, "sync", "src", "dst");
        Assert.True(sync.ExitCode == 0, sync.ToString());
        var pairs = Directory.GetDirectories(Path.Combine(home, "pairs"));
        Assert.Single(pairs);

        var status = CliHarness.RunProcess(_h.Root, env, "status", "src", "dst", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        var o = Assert.Single(status.JsonLines());
        Assert.Equal(pairs[0], o.GetProperty("statePath").GetString());
        Assert.Equal(1, o.GetProperty("trackedFiles").GetInt32());

        var stop = CliHarness.RunProcess(_h.Root, env, "stop", "src", "dst");
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.Contains("No sync is running", stop.Err, StringComparison.Ordinal);
    }
}
