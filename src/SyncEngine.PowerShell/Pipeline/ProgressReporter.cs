using System;
using System.Collections.Generic;
using System.Globalization;

namespace SyncEngine.PowerShell.Pipeline;

/// <summary>
/// Turns engine progress events into progress records, on the pipeline thread: one record for the scan, one parent
/// record for the run (files and bytes, percent clamped to 0–100, seconds remaining from smoothed throughput), and
/// child records for large files in flight, with ids from a fixed pool. Updates are throttled (at most one batch per
/// interval, about four a second); <see cref="Complete"/> writes a Completed record for every activity still open.
/// </summary>
internal sealed class ProgressReporter
{
    /// <summary>The scan activity.</summary>
    public const int ScanActivityId = 1;

    /// <summary>The parent activity of a run.</summary>
    public const int SyncActivityId = 2;

    /// <summary>The first id of the pool for large files in flight.</summary>
    public const int FirstFileActivityId = 3;

    /// <summary>How many large files get a record of their own at once.</summary>
    public const int FileActivityPoolSize = 8;

    /// <summary>Default smallest file that gets a record of its own (4 MiB).</summary>
    public const long DefaultLargeFileThreshold = 4L * 1024 * 1024;

    /// <summary>Default time between two batches of records (250 ms: four a second).</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);

    private const double Smoothing = 0.3;

    private readonly ICmdletHost _host;
    private readonly IClock _clock;
    private readonly TimeSpan _interval;
    private readonly long _largeFileThreshold;
    private readonly Dictionary<int, ProgressInfo> _open = new();
    private readonly Dictionary<SyncAction, InFlight> _inFlight = new();
    private readonly bool[] _poolUsed = new bool[FileActivityPoolSize];
    private readonly HashSet<int> _freedChildren = new();

    private string _pairName = "";
    private TimeSpan? _lastScanEmit;
    private int _sourceListed;
    private int _destinationListed;
    private bool _scanning;

    private TimeSpan? _lastSyncEmit;
    private bool _syncing;
    private int _filesDone;
    private int _filesTotal;
    private long _completedBytes;
    private long _bytesTotal;
    private bool _paused;
    private string? _currentOperation;
    private TimeSpan? _sampleTime;
    private double _sampleWork;
    private double? _rate;

    public ProgressReporter(ICmdletHost host, IClock clock, TimeSpan? interval = null, long largeFileThreshold = DefaultLargeFileThreshold)
    {
        _host = host;
        _clock = clock;
        _interval = interval ?? DefaultInterval;
        _largeFileThreshold = largeFileThreshold;
    }

    /// <summary>Ids of activities written and not yet completed.</summary>
    public IReadOnlyCollection<int> OpenActivities => _open.Keys;

    /// <summary>Starts the scan activity of a pair (written with the first scan event).</summary>
    public void BeginScan(string pairName)
    {
        _pairName = pairName;
        _scanning = true;
        _sourceListed = 0;
        _destinationListed = 0;
        _lastScanEmit = null;
    }

    /// <summary>Takes a scan event (ScanStart, ScanProgress, ScanComplete).</summary>
    public void OnScanEvent(SyncProgressEvent e)
    {
        if (!_scanning)
        {
            return;
        }

        if (e.Side == SyncSide.Destination)
        {
            _destinationListed = Math.Max(_destinationListed, e.FilesDone);
        }
        else if (e.Side == SyncSide.Source)
        {
            _sourceListed = Math.Max(_sourceListed, e.FilesDone);
        }

        var now = _clock.Elapsed;
        if (_lastScanEmit is null || e.Type != SyncEventType.ScanProgress || now - _lastScanEmit.Value >= _interval)
        {
            _lastScanEmit = now;
            Write(new ProgressInfo(ScanActivityId, -1, "Scanning " + _pairName, ScanStatus()));
        }
    }

    /// <summary>Ends the scan activity.</summary>
    public void EndScan()
    {
        _scanning = false;
        CompleteActivity(ScanActivityId);
    }

