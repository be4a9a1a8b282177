using System;
using System.IO;

namespace SyncEngine.Cli.Output;

/// <summary>
/// The one place that writes while a command runs. Engine events arrive on worker threads; every write goes through
/// one lock, so lines never interleave and the progress line is cleared before other output. Standard output is
/// flushed after every line on a terminal, and otherwise at least once a second while lines are pending. If the
/// reader of standard output goes away (<c>syncengine … | head</c>), further output is dropped and the run goes on.
/// </summary>
internal sealed class Printer
{
    private const int FlushIntervalMs = 1000;

    private readonly object _gate = new();
    private readonly CliContext _context;
    private readonly JsonLines? _json;
    private readonly ProgressLine? _progress;
    private readonly string _resumeHint;
    private long _lastFlush;
    private bool _pending;
    private bool _outputGone;

    public Printer(CliContext context, bool json, bool progress, string? stateDir = null)
    {
        _context = context;
        _resumeHint = stateDir is null ? "syncengine resume" : "syncengine resume --state-dir '" + stateDir + "'";
        _json = json ? new JsonLines() : null;
        _progress = progress && !json && context.ErrorIsTerminal
            ? new ProgressLine(context.Error, context.Milliseconds, context.TerminalWidth)
            : null;
        _lastFlush = context.Milliseconds();
    }

    /// <summary>True when output is JSON lines.</summary>
    public bool Json => _json is not null;

    /// <summary>The live progress line, when one is drawn (terminal, not JSON).</summary>
    public ProgressLine? Progress => _progress;

    /// <summary>Text output only: actions skipped because the run was cancelled before they started (not listed).</summary>
    public int NotStarted { get; private set; }

    /// <summary>A result for an action that never ran because the run was cancelled first.</summary>
    public static bool IsNotStarted(SyncResult result) =>
        result.Status == SyncResultStatus.Skipped && result.ErrorKind == SyncErrorKind.Cancelled && result.Bytes == 0
        && string.Equals(result.ErrorId, "SyncCancelled", StringComparison.Ordinal)
        && result.Duration == TimeSpan.Zero;

    /// <summary>Takes in an engine event (any thread).</summary>
    public void OnEvent(SyncProgressEvent e)
    {
        lock (_gate)
        {
            switch (e.Type)
            {
                case SyncEventType.FileComplete:
                    var r = e.Result;
                    if (r is null || (r.Status == SyncResultStatus.Succeeded && r.Action == SyncActionType.NoAction))
                    {
                        // record-only entries: nothing to show
                    }
                    else if (_json is null && IsNotStarted(r))
                    {
                        NotStarted++; // after a cancel: counted, not listed (JSON still lists each one)
                    }
                    else
                    {
                        WriteOutLocked(_json is not null ? _json.Result(r) : TextFormat.ResultLine(r));
                    }

                    _progress?.Update(e);
                    break;
                case SyncEventType.Warning:
                    WriteErrorLocked("warning: " + e.Message);
                    break;
                case SyncEventType.Paused:
                    WriteErrorLocked("Paused: running actions finish, no new ones start. Resume with: " + _resumeHint);
                    break;
                case SyncEventType.Resumed:
                    WriteErrorLocked("Resumed.");
                    break;
                default:
                    _progress?.Update(e);
                    if (_pending)
                    {
                        FlushIfDueLocked(_context.Milliseconds());
                    }

                    break;
            }
        }
    }

    /// <summary>Writes a line to standard output.</summary>
    public void Out(string line)
    {
        lock (_gate)
        {
            WriteOutLocked(line);
        }
    }

    /// <summary>Writes a line to standard error.</summary>
    public void Error(string line)
    {
        lock (_gate)
        {
            WriteErrorLocked(line);
        }
    }

    /// <summary>Writes a warning to standard error.</summary>
    public void Warning(string message) => Error("warning: " + message);

    /// <summary>Clears the progress line and flushes standard output.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            _progress?.Clear();
            FlushOutLocked();
        }
    }

    private void WriteOutLocked(string line)
    {
        if (_outputGone)
        {
            return;
        }

        if (_context.OutputIsTerminal)
        {
            _progress?.Clear();
        }

        try
        {
            _context.Out.WriteLine(line);
        }
        catch (IOException)
        {
            _outputGone = true;
            return;
        }

        _pending = true;
        var now = _context.Milliseconds();
        if (_context.OutputIsTerminal)
        {
            FlushOutLocked();
        }
        else
        {
            FlushIfDueLocked(now);
        }
    }

    private void FlushIfDueLocked(long now)
    {
        if (now - _lastFlush >= FlushIntervalMs)
        {
            FlushOutLocked();
        }
    }

    private void FlushOutLocked()
    {
        _lastFlush = _context.Milliseconds();
        _pending = false;
        if (_outputGone)
        {
            return;
        }

        try
        {
            _context.Out.Flush();
        }
        catch (IOException)
        {
            _outputGone = true;
        }
    }

    private void WriteErrorLocked(string line)
    {
        _progress?.Clear();
        FlushOutLocked();
        try
        {
            _context.Error.WriteLine(line);
            _context.Error.Flush();
        }
        catch (IOException)
        {
            // Standard error is gone too; the exit code still tells.
        }
    }
}
