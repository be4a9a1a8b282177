using System;
using System.IO;
using System.Text;

namespace SyncEngine.Cli.Output;

/// <summary>
/// The live status line on a terminal's standard error: scan counts, then files and bytes done, rate and ETA.
/// Redrawn in place with a carriage return at most every <see cref="IntervalMs"/> milliseconds and cleared at the
/// end. Not thread-safe: the printer calls it under its lock.
/// </summary>
internal sealed class ProgressLine
{
    /// <summary>Minimum time between two redraws (about four a second).</summary>
    public const int IntervalMs = 250;

    private readonly TextWriter _error;
    private readonly Func<long> _milliseconds;
    private readonly Func<int> _width;
    private long? _lastDraw;
    private int _shownLength;
    private bool _syncing;
    private int _sourceListed;
    private int _destinationListed;
    private int _filesDone;
    private int _filesTotal;
    private long _bytesDone;
    private long _bytesTotal;
    private long _startMs;
    private double _bytesPerSecond;
    private double _filesPerSecond;
    private long _sampleMs;
    private long _sampleBytes;
    private int _sampleFiles;

    public ProgressLine(TextWriter error, Func<long> milliseconds, Func<int> width)
    {
        _error = error;
        _milliseconds = milliseconds;
        _width = width;
    }

    /// <summary>How many times the line was drawn (for tests of the throttle).</summary>
    public int Draws { get; private set; }

    /// <summary>True while a line is on the screen.</summary>
    public bool Shown => _shownLength > 0;

    /// <summary>Takes in an engine event; redraws when the interval has passed.</summary>
    public void Update(SyncProgressEvent e)
    {
        var now = _milliseconds();
        switch (e.Type)
        {
            case SyncEventType.ScanStart:
            case SyncEventType.ScanProgress:
            case SyncEventType.ScanComplete:
                if (e.Side == SyncSide.Destination)
                {
                    _destinationListed = Math.Max(_destinationListed, e.FilesDone);
                }
                else
                {
                    _sourceListed = Math.Max(_sourceListed, e.FilesDone);
                }

                break;
            case SyncEventType.SyncStart:
                _syncing = true;
                _startMs = now;
                _sampleMs = now;
                _filesTotal = e.FilesTotal;
                _bytesTotal = e.BytesTotal;
                break;
            case SyncEventType.FileStart:
            case SyncEventType.FileProgress:
            case SyncEventType.FileComplete:
                _syncing = true;
                _filesDone = Math.Max(_filesDone, e.FilesDone);
                _filesTotal = Math.Max(_filesTotal, e.FilesTotal);
                _bytesDone = Math.Max(_bytesDone, e.BytesDone);
                _bytesTotal = Math.Max(_bytesTotal, e.BytesTotal);
                break;
            default:
                return;
        }

        if (_lastDraw is null || now - _lastDraw.Value >= IntervalMs)
        {
            Draw(now);
        }
    }

    /// <summary>Removes the line from the screen (before other output, and at the end).</summary>
    public void Clear()
    {
        if (_shownLength == 0)
        {
            return;
        }

        _error.Write('\r' + new string(' ', _shownLength) + '\r');
        _error.Flush();
        _shownLength = 0;
    }

    /// <summary>The text of the line at <paramref name="now"/> (milliseconds).</summary>
    public string Render(long now)
    {
        var sb = new StringBuilder(100);
        if (!_syncing)
        {
            sb.Append("Scanning: source ").Append(TextFormat.Count(_sourceListed))
              .Append(" files, destination ").Append(TextFormat.Count(_destinationListed)).Append(" files");
            return sb.ToString();
        }

        Sample(now);
        sb.Append("Syncing: ").Append(TextFormat.Count(_filesDone)).Append('/').Append(TextFormat.Count(_filesTotal)).Append(" files, ")
          .Append(TextFormat.Bytes(_bytesDone)).Append('/').Append(TextFormat.Bytes(_bytesTotal));
        if (_bytesPerSecond > 0)
        {
            sb.Append(", ").Append(TextFormat.Bytes((long)_bytesPerSecond)).Append("/s");
        }

        var eta = Eta();
        if (eta is not null)
        {
            sb.Append(", ETA ").Append(TextFormat.Clock(eta.Value));
        }

        return sb.ToString();
    }

    private void Draw(long now)
    {
        _lastDraw = now;
        var text = Render(now);
        var max = Math.Max(_width() - 1, 10);
        if (text.Length > max)
        {
            text = text.Substring(0, max);
        }

        var pad = Math.Max(_shownLength - text.Length, 0);
        _error.Write('\r' + text + new string(' ', pad));
        _error.Flush();
        _shownLength = text.Length;
        Draws++;
    }

    /// <summary>Smoothed rates from the change since the last sample (exponential moving average).</summary>
    private void Sample(long now)
    {
        var dt = now - _sampleMs;
        if (dt < IntervalMs)
        {
            return;
        }

        var bytesRate = (_bytesDone - _sampleBytes) * 1000.0 / dt;
        var filesRate = (_filesDone - _sampleFiles) * 1000.0 / dt;
        var first = _sampleMs == _startMs;
        _bytesPerSecond = first ? bytesRate : (0.7 * _bytesPerSecond) + (0.3 * bytesRate);
        _filesPerSecond = first ? filesRate : (0.7 * _filesPerSecond) + (0.3 * filesRate);
        _sampleMs = now;
        _sampleBytes = _bytesDone;
        _sampleFiles = _filesDone;
    }

    private TimeSpan? Eta()
    {
        if (_bytesTotal > 0 && _bytesPerSecond > 0)
        {
            return TimeSpan.FromSeconds(Math.Max(_bytesTotal - _bytesDone, 0) / _bytesPerSecond);
        }

        if (_filesTotal > 0 && _filesPerSecond > 0)
        {
            return TimeSpan.FromSeconds(Math.Max(_filesTotal - _filesDone, 0) / _filesPerSecond);
        }

        return null;
    }
}