    /// <summary>Starts the run activity of a pair.</summary>
    public void BeginSync(string pairName)
    {
        _pairName = pairName;
        _syncing = true;
        _filesDone = 0;
        _filesTotal = 0;
        _completedBytes = 0;
        _bytesTotal = 0;
        _paused = false;
        _currentOperation = null;
        _lastSyncEmit = null;
        _sampleTime = null;
        _sampleWork = 0;
        _rate = null;
        _inFlight.Clear();
        _freedChildren.Clear();
        Array.Clear(_poolUsed, 0, _poolUsed.Length);
    }

    /// <summary>Takes a run event. Returns true when records were written.</summary>
    public bool OnSyncEvent(SyncProgressEvent e)
    {
        if (!_syncing)
        {
            return false;
        }

        var force = false;
        switch (e.Type)
        {
            case SyncEventType.SyncStart:
                _filesTotal = e.FilesTotal;
                _bytesTotal = e.BytesTotal;
                force = true;
                break;
            case SyncEventType.FileStart when e.Action is not null:
                StartFile(e.Action);
                break;
            case SyncEventType.FileProgress when e.Action is not null:
                if (_inFlight.TryGetValue(e.Action, out var f))
                {
                    f.Done = Math.Max(f.Done, e.FileBytesDone);
                }

                break;
            case SyncEventType.FileComplete:
                _filesDone = Math.Max(_filesDone, e.FilesDone);
                _completedBytes = Math.Max(_completedBytes, e.BytesDone);
                if (e.Action is not null)
                {
                    EndFile(e.Action);
                }

                break;
            case SyncEventType.Paused:
                _paused = true;
                force = true;
                break;
            case SyncEventType.Resumed:
                _paused = false;
                force = true;
                break;
            case SyncEventType.SyncComplete:
                _filesDone = Math.Max(_filesDone, e.FilesDone);
                _completedBytes = Math.Max(_completedBytes, e.BytesDone);
                force = true;
                break;
            default:
                return false;
        }

        var now = _clock.Elapsed;
        if (!force && _lastSyncEmit is not null && now - _lastSyncEmit.Value < _interval)
        {
            return false;
        }

        _lastSyncEmit = now;
        EmitSync(now);
        return true;
    }

    /// <summary>Writes a Completed record for every activity still open (children first). Call in a finally.</summary>
    public void Complete()
    {
        _scanning = false;
        _syncing = false;
        var ids = new List<int>(_open.Keys);
        ids.Sort((a, b) => b.CompareTo(a));
        foreach (var id in ids)
        {
            CompleteActivity(id);
        }

        _inFlight.Clear();
        _freedChildren.Clear();
        Array.Clear(_poolUsed, 0, _poolUsed.Length);
    }

    /// <summary>Percent of a run: the mean of the file share and the byte share (whichever are known), clamped to 0–100.</summary>
    internal static int Percent(long filesDone, long filesTotal, long bytesDone, long bytesTotal)
    {
        double? files = filesTotal > 0 ? (double)filesDone / filesTotal : null;
        double? bytes = bytesTotal > 0 ? (double)bytesDone / bytesTotal : null;
        double share = files is not null && bytes is not null ? (files.Value + bytes.Value) / 2 : files ?? bytes ?? 0;
        return Clamp((int)Math.Floor(share * 100));
    }

    internal static int Clamp(int percent) => percent < 0 ? 0 : percent > 100 ? 100 : percent;

    /// <summary>A byte count for people: 1.5 MB, 12 KB, 300 B.</summary>
    internal static string FormatBytes(long bytes)
    {
        string[] units = { "B", "KB", "MB", "GB", "TB", "PB" };
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? bytes.ToString("N0", CultureInfo.CurrentCulture) + " B"
            : value.ToString(value >= 100 ? "N0" : "N1", CultureInfo.CurrentCulture) + " " + units[unit];
    }

    private string ScanStatus() => string.Format(CultureInfo.CurrentCulture, "Listed {0:N0} files on the source, {1:N0} on the destination", _sourceListed, _destinationListed);

    private void StartFile(SyncAction action)
    {
        _currentOperation = ShouldProcessText.Action(action) + ": " + ShouldProcessText.Target(action);
        var f = new InFlight(action);
        if (action.Bytes >= _largeFileThreshold && action.Bytes > 0)
        {
            for (var i = 0; i < _poolUsed.Length; i++)
            {
                if (!_poolUsed[i])
                {
                    _poolUsed[i] = true;
                    f.ActivityId = FirstFileActivityId + i;
                    _freedChildren.Remove(f.ActivityId.Value);
                    break;
                }
            }
        }

        _inFlight[action] = f;
    }

