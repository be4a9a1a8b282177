using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using SyncEngine.Control;
using SyncEngine.State;
using SyncEngine.Storage;

namespace SyncEngine;

/// <summary>
/// Executes posted actions on worker threads within the pair's transfer and operation limits. Each action first
/// re-checks the metadata it was planned from (stale → skipped), writes atomically, keeps replaced and deleted
/// versions in the trash, and is journalled the moment it completes. Events are raised on worker threads.
/// </summary>
public sealed class SyncExecution
{
    private readonly SyncSession _session;
    private readonly ExecuteOptions _options;
    private readonly SyncController _controller;
    private readonly bool _ownsController;
    private readonly FolderQueue<SyncAction> _transfers = new();
    private readonly FolderQueue<SyncAction> _operations = new();
    private readonly List<Thread> _workers = new();
    private readonly Journal _journal;
    private readonly History.ChangeLog _changes;
    private readonly Timer _flushTimer;
    private readonly HashSet<string> _busyPaths = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _trashUsed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(SyncSide, string), byte> _emptiedFolders = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DateTime _startedUtc = DateTime.UtcNow;
    private readonly int _total;
    private readonly long _totalBytes;
    private int _pending;
    private int _done;
    private long _bytesDone;
    private int _ok, _failed, _skipped, _stale, _conflicts;
    private bool _completed;
    private bool _shutdown;
    private bool _rootsReady;
    private SyncSummary? _summary;

    internal SyncExecution(SyncSession session, IReadOnlyCollection<SyncAction> planned, ExecuteOptions options)
    {
        // Before any temporary file exists: the record that lets a later run know this run's leftovers as its own.
        TempRecord.Add(session.StateDir, session.TempNames.RunTag);
        _session = session;
        _options = options;
        Throttle = session.Pair.BandwidthLimit > 0 ? new Throttle(session.Pair.BandwidthLimit) : null;
        _ownsController = options.Controller is null;
        _controller = options.Controller ?? new SyncController();
        _controller.PausedChanged += OnPausedChanged;
        foreach (var a in planned)
        {
            if (a.Action != SyncActionType.NoAction)
            {
                _total++;
                _totalBytes += a.Bytes;
            }
        }

        _changes = new History.ChangeLog(session.StateDir, session.RunId);
        _journal = new Journal(session.StateDir) { Barrier = MakeWritesDurable, Dropped = OnRecordsDropped };
        _flushTimer = new Timer(_ => _journal.FlushIfDue(), null, 250, 250);
        if (_controller.IsPaused)
        {
            // Paused before execution began: say so where other processes look.
            session.Lock.SetPaused(true);
        }

        for (var i = 0; i < session.Pair.TransferLimit; i++)
        {
            StartWorker(_transfers, "SyncEngine transfer " + i);
        }

        for (var i = 0; i < session.Pair.OperationLimit; i++)
        {
            StartWorker(_operations, "SyncEngine operation " + i);
        }

        Raise(new SyncProgressEvent { Type = SyncEventType.SyncStart, FilesTotal = _total, BytesTotal = _totalBytes });
    }

    /// <summary>The controller that pauses, resumes and cancels this execution.</summary>
    public SyncController Controller => _controller;

    /// <summary>Hands an action to the workers. Call only for actions the user approved.</summary>
    public void Post(SyncAction action)
    {
        if (_completed)
        {
            throw new InvalidOperationException("Complete() was already called.");
        }

        Interlocked.Increment(ref _pending);
        var queue = ActionFacts.IsUpload(action.Action) || ActionFacts.IsDownload(action.Action) || ActionFacts.IsRestore(action.Action) ? _transfers : _operations;
        queue.Add(PathRules.Parent(action.RelativePath), action);
    }

    /// <summary>Reports an action as skipped without running it (declined at a prompt, filtered out).</summary>
    public void Skip(SyncAction action, string reason)
    {
        Finish(new SyncResult(action, SyncResultStatus.Skipped, 0, TimeSpan.Zero, reason, "SyncActionSkipped"), posted: false);
    }

    /// <summary>No more actions will be posted.</summary>
    public void Complete()
    {
        _completed = true;
        _transfers.CompleteAdding();
        _operations.CompleteAdding();
    }

