using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using SyncEngine.Control;

namespace SyncEngine.Cli;

/// <summary>Where a command writes and what it may assume about its surroundings (a terminal, the current folder).</summary>
internal sealed class CliContext
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public CliContext(TextWriter output, TextWriter error)
    {
        Out = output ?? throw new ArgumentNullException(nameof(output));
        Error = error ?? throw new ArgumentNullException(nameof(error));
    }

    /// <summary>Standard output: plans, results, JSON lines.</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error: warnings, errors, the live progress line.</summary>
    public TextWriter Error { get; }

    /// <summary>The folder relative SOURCE, DESTINATION and --state-dir resolve against.</summary>
    public string CurrentDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>Standard error is an interactive terminal: a live progress line may be drawn on it.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Standard output is an interactive terminal (flush every line; clear the progress line before writing).</summary>
    public bool OutputIsTerminal { get; init; }

    /// <summary>Reads an environment variable (tests give their own, so parallel tests do not share the process's).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Turn Ctrl+C and SIGTERM into a graceful cancel (only in the real process).</summary>
    public bool HandleSignals { get; init; }

    /// <summary>Width of the terminal behind standard error.</summary>
    public Func<int> TerminalWidth { get; init; } = () => 80;

    /// <summary>Milliseconds from a monotonic clock (throttles progress and output flushes).</summary>
    public Func<long> Milliseconds { get; init; } = () => Clock.ElapsedMilliseconds;

    /// <summary>The context of the real process: console streams and terminal detection.</summary>
    public static CliContext ForConsole(TextWriter output, TextWriter error) => new(output, error)
    {
        ErrorIsTerminal = !Console.IsErrorRedirected,
        OutputIsTerminal = !Console.IsOutputRedirected,
        HandleSignals = true,
        TerminalWidth = ConsoleWidth,
    };

    private static int ConsoleWidth()
    {
        try
        {
            var w = Console.WindowWidth;
            return w > 10 ? w : 80;
        }
        catch (Exception ex) when (ex is IOException or PlatformNotSupportedException or InvalidOperationException)
        {
            return 80;
        }
    }
}

/// <summary>
/// Turns the first Ctrl+C (and SIGTERM) into <see cref="SyncController.Cancel"/>: running actions finish, the rest
/// are skipped and the state is saved. A second Ctrl+C ends the process at once (the journal keeps what finished).
/// </summary>
internal sealed class InterruptHandler : IDisposable
{
    private readonly SyncController _controller;
    private readonly Action<string> _notify;
    private readonly PosixSignalRegistration? _term;
    private readonly string _what;
    private int _interrupts;
    private int _terminations;

    private InterruptHandler(SyncController controller, Action<string> notify, bool executing)
    {
        _controller = controller;
        _notify = notify;
        _what = executing
            ? "running actions finish, the rest are skipped, the state is saved."
            : "nothing was changed.";
        Console.CancelKeyPress += OnCancelKeyPress;
        try
        {
            _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate);
        }
        catch (PlatformNotSupportedException)
        {
            _term = null;
        }
    }

    /// <summary>True once SIGTERM asked the run to stop.</summary>
    public bool Terminated { get; private set; }

    /// <summary>Installs the handler when the context asks for it; null otherwise.</summary>
    public static InterruptHandler? Install(CliContext context, SyncController controller, Action<string> notify, bool executing) =>
        context.HandleSignals ? new InterruptHandler(controller, notify, executing) : null;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _term?.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (Interlocked.Increment(ref _interrupts) > 1)
        {
            return; // second Ctrl+C: let the process end now
        }

        e.Cancel = true;
        _controller.Cancel();
        _notify("Cancelling: " + _what + " Press Ctrl+C again to quit at once.");
    }

    private void OnTerminate(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _terminations) > 1)
        {
            return; // second SIGTERM: let the process end now
        }

        context.Cancel = true;
        Terminated = true;
        _controller.Cancel();
        _notify("Terminating: " + _what);
    }
}
