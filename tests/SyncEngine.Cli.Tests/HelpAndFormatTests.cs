using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using SyncEngine.Cli.Output;

namespace SyncEngine.Cli.Tests;

/// <summary>Help, version, exit-code mapping and the small formatting classes.</summary>
public sealed class HelpAndFormatTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("sync", "--help")]
    [InlineData("plan", "-?")]
    public void Help_ListsTheExitCodes(params string[] args)
    {
        var r = CliHarness.Run(args);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Exit codes:", r.Out, StringComparison.Ordinal);
        foreach (var code in new[] { "0", "1", "2", "3", "4", "5", "130" })
        {
            Assert.Contains(r.Lines, l => l.TrimStart().StartsWith(code + " ", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("stop")]
    [InlineData("status")]
    public void Help_ForControlCommands_ShowsTheirUsageAndCodes(string command)
    {
        var r = CliHarness.Run(command, "--help");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"syncengine {command} --state-dir DIR", r.Out, StringComparison.Ordinal);
        Assert.Contains(r.Lines, l => l.StartsWith("  2 ", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Lines, l => l.StartsWith("  3 ", StringComparison.Ordinal));
    }

    [Fact]
    public void Help_DescribesEveryOptionAndValue()
    {
        var r = CliHarness.Run("--help");

        foreach (var option in new[] { "--mode", "--compare", "--conflict", "--initial", "--state-dir", "--ignore", "--what-if", "--json", "--force", "--no-trash", "--transfers", "--operations", "--version" })
        {
            Assert.Contains(option, r.Out, StringComparison.Ordinal);
        }

        foreach (var value in Enum.GetValues<SyncMode>().Select(v => OptionNames.Kebab(v))
                     .Concat(Enum.GetValues<CompareMode>().Select(v => OptionNames.Kebab(v)))
                     .Concat(Enum.GetValues<ConflictResolution>().Select(v => OptionNames.Kebab(v)))
                     .Concat(Enum.GetValues<InitialSyncPreference>().Select(v => OptionNames.Kebab(v)))
                     .Concat(OptionNames.SyncModeAliases))
        {
            Assert.Contains(value, r.Out, StringComparison.Ordinal);
        }

        foreach (var command in HelpText.Commands)
        {
            Assert.Contains("syncengine " + command, r.Out.Replace("pause|resume|stop", "pause syncengine resume syncengine stop", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Help_ForPlan_LeavesOutSyncOnlyOptions()
    {
        var r = CliHarness.Run("plan", "--help");

        Assert.Contains(r.Lines, l => l.StartsWith("  --what-if", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Lines, l => l.StartsWith("  --force", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Lines, l => l.StartsWith("  --transfers", StringComparison.Ordinal));
    }

    [Fact]
    public void Version_IsTheAssemblyVersion()
    {
        var r = CliHarness.Run("--version");

        Assert.Equal(0, r.ExitCode);
        var expected = typeof(CliApp).Assembly.GetName().Version!;
        Assert.Equal($"syncengine {expected.Major}.{expected.Minor}.{expected.Build}", r.Out.Trim());
    }

    [Theory]
    [InlineData(SyncErrorKind.InvalidArgument, 2)]
    [InlineData(SyncErrorKind.NotFound, 2)]
    [InlineData(SyncErrorKind.InvalidState, 2)]
    [InlineData(SyncErrorKind.PermissionDenied, 2)]
    [InlineData(SyncErrorKind.IOError, 2)]
    [InlineData(SyncErrorKind.SafetyGuard, 3)]
    [InlineData(SyncErrorKind.ResourceBusy, 5)]
    [InlineData(SyncErrorKind.Cancelled, 130)]
    public void ExitCodes_ForEveryErrorKind(SyncErrorKind kind, int expected)
    {
        Assert.Equal(expected, ExitCodes.For(kind));
        Assert.Equal(expected, ExitCodes.For(new SyncEngineException("SyncTest", kind, "test")));
    }

    [Theory]
    [InlineData(0, 0, false, false, 0)]
    [InlineData(3, 0, false, false, 0)]
    [InlineData(3, 1, false, false, 1)]
    [InlineData(0, 0, true, false, 4)]
    [InlineData(0, 2, true, false, 1)]
    [InlineData(5, 0, false, true, 130)]
    [InlineData(5, 1, true, true, 130)]
    public void ExitCodes_ForARun(int succeeded, int failed, bool conflicts, bool cancelled, int expected)
    {
        var summary = new SyncSummary { Succeeded = succeeded, Failed = failed, Conflicts = conflicts ? 1 : 0, Cancelled = cancelled };

        Assert.Equal(expected, ExitCodes.For(summary));
        Assert.Equal(cancelled ? 143 : expected, ExitCodes.For(summary, terminated: true));
    }

    [Theory]
    [InlineData(3, 0, 0, 6)]
    [InlineData(3, 0, 1, 4)]
    [InlineData(3, 1, 1, 1)]
    public void ExitCodes_ARunWithStaleActions_IsNeverDone(int succeeded, int failed, int conflicts, int expected)
    {
        // A stale action leaves its file unsynchronized: the run must not say "done" (issue 9, case 13).
        var summary = new SyncSummary { Succeeded = succeeded, Failed = failed, Conflicts = conflicts, Stale = 2 };

        Assert.Equal(expected, ExitCodes.For(summary));
    }

    [Fact]
    public void ExitCodes_ForOtherExceptions()
    {
        Assert.Equal(2, ExitCodes.For(new CliUsageException("bad")));
        Assert.Equal(2, ExitCodes.For(new IOException("disk")));
        Assert.Equal(130, ExitCodes.For(new OperationCanceledException()));
        Assert.Equal(143, ExitCodes.For(new OperationCanceledException(), terminated: true));
        Assert.Equal(1, ExitCodes.For(new InvalidOperationException("bug")));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.0 KiB")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(10L * 1024 * 1024, "10.0 MiB")]
    [InlineData(3L * 1024 * 1024 * 1024 * 1024, "3.0 TiB")]
    public void Bytes_AreReadable(long bytes, string expected) => Assert.Equal(expected, TextFormat.Bytes(bytes));

    [Theory]
    [InlineData(0.4123, "0.41 s")]
    [InlineData(12.34, "12.3 s")]
    [InlineData(65, "1:05")]
    [InlineData(3725, "1:02:05")]
    public void Durations_AreReadable(double seconds, string expected) => Assert.Equal(expected, TextFormat.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void RunSummary_HasTheContractFormat()
    {
        var s = new SyncSummary { Succeeded = 3, Failed = 1, Skipped = 2, Stale = 4, Conflicts = 5, BytesTransferred = 2048, Duration = TimeSpan.FromSeconds(1.5) };

        Assert.Equal("3 succeeded, 1 failed, 2 skipped, 4 stale, 5 conflicts, 2.0 KiB copied in 1.50 s", TextFormat.RunSummary(s));
    }

    [Fact]
    public void Summary_Json_CarriesEveryCount()
    {
        var s = new SyncSummary { PairName = "p", RunId = "r", Succeeded = 3, Failed = 1, Skipped = 2, Stale = 4, Conflicts = 5, BytesTransferred = 2048, Duration = TimeSpan.FromSeconds(1.5), StartedUtc = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc) };

        using var doc = JsonDocument.Parse(new JsonLines().Summary(s, 1));
        var o = doc.RootElement.GetProperty("summary");

        Assert.Equal(3, o.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, o.GetProperty("failed").GetInt32());
        Assert.Equal(2, o.GetProperty("skipped").GetInt32());
        Assert.Equal(4, o.GetProperty("stale").GetInt32());
        Assert.Equal(5, o.GetProperty("conflicts").GetInt32());
        Assert.Equal(2048, o.GetProperty("bytes").GetInt64());
        Assert.Equal(1.5, o.GetProperty("seconds").GetDouble());
        Assert.Equal("Failed", o.GetProperty("outcome").GetString());
        Assert.Equal(1, o.GetProperty("exitCode").GetInt32());
        Assert.Equal("2025-01-02T03:04:05Z", o.GetProperty("startedUtc").GetString());
    }

    private sealed class FakeClock
    {
        public long Now { get; set; }
    }

    [Fact]
    public void ProgressLine_IsThrottledToFourRedrawsASecond()
    {
        var clock = new FakeClock();
        var error = new StringWriter();
        var line = new ProgressLine(error, () => clock.Now, () => 200);
        line.Update(new SyncProgressEvent { Type = SyncEventType.SyncStart, FilesTotal = 1000, BytesTotal = 1000 * 100 });
        for (var i = 1; i <= 1000; i++)
        {
            clock.Now = i; // 1000 events in one second
            line.Update(new SyncProgressEvent { Type = SyncEventType.FileComplete, FilesDone = i, FilesTotal = 1000, BytesDone = i * 100L, BytesTotal = 100_000 });
        }

        Assert.InRange(line.Draws, 4, 5);
        Assert.Contains("Syncing: 1,000/1,000 files", line.Render(clock.Now), StringComparison.Ordinal);
    }

    [Fact]
    public void ProgressLine_ShowsRateAndEta_AndClearsItself()
    {
        var clock = new FakeClock();
        var error = new StringWriter();
        var line = new ProgressLine(error, () => clock.Now, () => 200);
        line.Update(new SyncProgressEvent { Type = SyncEventType.SyncStart, FilesTotal = 10, BytesTotal = 10 * 1024 * 1024 });
        clock.Now = 1000;
        line.Update(new SyncProgressEvent { Type = SyncEventType.FileProgress, FilesDone = 2, FilesTotal = 10, BytesDone = 2 * 1024 * 1024, BytesTotal = 10 * 1024 * 1024 });

        var text = line.Render(clock.Now);
        Assert.Contains("2/10 files", text, StringComparison.Ordinal);
        Assert.Contains("2.0 MiB/10.0 MiB", text, StringComparison.Ordinal);
        Assert.Contains("2.0 MiB/s", text, StringComparison.Ordinal);
        Assert.Contains("ETA 0:04", text, StringComparison.Ordinal);
        Assert.True(line.Shown);

        line.Clear();

        Assert.False(line.Shown);
        var written = error.ToString();
        Assert.EndsWith("\r", written, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', written);
    }

    [Fact]
    public void ProgressLine_FitsTheTerminalWidth()
    {
        var error = new StringWriter();
        var line = new ProgressLine(error, () => 0, () => 20);

        line.Update(new SyncProgressEvent { Type = SyncEventType.ScanProgress, Side = SyncSide.Source, FilesDone = 123456 });

        var drawn = error.ToString().TrimStart('\r');
        Assert.Equal(19, drawn.Length);
        Assert.StartsWith("Scanning: source", drawn, StringComparison.Ordinal);
    }

    [Fact]
    public void NoProgressLine_WhenStandardErrorIsNotATerminal_OrForJson()
    {
        var context = new CliContext(new StringWriter(), new StringWriter()) { ErrorIsTerminal = false };
        Assert.Null(new Printer(context, json: false, progress: true).Progress);

        var terminal = new CliContext(new StringWriter(), new StringWriter()) { ErrorIsTerminal = true };
        Assert.NotNull(new Printer(terminal, json: false, progress: true).Progress);
        Assert.Null(new Printer(terminal, json: true, progress: true).Progress);
    }

    [Fact]
    public void Printer_OnATerminal_ClearsTheProgressLineBeforeAResultLine()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        long now = 0;
        var context = new CliContext(output, error) { ErrorIsTerminal = true, OutputIsTerminal = true, Milliseconds = () => now };
        var printer = new Printer(context, json: false, progress: true);
        printer.OnEvent(new SyncProgressEvent { Type = SyncEventType.SyncStart, FilesTotal = 2, BytesTotal = 10 });
        Assert.True(printer.Progress!.Shown);

        now = 10;
        printer.Warning("careful");

        Assert.False(printer.Progress.Shown);
        var text = error.ToString();
        var at = text.IndexOf("warning: careful", StringComparison.Ordinal);
        Assert.True(at > 0, text);
        Assert.Equal('\r', text[at - 1]);
    }
}
