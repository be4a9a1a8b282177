using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace SyncEngine.CrashHarness;

/// <summary>A running child sync: its output lines, the milestones it reached, and a way to SIGKILL it.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private ChildProcess(Process process)
    {
        _process = process;
    }

    public ManualResetEventSlim Executing { get; } = new(false);

    public ManualResetEventSlim Executed { get; } = new(false);

    public ManualResetEventSlim Saved { get; } = new(false);

    /// <summary>A watch child: its first full sync is over (WATCHING).</summary>
    public ManualResetEventSlim Watching { get; } = new(false);

    private int _done;
    private int _batches;

    /// <summary>A watch child: actions it finished (DONE lines).</summary>
    public int Done => Volatile.Read(ref _done);

    /// <summary>A watch child: batches it started after its first full sync (BATCH lines).</summary>
    public int Batches => Volatile.Read(ref _batches);

    public TimeSpan ExecutingAt { get; private set; }

    public TimeSpan ExecutedAt { get; private set; }

    public TimeSpan SavedAt { get; private set; }

    public IEnumerable<string> Lines => _lines;

    public TimeSpan Elapsed => _clock.Elapsed;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>--child</c> with the pair's arguments; HOME and TMPDIR point into <paramref name="sandbox"/> so stray writes show.</summary>
    public static ChildProcess Start(IEnumerable<string> childArgs, string sandbox)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the running executable");
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (string.Equals(Path.GetFileNameWithoutExtension(host), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            psi.FileName = host;
            psi.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }
        else
        {
            psi.FileName = host;
        }

        psi.ArgumentList.Add("--child");
        foreach (var a in childArgs)
        {
            psi.ArgumentList.Add(a);
        }

        var home = Path.Combine(sandbox, "home");
        var tmp = Path.Combine(sandbox, "tmp");
        psi.Environment["HOME"] = home;
        psi.Environment["TMPDIR"] = tmp;
        psi.Environment["XDG_STATE_HOME"] = Path.Combine(home, "state");
        psi.Environment["XDG_DATA_HOME"] = Path.Combine(home, "data");
        psi.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, "config");
        psi.Environment["XDG_CACHE_HOME"] = Path.Combine(home, "cache");
        psi.Environment["SYNCENGINE_STATE_HOME"] = Path.Combine(home, "syncengine");
        psi.Environment["DOTNET_EnableDiagnostics"] = "0";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        var p = new Process { StartInfo = psi };
        var child = new ChildProcess(p);
        p.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child._lines.Enqueue("stderr: " + e.Data);
            }
        };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return child;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        if (line.StartsWith("EXECUTING", StringComparison.Ordinal))
        {
            ExecutingAt = _clock.Elapsed;
            Executing.Set();
        }
        else if (line == "EXECUTED")
        {
            ExecutedAt = _clock.Elapsed;
            Executed.Set();
        }
        else if (line == "WATCHING")
        {
            Watching.Set();
        }
        else if (line.StartsWith("DONE ", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _done);
        }
        else if (line.StartsWith("BATCH ", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _batches);
        }
        else if (line == "SAVED")
        {
            SavedAt = _clock.Elapsed;
            Saved.Set();
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to end by itself.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        var ms = (int)Math.Max(0, Math.Min(int.MaxValue, timeout.TotalMilliseconds));
        if (!_process.WaitForExit(ms))
        {
            return false;
        }

        _process.WaitForExit(); // drain the output
        return true;
    }

    /// <summary>SIGKILL now. True when the process was still running, so the kill landed.</summary>
    public bool Kill()
    {
        if (_process.HasExited)
        {
            return false;
        }

        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            return false; // exited in between
        }

        _process.WaitForExit();
        return _process.ExitCode != 0 || !Saved.IsSet;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }

        _process.Dispose();
        Executing.Dispose();
        Executed.Dispose();
        Saved.Dispose();
        Watching.Dispose();
    }
}