    private void EndFile(SyncAction action)
    {
        if (_inFlight.TryGetValue(action, out var f))
        {
            _inFlight.Remove(action);
            if (f.ActivityId is int id)
            {
                _poolUsed[id - FirstFileActivityId] = false;
                if (_open.ContainsKey(id))
                {
                    _freedChildren.Add(id);
                }
            }
        }
    }

    private void EmitSync(TimeSpan now)
    {
        long inFlightBytes = 0;
        foreach (var f in _inFlight.Values)
        {
            inFlightBytes += Math.Min(f.Done, f.Action.Bytes);
        }

        var bytesDone = _bytesTotal > 0 ? Math.Min(_completedBytes + inFlightBytes, _bytesTotal) : _completedBytes + inFlightBytes;
        var filesDone = _filesTotal > 0 ? Math.Min(_filesDone, _filesTotal) : _filesDone;
        var status = string.Format(CultureInfo.CurrentCulture, "{0:N0} of {1:N0} files, {2} of {3}{4}",
            filesDone, _filesTotal, FormatBytes(bytesDone), FormatBytes(_bytesTotal), _paused ? " (paused)" : "");
        Write(new ProgressInfo(SyncActivityId, -1, "Syncing " + _pairName, status)
        {
            CurrentOperation = _paused ? "Paused: running transfers finish, no new ones start" : _currentOperation,
            PercentComplete = Percent(filesDone, _filesTotal, bytesDone, _bytesTotal),
            SecondsRemaining = EstimateSeconds(now, filesDone, bytesDone),
        });

        foreach (var id in _freedChildren)
        {
            CompleteActivity(id);
        }

        _freedChildren.Clear();
        foreach (var f in _inFlight.Values)
        {
            if (f.ActivityId is int id)
            {
                var total = f.Action.Bytes;
                var done = Math.Min(f.Done, total);
                Write(new ProgressInfo(id, SyncActivityId, ShouldProcessText.Action(f.Action),
                    ShouldProcessText.Target(f.Action) + ": " + FormatBytes(done) + " of " + FormatBytes(total))
                {
                    PercentComplete = total > 0 ? Clamp((int)(100.0 * done / total)) : 0,
                });
            }
        }
    }

    private int EstimateSeconds(TimeSpan now, long filesDone, long bytesDone)
    {
        // Work is measured in bytes when the run copies any, else in files (deletes, renames).
        double work = _bytesTotal > 0 ? bytesDone : filesDone;
        double total = _bytesTotal > 0 ? _bytesTotal : _filesTotal;
        if (_sampleTime is null)
        {
            _sampleTime = now;
            _sampleWork = work;
            return -1;
        }

        var dt = (now - _sampleTime.Value).TotalSeconds;
        if (dt >= 0.1)
        {
            var instant = (work - _sampleWork) / dt;
            _rate = _rate is null ? instant : Smoothing * instant + (1 - Smoothing) * _rate.Value;
            _sampleTime = now;
            _sampleWork = work;
        }

        if (_paused || _rate is null || _rate.Value <= 0 || total <= 0)
        {
            return -1;
        }

        var left = Math.Max(0, total - work) / _rate.Value;
        return left > int.MaxValue ? int.MaxValue : (int)Math.Ceiling(left);
    }

    private void Write(ProgressInfo record)
    {
        _open[record.ActivityId] = record;
        _host.WriteProgress(record);
    }

    private void CompleteActivity(int id)
    {
        if (_open.TryGetValue(id, out var last))
        {
            _open.Remove(id);
            _host.WriteProgress(new ProgressInfo(id, last.ParentActivityId, last.Activity, last.StatusDescription)
            {
                Completed = true,
                PercentComplete = 100,
            });
        }
    }

    private sealed class InFlight
    {
        public InFlight(SyncAction action) => Action = action;

        public SyncAction Action { get; }

        public long Done { get; set; }

        public int? ActivityId { get; set; }
    }
}