    /// <summary>True once every posted action has finished (after <see cref="Complete"/>).</summary>
    public bool IsFinished => _completed && Volatile.Read(ref _pending) == 0;

    /// <summary>Waits for every posted action, then records the outcome. Returns the totals.</summary>
    public SyncSummary Wait(CancellationToken cancellationToken = default)
    {
        if (!_completed)
        {
            Complete();
        }

        using (cancellationToken.Register(() => _controller.Cancel()))
        {
            foreach (var t in _workers)
            {
                t.Join();
            }
        }

        return Finalize();
    }

    /// <summary>Waits up to <paramref name="milliseconds"/> for the workers; true when all are done.</summary>
    public bool WaitForWorkers(int milliseconds)
    {
        var deadline = Environment.TickCount + milliseconds;
        foreach (var t in _workers)
        {
            var left = Math.Max(0, deadline - Environment.TickCount);
            if (!t.Join(left))
            {
                return false;
            }
        }

        return true;
    }

    private SyncSummary Finalize()
    {
        lock (_workers)
        {
            if (_summary is not null)
            {
                return _summary;
            }

            // Enumerated directly: .Keys takes every lock and starts the collections' event source (reflection) on first use.
            foreach (var entry in _emptiedFolders)
            {
                var kv = entry.Key;
                try
                {
                    (kv.Item1 == SyncSide.Source ? _session.Source : _session.Destination).RemoveEmptyParents(kv.Item2);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
                {
                }
            }

            try
            {
                // What the providers left behind, then the engine's trash retention, the same for every side.
                _session.Source.CleanUp(CancellationToken.None);
                _session.Destination.CleanUp(CancellationToken.None);
                var now = _session.UtcNow();
                TrashPolicy.Purge(_session.Source, _session.Pair.TrashRetention, now, CancellationToken.None);
                TrashPolicy.Purge(_session.Destination, _session.Pair.TrashRetention, now, CancellationToken.None);

                // Every worker is done, so this run's temporary files are renamed or removed; the leftovers of
                // earlier runs are removed too once this session listed both sides (it found all it could).
                var gone = new List<string> { _session.TempNames.RunTag };
                if (_session.ListedBothSides)
                {
                    gone.AddRange(_session.TempNames.LeftoverRunTags);
                }

                TempRecord.Remove(_session.StateDir, gone);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
            {
            }

            _flushTimer.Dispose();
            _journal.FlushToDisk();
            try
            {
                // Lines of changes whose journal lines were already written by an earlier batch (none, normally).
                var rest = _changes.Take();
                MakeSidesDurable();
                _changes.WriteTaken(rest);
                _changes.FlushToDisk();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
            {
            }

            _summary = new SyncSummary
            {
                PairName = _session.Pair.Name,
                RunId = _session.RunId,
                StartedUtc = _startedUtc,
                Duration = _clock.Elapsed,
                Succeeded = _ok,
                Failed = _failed,
                Skipped = _skipped,
                Stale = _stale,
                Conflicts = _conflicts,
                BytesTransferred = Interlocked.Read(ref _bytesDone),
                Cancelled = _controller.IsCancelled,
            };
            _session.RecordOutcome(_summary.Outcome, _ok, _failed, _skipped + _stale + _conflicts);
            Raise(new SyncProgressEvent { Type = SyncEventType.SyncComplete, Summary = _summary, FilesDone = _done, FilesTotal = _total, BytesDone = _summary.BytesTransferred, BytesTotal = _totalBytes });
            _controller.PausedChanged -= OnPausedChanged;
            return _summary;
        }
    }

    internal void Shutdown()
    {
        if (_shutdown)
        {
            return;
        }

        _shutdown = true;
        if (_summary is null)
        {
            // Disposed while running (the front end is going away): stop now, keep what finished.
            _controller.Abort();
            Complete();
            foreach (var t in _workers)
            {
                t.Join();
            }

            Finalize();
        }
    }

    internal void DisposeJournal()
    {
        _journal.Dispose();
        _changes.Dispose();
        if (_ownsController)
        {
            _controller.Dispose();
        }
    }

    private void OnPausedChanged(object? sender, bool paused)
    {
        _session.Lock.SetPaused(paused);
        Raise(new SyncProgressEvent { Type = paused ? SyncEventType.Paused : SyncEventType.Resumed });
    }

    private void StartWorker(FolderQueue<SyncAction> queue, string name)
    {
        var t = new Thread(() => WorkerLoop(queue)) { IsBackground = true, Name = name };
        _workers.Add(t);
        t.Start();
    }

    private void WorkerLoop(FolderQueue<SyncAction> queue)
    {
        while (queue.TryTake(out var action, out var folder))
        {
            SyncResult result;
            Journal.Owner = action;
            try
            {
                _controller.WaitWhilePaused(CancellationToken.None);
                result = RunWithPathLock(action);
            }
            catch (OperationCanceledException)
            {
                result = new SyncResult(action, SyncResultStatus.Skipped, 0, TimeSpan.Zero, "the run was cancelled before this action started", "SyncCancelled", SyncErrorKind.Cancelled);
            }
            catch (Exception ex)
            {
                // A worker never dies: anything unexpected fails this action only.
                result = new SyncResult(action, SyncResultStatus.Failed, 0, TimeSpan.Zero, ex.Message, "SyncActionFailed", SyncErrorKind.IOError);
            }

            Journal.Owner = null;
            queue.Release(folder);

            // Done only once its journal lines are written, which waits for the batch's folder syncs.
            var r = result;
            _journal.WhenWritten(action, written => Finish(written || r.Status != SyncResultStatus.Succeeded ? r : NotDurable(r), posted: true));
            _journal.FlushIfDue();
        }

        // Nothing more for this worker: what it finished is written now, not when the timer comes round.
        _journal.Flush();
        ActionRunner.ReleaseThreadResources();
    }

    private void Finish(SyncResult result, bool posted)
    {
        var visible = result.Action != SyncActionType.NoAction;
        switch (visible ? result.Status : (SyncResultStatus)(-1))
        {
            case (SyncResultStatus)(-1): break; // record-only entries are bookkeeping, not actions a user planned
            case SyncResultStatus.Succeeded: Interlocked.Increment(ref _ok); break;
            case SyncResultStatus.Failed: Interlocked.Increment(ref _failed); break;
            case SyncResultStatus.Stale: Interlocked.Increment(ref _stale); break;
            default:
                if (result.Action == SyncActionType.Conflict)
                {
                    Interlocked.Increment(ref _conflicts);
                }
                else
                {
                    Interlocked.Increment(ref _skipped);
                }

                break;
        }

        var done = result.Action == SyncActionType.NoAction ? Volatile.Read(ref _done) : Interlocked.Increment(ref _done);
        var bytes = result.Bytes > 0 ? Interlocked.Add(ref _bytesDone, result.Bytes) : Interlocked.Read(ref _bytesDone);
        if (result.Action != SyncActionType.NoAction || result.Status != SyncResultStatus.Succeeded)
        {
            Raise(new SyncProgressEvent
            {
                Type = SyncEventType.FileComplete,
                Action = result.ActionItem,
                Result = result,
                FileBytesDone = result.Bytes,
                FileBytesTotal = result.ActionItem.Bytes,
                FilesDone = done,
                FilesTotal = _total,
                BytesDone = bytes,
                BytesTotal = _totalBytes,
            });
        }

        if (posted)
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    private void Raise(SyncProgressEvent e)
    {
        try
        {
            _options.Progress?.Invoke(e);
        }
        catch (Exception)
        {
            // An observer's failure must not break the run.
        }
    }

    private SyncResult RunWithPathLock(SyncAction action)
    {
        var paths = new List<string>(3) { action.RelativePath };
        if (action.PreviousPath is not null)
        {
            paths.Add(action.PreviousPath);
        }

        if (action.ConflictCopyPath is not null)
        {
            paths.Add(action.ConflictCopyPath);
        }

        lock (_busyPaths)
        {
            while (paths.Exists(p => _busyPaths.Contains(p)))
            {
                Monitor.Wait(_busyPaths);
            }

            foreach (var p in paths)
            {
                _busyPaths.Add(p);
            }
        }

        try
        {
            return RunWithRetry(action);
        }
        finally
        {
            lock (_busyPaths)
            {
                foreach (var p in paths)
                {
                    _busyPaths.Remove(p);
                }

                Monitor.PulseAll(_busyPaths);
            }
        }
    }

    private SyncResult RunWithRetry(SyncAction action)
    {
        var sw = Stopwatch.StartNew();
        if (action.Action == SyncActionType.Conflict)
        {
            return new SyncResult(action, SyncResultStatus.Skipped, 0, sw.Elapsed, "unresolved conflict: " + action.Reason, "SyncConflictUnresolved");
        }

        if (action.IsMutating)
        {
            Raise(new SyncProgressEvent { Type = SyncEventType.FileStart, Action = action, FileBytesTotal = action.Bytes, FilesDone = Volatile.Read(ref _done), FilesTotal = _total, BytesDone = Interlocked.Read(ref _bytesDone), BytesTotal = _totalBytes });
        }

        var delay = _session.Pair.RetryDelay;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                EnsureRoots(action);
                var bytes = ActionRunner.Run(this, action);
                return new SyncResult(action, SyncResultStatus.Succeeded, bytes, sw.Elapsed);
            }
            catch (StaleException ex)
            {
                return new SyncResult(action, SyncResultStatus.Stale, 0, sw.Elapsed, ex.Message, "SyncActionStale");
            }
            catch (OperationCanceledException)
            {
                return new SyncResult(action, SyncResultStatus.Skipped, 0, sw.Elapsed, "the run was cancelled while this action ran; nothing was changed", "SyncCancelled", SyncErrorKind.Cancelled);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
            {
                var (id, kind, transient) = Classify(ex);
                if (transient && attempt < _session.Pair.RetryCount && !_controller.IsAborted)
                {
                    Thread.Sleep(delay);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                    continue;
                }

                var what = ActionFacts.IsUpload(action.Action) || ActionFacts.IsDownload(action.Action) ? "copy" : ActionFacts.IsDelete(action.Action) ? "delete" : "apply";
                return new SyncResult(action, SyncResultStatus.Failed, 0, sw.Elapsed, $"Could not {what} '{action.RelativePath}': {ex.Message}", id, kind);
            }
        }
    }

    private void EnsureRoots(SyncAction action)
    {
        if (_rootsReady)
        {
            return;
        }

        lock (_workers)
        {
            if (!_rootsReady)
            {
                if (action.TargetSide == SyncSide.Destination && !_session.Destination.RootExists())
                {
                    _session.Destination.CreateRoot();
                }

                _rootsReady = true;
            }
        }
    }

    /// <summary>Maps a failure to its stable id, category and whether a retry may help.</summary>
    internal static (string Id, SyncErrorKind Kind, bool Transient) Classify(Exception ex)
    {
        switch (ex)
        {
            case SyncEngineException se:
                return (se.ErrorId, se.Kind, false);
            case UnauthorizedAccessException:
                return ("SyncAccessDenied", SyncErrorKind.PermissionDenied, false);
            case FileNotFoundException:
            case DirectoryNotFoundException:
                return ("SyncFileNotFound", SyncErrorKind.NotFound, false);
            case IOException io when IsDiskFull(io):
                return ("SyncDiskFull", SyncErrorKind.IOError, false);
            case IOException io when IsSharingViolation(io):
                return ("SyncFileInUse", SyncErrorKind.ResourceBusy, true);
            default:
                return ("SyncCopyFailed", SyncErrorKind.IOError, true);
        }
    }

    private static bool IsDiskFull(IOException io)
    {
        var hr = io.HResult & 0xFFFF;
        return hr is 0x70 or 0x27 or 28 || io.Message.IndexOf("No space left", StringComparison.OrdinalIgnoreCase) >= 0 || io.Message.IndexOf("disk full", StringComparison.OrdinalIgnoreCase) >= 0;
    }

    private static bool IsSharingViolation(IOException io)
    {
        var hr = io.HResult & 0xFFFF;
        return hr is 0x20 or 0x21;
    }

    // ---- services for ActionRunner ----

    internal SyncSession Session => _session;

    /// <summary>Honoured inside running actions: only an abort stops them (a cancel lets them finish).</summary>
    internal CancellationToken Token => _controller.AbortToken;

    /// <summary>The run's shared pace when the pair has a bandwidth limit; null: no limit.</summary>
    internal Throttle? Throttle { get; }

    internal string TrashPathFor(SyncSide side, string path)
    {
        var candidate = TrashNames.TrashPath(_session.RunId, path);
        var n = 1;
        while (!_trashUsed.TryAdd(side + "|" + candidate, 0))
        {
            candidate = TrashNames.TrashPath(_session.RunId, path) + "~" + n++;
        }

        return candidate;
    }

    /// <summary>
    /// The journal's barrier: every folder either side changed so far is synced to disk before the journal lines of
    /// the actions that changed them are written (each copy's data was synced before its rename).
    /// </summary>
    private void MakeWritesDurable()
    {
        // The change log's lines taken before the sides' syncs describe writes done before them.
        var changes = _changes.Take();
        MakeSidesDurable();
        _changes.WriteTaken(changes);
    }

    private void MakeSidesDurable()
    {
        (_session.Source as IDurableStorage)?.FlushCompletedWrites();
        (_session.Destination as IDurableStorage)?.FlushCompletedWrites();
    }

    /// <summary>Notes an applied change in the pair's change log (written with the journal's next batch).</summary>
    internal void LogChange(SyncSide side, History.ChangeKind kind, string path, string? previousPath, FileVersion? oldVersion, FileVersion? newVersion, string? keptPath) =>
        _changes.Add(_session.UtcNow(), side, kind, path, previousPath, oldVersion, newVersion, keptPath);

    /// <summary>
    /// Journal lines that could not be made durable (a folder sync or the journal write failed): the records are
    /// forgotten in memory too, so the state saved at the end does not claim them, and the actions count as failed.
    /// </summary>
    private void OnRecordsDropped(IReadOnlyList<string> keys, Exception ex)
    {
        lock (_session.State)
        {
            foreach (var key in keys)
            {
                _session.State.Remove(key);
            }
        }

        _durabilityFailure = ex.Message;
    }

    private string? _durabilityFailure;

    private SyncResult NotDurable(SyncResult r) =>
        new(r.ActionItem, SyncResultStatus.Failed, 0, r.Duration,
            $"'{r.RelativePath}' was written but could not be made durable ({_durabilityFailure}); it is not recorded as done, and the next run compares it afresh.",
            "SyncNotDurable", SyncErrorKind.IOError);

    internal void FolderMayBeEmpty(SyncSide side, string path)
    {
        // A store whose folders are implied by its keys (S3) has no empty folder to remove.
        if ((side == SyncSide.Source ? _session.Source : _session.Destination).Capabilities.HasFolders)
        {
            _emptiedFolders.TryAdd((side, path), 0);
        }
    }

    internal void RecordSet(string key, FileVersion source, FileVersion destination)
    {
        _journal.RecordSet(key, source, destination);
        lock (_session.State)
        {
            _session.State.Set(key, source, destination);
        }
    }

    /// <summary>
    /// Records a rename: one short journal line when the record only changes its key, else a removal and a set.
    /// </summary>
    internal void RecordRename(string previousKey, string key, FileVersion source, FileVersion destination)
    {
        lock (_session.State)
        {
            if (_session.State.Records.TryGetValue(previousKey, out var rec) && !_session.State.Records.ContainsKey(key) && rec.MovesTo(key, source, destination))
            {
                _journal.RecordMove(previousKey, key);
                _session.State.Move(previousKey, key);
                return;
            }
        }

        RecordRemove(previousKey);
        RecordSet(key, source, destination);
    }

    internal void RecordRemove(string key)
    {
        _journal.RecordRemove(key);
        lock (_session.State)
        {
            _session.State.Remove(key);
        }
    }

    internal void ReportBytes(SyncAction action, long done, ref long lastTick)
    {
        var now = _clock.ElapsedTicks;
        if (now - lastTick < _options.ProgressInterval.Ticks * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond))
        {
            return;
        }

        lastTick = now;
        Raise(new SyncProgressEvent
        {
            Type = SyncEventType.FileProgress,
            Action = action,
            FileBytesDone = done,
            FileBytesTotal = action.Bytes,
            FilesDone = Volatile.Read(ref _done),
            FilesTotal = _total,
            BytesDone = Interlocked.Read(ref _bytesDone) + done,
            BytesTotal = _totalBytes,
        });
    }
}

/// <summary>Thrown when an action's files no longer match its plan.</summary>
internal sealed class StaleException : Exception
{
    public StaleException(string message)
        : base(message)
    {
    }
}
