using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;

namespace SyncEngine.Cli.Tests;

/// <summary>The built <c>syncengine</c> run as a child process: exit codes, streams, signals and cross-process control.</summary>
public sealed class ProcessTests : IDisposable
{
    private const int ManyFiles = 1000;
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Version_PrintsTheAssemblyVersion()
    {
        var r = CliHarness.RunProcess(_h.Root, null, "--version");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("syncengine " + HelpText.Version, r.Out.Trim());
        Assert.Matches(@"^syncengine \d+\.\d+\.\d+", r.Out);
    }

    [Fact]
    public void Sync_WithRelativePaths_CopiesAndDrawsNoProgressWhenRedirected()
    {
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        _h.Write(SyncSide.Source, "sub/b.txt", "beta");

        var plan = CliHarness.RunProcess(_h.Root, null, "plan", "src", "dst", "--state-dir", "state");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Equal(3, plan.Lines.Length);
        Assert.Empty(_h.Tree(SyncSide.Destination));

        var r = CliHarness.RunProcess(_h.Root, null, "sync", "src", "dst", "--state-dir", "state");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
        Assert.StartsWith("2 succeeded, 0 failed", r.Lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain('\r', r.Err);
        Assert.Equal("", r.Err);
    }

    [Fact]
    public void BadOption_Exit2_OnStandardError()
    {
        var r = CliHarness.RunProcess(_h.Root, null, "sync", "src", "dst", "--mode", "upwards");

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Contains("--mode", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_FromTheProcess_EveryLineParses()
    {
        for (var i = 0; i < 50; i++)
        {
            _h.Write(SyncSide.Source, $"d{i % 5}/f{i}.txt", "content " + i);
        }

        var r = CliHarness.RunProcess(_h.Root, null, "sync", "src", "dst", "--state-dir", "state", "--json");

        Assert.True(r.ExitCode == 0, r.ToString());
        var objects = r.JsonLines();
        Assert.Equal(51, objects.Count);
        Assert.Equal(50, objects[^1].GetProperty("summary").GetProperty("succeeded").GetInt32());
    }

    [Fact]
    public async System.Threading.Tasks.Task ReaderGoesAway_TheSyncStillFinishes()
    {
        for (var i = 0; i < 300; i++)
        {
            _h.Write(SyncSide.Source, $"d{i % 3}/file-{i:000}.txt", "content " + i);
        }

        using var p = CliHarness.Start(_h.Root, null, "sync", "src", "dst", "--state-dir", "state", "--json");
        p.StandardInput.Close();
        var error = p.StandardError.ReadToEndAsync();
        var first = p.StandardOutput.ReadLine();
        p.StandardOutput.Close(); // like 'syncengine sync … | head -1'
        Assert.True(p.WaitForExit(120_000));
        var stderr = await error;

        Assert.True(p.ExitCode == 0, "exit " + p.ExitCode + ": " + stderr);
        Assert.NotNull(first);
        using (JsonDocument.Parse(first!))
        {
        }

        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
    }

    /// <summary>
    /// A sync of many files whose standard output nobody reads: once the pipe is full the run blocks while printing,
    /// mid-way, which gives the test a run that is reliably still going.
    /// </summary>
    private Process StartBlockedSync()
    {
        // Long names make long result lines: about 230 KB of output, far more than a pipe and the CLI's buffer hold.
        var name = new string('n', 200);
        for (var i = 0; i < ManyFiles; i++)
        {
            var path = Path.Combine(_h.Source, "d" + (i % 20).ToString("00"), $"{name}-{i:0000}.txt");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "x");
        }

        var p = CliHarness.Start(_h.Root, null, "sync", "src", "dst", "--state-dir", "state", "--transfers", "1", "--operations", "1");
        p.StandardInput.Close();
        Assert.True(CliHarness.WaitUntil(() => CountDestination() > 0 || p.HasExited), "the sync did not start copying");
        Assert.False(p.HasExited, "the sync ended before the test could reach it");
        return p;
    }

    private int CountDestination() =>
        Directory.Exists(_h.Destination) ? Directory.EnumerateFiles(_h.Destination, "*.txt", SearchOption.AllDirectories).Count(f => !f.Contains(".syncengine", StringComparison.Ordinal)) : 0;

    private string Status(string field)
    {
        var r = CliHarness.Run("status", "--state-dir", _h.StateDir, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        return Assert.Single(r.JsonLines()).GetProperty(field).ToString();
    }

    /// <summary>
    /// Pauses the run and waits until it has taken the request, so that what the test does next (a stop, a signal)
    /// reaches a run that cannot finish in the meantime, however slow the machine.
    /// </summary>
    private void PauseAndWait(Process p)
    {
        var pause = CliHarness.Run("pause", "--state-dir", _h.StateDir);
        Assert.True(pause.ExitCode == 0, pause.ToString());
        Assert.Contains("process " + p.Id, pause.Out, StringComparison.Ordinal);
        Assert.True(CliHarness.WaitUntil(() => Status("state") == "Paused"), "the run did not pause");
    }

    private static CliResult Finish(Process p, System.Threading.Tasks.Task<string> output, System.Threading.Tasks.Task<string> error)
    {
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("syncengine did not end");
        }

        return new CliResult(p.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    [Fact]
    public void PauseThenResume_ARunInAnotherProcess()
    {
        using var p = StartBlockedSync();
        var error = p.StandardError.ReadToEndAsync();

        Assert.Equal("Running", Status("state"));
        PauseAndWait(p);

        var output = p.StandardOutput.ReadToEndAsync(); // unblock the printer: paused workers start nothing new
        Thread.Sleep(500);
        var settled = CountDestination();
        Thread.Sleep(700);
        Assert.Equal(settled, CountDestination());
        Assert.True(settled < ManyFiles, "paused, yet everything was copied");
        Assert.False(p.HasExited);

        var resume = CliHarness.Run("resume", "--state-dir", _h.StateDir);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        var r = Finish(p, output, error);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Paused", r.Err, StringComparison.Ordinal);
        Assert.Contains("Resumed", r.Err, StringComparison.Ordinal);
        Assert.StartsWith($"{ManyFiles} succeeded, 0 failed", r.Lines[^1], StringComparison.Ordinal);
        Assert.Equal(ManyFiles, CountDestination());
    }

    [Fact]
    public void Stop_ARunInAnotherProcess_Exit130_AndTheNextRunFinishes()
    {
        using var p = StartBlockedSync();
        var error = p.StandardError.ReadToEndAsync();
        PauseAndWait(p); // a stop needs no pause; it keeps the run from finishing before the stop is read

        var stop = CliHarness.Run("stop", "--state-dir", _h.StateDir);
        Assert.True(stop.ExitCode == 0, stop.ToString());
        var r = Finish(p, p.StandardOutput.ReadToEndAsync(), error);

        Assert.True(r.ExitCode == 130, r.ToString());
        Assert.Matches(@"^\d+ succeeded, 0 failed, [1-9]\d* skipped", r.Lines[^1]);
        Assert.Contains("Cancelled", r.Err, StringComparison.Ordinal);
        Assert.Matches(@"\d+ actions were not started", r.Err);
        Assert.DoesNotContain("cancelled before this action started", r.Out, StringComparison.Ordinal);
        Assert.Equal("Cancelled", Status("lastOutcome"));
        Assert.True(CountDestination() < ManyFiles);

        var again = _h.Pair("sync");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(ManyFiles, CountDestination());
        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
    }

    [SkippableTheory]
    [InlineData("INT", 130, "Cancelling")]
    [InlineData("TERM", 143, "Terminating")]
    public void Signal_StopsCleanly_SavesTheState(string signal, int expectedExit, string message)
    {
        Skip.If(OperatingSystem.IsWindows(), "POSIX signals; Ctrl+C on Windows takes the same CancelKeyPress path");

        using var p = StartBlockedSync();
        var error = p.StandardError.ReadToEndAsync();
        PauseAndWait(p); // keeps the run from finishing before the signal is handled

        using (var kill = Process.Start("kill", new[] { "-" + signal, p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
        {
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }

        var r = Finish(p, p.StandardOutput.ReadToEndAsync(), error);

        Assert.True(r.ExitCode == expectedExit, r.ToString());
        Assert.Contains(message, r.Err, StringComparison.Ordinal);
        Assert.Matches(@"^\d+ succeeded, 0 failed, [1-9]\d* skipped", r.Lines[^1]); // the graceful path printed its summary
        Assert.Equal("Cancelled", Status("lastOutcome"));

        var again = _h.Pair("sync");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
    }
}
