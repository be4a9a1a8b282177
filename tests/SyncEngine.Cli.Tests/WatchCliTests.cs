using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;

namespace SyncEngine.Cli.Tests;

/// <summary><c>syncengine watch</c> (issue 14): argument errors in-process; output, stop, signals and a kill as a child process.</summary>
public sealed class WatchCliTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData("--debounce", "2 seconds")]
    [InlineData("--debounce", "2x")]
    [InlineData("--max-delay", "-1s")]
    [InlineData("--rescan", "10")]
    [InlineData("--rescan", "500ms")]
    [InlineData("--poll", "1y")]
    public void A_bad_duration_is_exit_2_naming_the_option_and_nothing_is_changed(string option, string value)
    {
        _h.Write(SyncSide.Source, "a.txt", "a");
        var before = _h.Fingerprint();
        var r = _h.Pair("watch", option, value);

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(option, r.Err, StringComparison.Ordinal);
        Assert.Equal("", r.Out);
        Assert.Equal(before, _h.Fingerprint());
    }

    [Fact]
    public void A_maximum_delay_shorter_than_the_quiet_period_is_exit_2()
    {
        var r = _h.Pair("watch", "--debounce", "5s", "--max-delay", "1s");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--max-delay", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void What_if_is_refused_for_watch()
    {
        var r = _h.Pair("watch", "--what-if");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--what-if", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_the_watch_options_and_exit_codes()
    {
        var r = CliHarness.Run("watch", "--help");
        Assert.Equal(0, r.ExitCode);
        foreach (var text in new[] { "--debounce", "--max-delay", "--rescan", "--poll", "130", "143", "syncengine stop" })
        {
            Assert.Contains(text, r.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Watch_prints_each_action_and_batch_and_ends_on_stop_with_0()
    {
        _h.Write(SyncSide.Source, "first.txt", "first");
        using var w = new RunningWatch(_h, "--json");
        var batch1 = w.WaitForLine(l => l.Contains("\"batch\"", StringComparison.Ordinal));
        Assert.Equal(1, Json(batch1).GetProperty("batch").GetProperty("succeeded").GetInt32());
        Assert.Contains(w.Lines, l => l.Contains("first.txt", StringComparison.Ordinal) && l.Contains("\"status\":\"Succeeded\"", StringComparison.Ordinal));

        File.WriteAllText(_h.FullPath(SyncSide.Source, "second.txt"), "second");
        var result = w.WaitForLine(l => l.Contains("second.txt", StringComparison.Ordinal));
        Assert.Equal("UploadNew", Json(result).GetProperty("action").GetString());
        w.WaitForLine(l => l.Contains("\"number\":2", StringComparison.Ordinal));
        Assert.Equal("second", _h.Read(SyncSide.Destination, "second.txt"));

        var stop = CliHarness.Run("stop", "--state-dir", _h.StateDir);
        Assert.True(stop.ExitCode == 0, stop.ToString());
        var end = w.WaitForExit();
        Assert.True(end.ExitCode == 0, end.ToString());
        Assert.Equal(0, Json(end.Lines[^1]).GetProperty("watchEnd").GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public void Watch_ends_on_SIGTERM_with_143_and_a_pause_from_another_terminal_holds_it()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no SIGTERM
        }

        using var w = new RunningWatch(_h);
        w.WaitForError("Watching");
        w.WaitUntilIdle();

        var pause = CliHarness.Run("pause", "--state-dir", _h.StateDir);
        Assert.True(pause.ExitCode == 0, pause.ToString());
        w.WaitForError("Paused");
        File.WriteAllText(_h.FullPath(SyncSide.Source, "held.txt"), "held");
        Thread.Sleep(1500); // quiet period (200ms) and more: paused, nothing starts
        Assert.False(_h.Exists(SyncSide.Destination, "held.txt"));

        var resume = CliHarness.Run("resume", "--state-dir", _h.StateDir);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        w.WaitForLine(l => l.Contains("held.txt", StringComparison.Ordinal));
        Assert.Equal("held", _h.Read(SyncSide.Destination, "held.txt"));

        w.Signal("TERM");
        var end = w.WaitForExit();
        Assert.True(end.ExitCode == 143, end.ToString());
        Assert.Contains("SIGTERM", end.Err, StringComparison.Ordinal);
        // Said once, after the first full sync only: the pause, the resume and the later batch do not repeat it.
        Assert.Single(end.Err.Split('\n'), l => l.Contains("The first full sync is done", StringComparison.Ordinal));
    }

    [Fact]
    public void A_watch_killed_outright_loses_nothing_and_the_next_start_resumes()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // kill -KILL
        }

        using (var w = new RunningWatch(_h))
        {
            w.WaitUntilIdle();
            File.WriteAllText(_h.FullPath(SyncSide.Source, "a.txt"), "a");
            w.WaitForLine(l => l.StartsWith("batch ", StringComparison.Ordinal) && w.Lines.Any(x => x.Contains("a.txt", StringComparison.Ordinal)));
            w.Signal("KILL");
            w.WaitForExit();
        }

        File.WriteAllText(_h.FullPath(SyncSide.Source, "b.txt"), "b, written while no watch ran");
        using (var again = new RunningWatch(_h))
        {
            again.WaitForLine(l => l.Contains("b.txt", StringComparison.Ordinal));
            again.WaitForLine(l => l.StartsWith("batch ", StringComparison.Ordinal));
            Assert.DoesNotContain(again.Lines, l => l.Contains("a.txt", StringComparison.Ordinal)); // known from the state: not copied again
            Assert.True(CliHarness.Run("stop", "--state-dir", _h.StateDir).ExitCode == 0);
            Assert.Equal(0, again.WaitForExit().ExitCode);
        }

        Assert.Equal(_h.Tree(SyncSide.Source), _h.Tree(SyncSide.Destination));
    }

    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();

    /// <summary>A <c>syncengine watch</c> child process whose output lines are collected as they come.</summary>
    private sealed class RunningWatch : IDisposable
    {
        private readonly Process _p;
        private readonly List<string> _out = new();
        private readonly List<string> _err = new();
        private readonly Thread _outReader;
        private readonly Thread _errReader;

        public RunningWatch(CliHarness h, params string[] extra)
        {
            var args = new[] { "watch", "src", "dst", "--state-dir", "state", "--debounce", "200ms", "--max-delay", "1s" }.Concat(extra).ToArray();
            _p = CliHarness.Start(h.Root, null, args);
            _p.StandardInput.Close();
            _outReader = Reader(_p.StandardOutput, _out);
            _errReader = Reader(_p.StandardError, _err);
        }

        public string[] Lines
        {
            get
            {
                lock (_out)
                {
                    return _out.ToArray();
                }
            }
        }

        private string ErrText
        {
            get
            {
                lock (_err)
                {
                    return string.Join("\n", _err);
                }
            }
        }

        public string WaitForLine(Func<string, bool> match)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (DateTime.UtcNow < deadline)
            {
                var line = Lines.FirstOrDefault(match);
                if (line is not null)
                {
                    return line;
                }

                if (_p.HasExited)
                {
                    break;
                }

                Thread.Sleep(25);
            }

            throw new Xunit.Sdk.XunitException("no such line; stdout:\n" + string.Join("\n", Lines) + "\nstderr:\n" + ErrText);
        }

        public void WaitForError(string text)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (DateTime.UtcNow < deadline && !ErrText.Contains(text, StringComparison.Ordinal))
            {
                Thread.Sleep(25);
            }

            Assert.True(ErrText.Contains(text, StringComparison.Ordinal), "stderr:\n" + ErrText);
        }

        /// <summary>Waits for the first full sync to end: the watch says so once on stderr.</summary>
        public void WaitUntilIdle() => WaitForError("The first full sync is done; watching for changes.");

        public void Signal(string signal)
        {
            using var kill = Process.Start("kill", new[] { "-" + signal, _p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }

        public CliResult WaitForExit()
        {
            if (!_p.WaitForExit((int)Patience.TotalMilliseconds))
            {
                _p.Kill(entireProcessTree: true);
                throw new TimeoutException("syncengine watch did not end");
            }

            _outReader.Join();
            _errReader.Join();
            return new CliResult(_p.ExitCode, string.Join("\n", Lines) + "\n", ErrText);
        }

        public void Dispose()
        {
            if (!_p.HasExited)
            {
                _p.Kill(entireProcessTree: true);
                _p.WaitForExit();
            }

            _p.Dispose();
        }

        private static Thread Reader(StreamReader reader, List<string> into)
        {
            var t = new Thread(() =>
            {
                string? line;
                while ((line = reader.ReadLine()) is not null)
                {
                    lock (into)
                    {
                        into.Add(line);
                    }
                }
            }) { IsBackground = true };
            t.Start();
            return t;
        }
    }
}
