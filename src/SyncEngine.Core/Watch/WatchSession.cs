using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Control;
using SyncEngine.Execution;
using SyncEngine.Storage;

namespace SyncEngine.Watch;

/// <summary>
/// Continuous sync of one pair (DESIGN.md, "Watch"). Holds the pair's lock and state for as long as it runs: one full
/// sync first, then the sides' change feeds (file-system events on a local side, a listing at an interval on a remote
/// one) are debounced into batches that are planned over their dirty paths only, through the same planner, rename
/// pairing and guards as a sync. Every batch is journalled as it runs and its state written when it ends, so a kill
/// loses nothing and the next start resumes. Front ends use it as <c>Open</c> → <c>Run</c> → <c>Dispose</c>.
/// </summary>
public sealed class WatchSession : IDisposable, IChangeSink
{
    /// <summary>How often the roots are looked at and the control file's requests are honoured while idle.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly SyncSession _session;
    private readonly WatchOptions _options;
    private readonly SyncController _controller;
    private readonly bool _ownsController;
    private readonly Debouncer _debouncer;
    private readonly DeleteWindow _deletes;
    private readonly AutoResetEvent _wake = new(false);
    private readonly HashSet<string> _retained = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(SyncSide Side, Exception Error, bool WatchLimit)> _feedFailures = new();
    private readonly IChangeFeed?[] _feeds = new IChangeFeed?[2];
    private readonly bool[] _pollOnly = new bool[2];
    private readonly TimeSpan[] _nextPoll = new TimeSpan[2];
    private readonly bool[] _available = { true, true };
    private string? _rescanReason;
    private bool _fullRetained;
    private bool _refusedWaiting;
    private int _forceOnce;
    private TimeSpan _nextRescan;
    private TimeSpan _nextRootCheck;
    private int _batch;
    private WatchState _state = WatchState.Starting;
    private bool _started;
    private bool _disposed;

    private WatchSession(SyncSession session, WatchOptions options)
    {
        _session = session;
        _options = options;
        _ownsController = options.Controller is null;
        _controller = options.Controller ?? new SyncController();
        _controller.PausedChanged += OnPausedChanged;
        _debouncer = new Debouncer(options.Debounce, options.MaxDelay);
        _deletes = new DeleteWindow(options.DeleteWindow);
    }

    /// <summary>
    /// Validates the pair and the options, takes the pair's lock and loads its state. Throws
    /// <see cref="SyncEngineException"/> as <see cref="SyncSession.Open(SyncPair, IStorageProvider?, IStorageProvider?)"/> does, and
    /// InvalidArgument (<c>SyncInvalidDuration</c>) for options out of range.
    /// </summary>
    public static WatchSession Open(SyncPair pair, WatchOptions? options = null, IStorageProvider? source = null, IStorageProvider? destination = null)
    {
        options ??= new WatchOptions();
        options.Validate();
        var session = SyncSession.Open(pair, source, destination);
        return new WatchSession(session, options);
    }

    /// <summary>The pair.</summary>
    public SyncPair Pair => _session.Pair;

    /// <summary>The controller that pauses, resumes and ends the watch in this process.</summary>
    public SyncController Controller => _controller;

    /// <summary>What the watch is doing now.</summary>
    public WatchState State => _state;

    /// <summary>Batches that had work so far (a batch that finds nothing to do is not counted).</summary>
    public int Batch => _batch;

    /// <summary>Paths waiting for a batch.</summary>
    public int Pending => _debouncer.PendingCount + _retained.Count;

    /// <summary>True once another process asked the watch to stop (<c>syncengine stop</c>, Stop-Sync); the watch then ends cleanly.</summary>
    public bool StopRequested => _session.StopRequested;

    /// <summary>True while a batch a safety guard refused waits (until a batch completes, or the user forces it).</summary>
    public bool RefusedBatchWaiting => _refusedWaiting;

    /// <summary>
    /// The user's force while the watch runs (<c>syncengine resume --force</c> from another process does the same
    /// through the control file): the batch a safety guard refused is planned again at once and applied past the
    /// guards, once, and the rolling delete window starts afresh. Resumes a paused watch. Without a refused batch
    /// waiting it only says so (a warning event).
    /// </summary>
    public void ReleaseGuard()
    {
        Interlocked.Exchange(ref _forceOnce, 1);
        _controller.Resume();
        _wake.Set();
    }

    /// <summary>Which sides are listed at an interval instead of reporting changes (remote, or past the system's watch limit).</summary>
    public bool IsPolling(SyncSide side) => _pollOnly[Index(side)];

    /// <summary>
    /// Runs until the cancellation token or <see cref="Controller"/> is cancelled, or another process asks it to stop.
    /// A batch running then ends as a cancelled sync does: running actions finish, what finished is saved.
    /// </summary>
    public void Run(CancellationToken cancellationToken = default)
    {
        using var registration = cancellationToken.Register(() =>
        {
            _controller.Cancel();
            _wake.Set();
        });
        Start();
        while (!ShouldStop)
        {
            var wait = NextWait();
            _wake.WaitOne(wait);
            Step();
        }

        SetState(WatchState.Stopped);
        Raise(new WatchEvent { Type = WatchEventType.Stopped, Message = StopRequested ? "stopped on request" : "cancelled" });
    }

    private bool ShouldStop => _controller.IsCancelled || _session.StopRequested || _disposed;

    /// <summary>Sets up the change feeds, then runs the first full sync (feeds first: nothing changed during it is missed).</summary>
    internal void Start()
    {
        if (_started)
        {
            return;
        }

        _started = true;
        var now = _options.Clock.Now;
        var how = new List<string>();
        foreach (var side in new[] { SyncSide.Source, SyncSide.Destination })
        {
            StartFeed(side, polling: _options.PollLocalSides || !SpecOf(side).IsLocal);
            how.Add($"{side.ToString().ToLowerInvariant()}: {(IsPolling(side) ? "listed every " + WatchDurations.Format(_options.PollInterval) : "change events")}");
            _nextPoll[Index(side)] = now + _options.PollInterval;
        }

        Raise(new WatchEvent { Type = WatchEventType.Started, Message = string.Join("; ", how) });
        _nextRescan = now + _options.RescanInterval;
        _nextRootCheck = now + Tick;
        if (RootsAvailable())
        {
            RunBatch(null, "first full sync");
        }
        else
        {
            _fullRetained = true;
        }

        SetState(IdleState());
    }

    /// <summary>Does what is due now: honours feed failures, checks the roots, polls, rescans, or runs the due batch.</summary>
    internal void Step()
    {
        if (!_started)
        {
            Start();
        }

        while (_feedFailures.TryDequeue(out var failure))
        {
            OnFeedFailure(failure.Side, failure.Error, failure.WatchLimit);
        }

        if (ShouldStop)
        {
            return;
        }

        if (_controller.IsPaused || _session.PausedByRequest)
        {
            SetState(WatchState.Paused);
            return;
        }

        var now = _options.Clock.Now;
        if (now >= _nextRootCheck || _state == WatchState.SideUnavailable)
        {
            _nextRootCheck = now + Tick;
            if (!RootsAvailable())
            {
                return;
            }
        }

        foreach (var side in new[] { SyncSide.Source, SyncSide.Destination })
        {
            var i = Index(side);
            if (_pollOnly[i] && now >= _nextPoll[i])
            {
                _nextPoll[i] = now + _options.PollInterval;
                try
                {
                    _feeds[i]?.Poll(_controller.Token);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
                {
                    Raise(new WatchEvent { Type = WatchEventType.Warning, Side = side, Message = $"The {Name(side)} could not be listed for changes: {ex.Message}. Trying again in {WatchDurations.Format(_options.PollInterval)}." });
                }
            }
        }

        var forced = _session.TakeForceRequest() | (Interlocked.Exchange(ref _forceOnce, 0) == 1);
        if (forced)
        {
            if (!_refusedWaiting)
            {
                Raise(new WatchEvent { Type = WatchEventType.Warning, Message = "Forced by the user, but no batch refused by a safety guard is waiting: nothing to release." });
            }
            else
            {
                Raise(new WatchEvent { Type = WatchEventType.Warning, Message = "Forced by the user: the refused batch is applied past the safety guards, and the delete window starts afresh." });
                _deletes.Clear();
                var waiting = _fullRetained ? null : new List<string>(_retained);
                waiting?.AddRange(_debouncer.TakeAll());
                if (waiting is null)
                {
                    _debouncer.TakeAll();
                }

                _retained.Clear();
                _fullRetained = false;
                RunBatch(waiting, waiting is null ? "forced by the user" : null, forceGuards: true);
                SetState(IdleState());
                return;
            }
        }

        var reason = Interlocked.Exchange(ref _rescanReason, null);
        if (reason is not null)
        {
            Raise(new WatchEvent { Type = WatchEventType.RescanRequested, Message = reason + "; both sides are listed in full." });
        }
        else if (now >= _nextRescan)
        {
            reason = "periodic rescan (every " + WatchDurations.Format(_options.RescanInterval) + ")";
        }

        if (reason is not null)
        {
            _debouncer.TakeAll();
            _retained.Clear();
            _fullRetained = false;
            RunBatch(null, reason);
        }
        else
        {
            var paths = _debouncer.TakeIfDue(now);
            if (paths is not null)
            {
                if (_fullRetained)
                {
                    _fullRetained = false;
                    _retained.Clear();
                    RunBatch(null, "retry of a full sync that did not complete");
                }
                else
                {
                    paths.AddRange(_retained);
                    _retained.Clear();
                    RunBatch(paths, null);
                }
            }
        }

        SetState(IdleState());
    }

    private WatchState IdleState() => _debouncer.PendingCount > 0 ? WatchState.Pending : WatchState.Idle;

    private TimeSpan NextWait()
    {
        var now = _options.Clock.Now;
        var next = now + Tick;
        var due = _debouncer.DueAt();
        if (due is not null && due.Value < next)
        {
            next = due.Value;
        }

        if (_nextRescan < next)
        {
            next = _nextRescan;
        }

        for (var i = 0; i < 2; i++)
        {
            if (_pollOnly[i] && _nextPoll[i] < next)
            {
                next = _nextPoll[i];
            }
        }

        var wait = next - now;
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    /// <summary>
    /// Plans and executes one batch: over <paramref name="paths"/> only, or both sides in full when null. The delete
    /// guard counts this batch's deletions with those of the window; a refused batch changes nothing and its paths
    /// wait for the next batch (new changes, or the next rescan).
    /// </summary>
    private void RunBatch(List<string>? paths, string? fullReason, bool forceGuards = false)
    {
        var full = paths is null || paths.Any(IsRulesFile);
        try
        {
            RunBatch(paths, full, fullReason, forceGuards);
        }
        finally
        {
            if (full)
            {
                // A full batch listed both sides: give what that took back to the system before the watch idles.
                MemoryRelease.AfterLargeWork();
            }
        }
    }

    private void RunBatch(List<string>? paths, bool full, string? fullReason, bool forceGuards)
    {
        if (full && fullReason is null)
        {
            fullReason = "the ignore rules changed";
        }

        var scope = full ? null : new WatchScope(paths!);
        if (scope is not null && scope.Count == 0)
        {
            return;
        }

        var number = _batch + 1;
        SetState(WatchState.Syncing);
        if (full)
        {
            _nextRescan = _options.Clock.Now + _options.RescanInterval;
        }

        SyncPlan plan;
        try
        {
            var planOptions = new PlanOptions { Progress = _options.Progress, Reseed = _options.Reseed && number == 1 };
            plan = scope is null ? _session.Plan(planOptions, _controller.Token) : _session.PlanScoped(scope, planOptions, _controller.Token);
        }
        catch (OperationCanceledException) when (ShouldStop)
        {
            Retain(paths);
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
        {
            Retain(paths);
            var id = (ex as SyncEngineException)?.ErrorId ?? "SyncWatchBatchFailed";
            Raise(new WatchEvent { Type = WatchEventType.BatchFailed, Batch = number, ErrorId = id, Message = $"Batch {number} could not be planned: {ex.Message} Its paths wait for the next batch." });
            return;
        }

        foreach (var w in plan.Warnings)
        {
            RaiseProgress(new SyncProgressEvent { Type = SyncEventType.Warning, Message = w });
        }

        if (plan.Actions.Count == 0)
        {
            return; // an echo of the watch's own writes, or changes that cancel out
        }

        _batch = number;
        Raise(new WatchEvent { Type = WatchEventType.BatchStarted, Batch = number, Paths = scope?.Count ?? 0, FullRescan = full, Message = fullReason });

        var work = plan.Actions.Count(a => a.Action != SyncActionType.NoAction);

        var plannedSource = plan.Actions.Count(a => a.Action == SyncActionType.DeleteSource);
        var plannedDestination = plan.Actions.Count(a => a.Action == SyncActionType.DeleteDestination);
        if (!_options.Force && !forceGuards)
        {
            var violations = new List<GuardViolation>(_session.EvaluateGuards(plan.Actions));
            violations.AddRange(_deletes.Evaluate(_options.Clock.Now, plannedSource, plannedDestination, plan.Info.SourceFileCount, plan.Info.DestinationFileCount, Pair.MaxDeletePercent));
            if (violations.Count > 0)
            {
                _refusedWaiting = true;
                Retain(paths);
                _session.RecordOutcome("Refused", 0, 0, 0);
                Raise(new WatchEvent
                {
                    Type = WatchEventType.BatchRefused,
                    Batch = number,
                    Violations = violations,
                    ErrorId = violations[0].ErrorId,
                    Message = $"Batch {number} was refused by a safety guard ({violations[0].ErrorId}); nothing of it was applied, and the watch goes on. " + string.Join(" ", violations.Select(v => v.Message)),
                });
                return;
            }
        }

        var retry = new ConcurrentBag<string>();
        int deletedSource = 0, deletedDestination = 0;
        void OnProgress(SyncProgressEvent e)
        {
            if (e.Type == SyncEventType.FileComplete && e.Result is { } r)
            {
                if (r.Status == SyncResultStatus.Succeeded)
                {
                    if (r.Action == SyncActionType.DeleteSource)
                    {
                        Interlocked.Increment(ref deletedSource);
                    }
                    else if (r.Action == SyncActionType.DeleteDestination)
                    {
                        Interlocked.Increment(ref deletedDestination);
                    }
                }
                else if (r.Status is SyncResultStatus.Failed or SyncResultStatus.Stale || (r.Status == SyncResultStatus.Skipped && r.ErrorKind == SyncErrorKind.Cancelled))
                {
                    retry.Add(r.RelativePath);
                    if (r.ActionItem.PreviousPath is { } previous)
                    {
                        retry.Add(previous);
                    }
                }
            }

            RaiseProgress(e);
        }

        SyncSummary summary;
        try
        {
            var execution = _session.BeginExecute(plan.Actions, new ExecuteOptions { Force = true, Progress = OnProgress, Controller = _controller });
            foreach (var action in plan.Actions)
            {
                execution.Post(action);
            }

            execution.Complete();
            summary = execution.Wait();
        }
        finally
        {
            _session.EndBatch();
        }

        _deletes.Add(_options.Clock.Now, deletedSource, deletedDestination);
        if (full && (summary.Cancelled || summary.Failed > 0 || summary.Stale > 0) && retry.IsEmpty)
        {
            _fullRetained = true;
        }

        foreach (var key in retry)
        {
            _retained.Add(PathRules.Key(key));
        }

        _refusedWaiting = false;
        if (work > 0 || summary.Failed > 0)
        {
            Raise(new WatchEvent { Type = WatchEventType.BatchCompleted, Batch = number, Summary = summary, FullRescan = full, Message = fullReason });
        }
    }

    private void Retain(List<string>? paths)
    {
        if (paths is null)
        {
            _fullRetained = true;
            return;
        }

        foreach (var p in paths)
        {
            _retained.Add(p);
        }
    }

    private bool IsRulesFile(string key) =>
        !Pair.IgnoreFileOnSource && !string.IsNullOrEmpty(Pair.IgnoreFile)
            ? false
            : string.Equals(key.Trim('/'), SyncPair.IgnoreFileName, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether both roots are there. A missing source, or a missing destination the state says held files, stops the
    /// watch from syncing at once (an unplugged drive never turns into deletions); once it is back, a full rescan follows.
    /// </summary>
    private bool RootsAvailable()
    {
        var all = true;
        foreach (var side in new[] { SyncSide.Source, SyncSide.Destination })
        {
            var i = Index(side);
            bool exists;
            try
            {
                exists = ProviderOf(side).RootExists();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
            {
                exists = false;
            }

            var needed = side == SyncSide.Source || _session.State.Records.Count > 0;
            var ok = exists || !needed;
            if (!ok && _available[i])
            {
                _available[i] = false;
                Raise(new WatchEvent
                {
                    Type = WatchEventType.SideUnavailable,
                    Side = side,
                    State = WatchState.SideUnavailable,
                    ErrorId = "SyncRootNotFound",
                    Message = $"The {Name(side)} root '{ProviderOf(side).Root}' is missing: nothing is synchronized until it is back (an unmounted drive must not turn into deletions). The watch goes on.",
                });
            }
            else if (ok && !_available[i])
            {
                _available[i] = true;
                RestartFeed(side);
                Raise(new WatchEvent { Type = WatchEventType.SideAvailable, Side = side, Message = $"The {Name(side)} root '{ProviderOf(side).Root}' is back: both sides are listed in full." });
                Interlocked.Exchange(ref _rescanReason, $"the {Name(side)} root is back");
            }

            all &= ok;
        }

        if (!all)
        {
            SetState(WatchState.SideUnavailable);
        }
        else if (_state == WatchState.SideUnavailable)
        {
            SetState(IdleState());
        }

        return all;
    }

    private void StartFeed(SyncSide side, bool polling)
    {
        var i = Index(side);
        var provider = ProviderOf(side);
        var localRoot = SpecOf(side).IsLocal ? SpecOf(side).Path : null;
        var factory = _options.FeedFactory ?? DefaultFeed;
        IChangeFeed feed;
        try
        {
            feed = factory(side, provider, localRoot, polling, this);
            feed.Start();
        }
        catch (Exception ex) when (!polling && ex is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
        {
            FallBackToPolling(side, ex, FileSystemFeed.IsWatchLimit(ex));
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException)
        {
            // A polling feed whose first listing failed (the root is missing, the server is away): it compares from its next one.
            Raise(new WatchEvent { Type = WatchEventType.Warning, Side = side, Message = $"The {Name(side)} could not be listed yet: {ex.Message}" });
            feed = factory(side, provider, localRoot, true, this);
        }

        _feeds[i] = feed;
        _pollOnly[i] = feed.IsPolling;
    }

    private void FallBackToPolling(SyncSide side, Exception ex, bool watchLimit)
    {
        var i = Index(side);
        _feeds[i]?.Dispose();
        _feeds[i] = null;
        var why = watchLimit
            ? $"the system's limit on file watches was reached ({ex.Message}). Raise it (Linux: sysctl fs.inotify.max_user_watches / max_user_instances) for changes to be seen at once"
            : $"its change events could not be set up ({ex.Message})";
        Raise(new WatchEvent
        {
            Type = WatchEventType.Warning,
            Side = side,
            ErrorId = watchLimit ? "SyncWatchLimitReached" : "SyncWatcherFailed",
            Message = $"The {Name(side)} is now listed every {WatchDurations.Format(_options.PollInterval)} instead of watched: {why}.",
        });
        StartFeed(side, polling: true);
        Interlocked.Exchange(ref _rescanReason, $"the {Name(side)} is polled from now on");
    }

    private void RestartFeed(SyncSide side)
    {
        var i = Index(side);
        var polling = _pollOnly[i];
        _feeds[i]?.Dispose();
        _feeds[i] = null;
        StartFeed(side, polling);
    }

    private void OnFeedFailure(SyncSide side, Exception error, bool watchLimit)
    {
        if (watchLimit)
        {
            FallBackToPolling(side, error, watchLimit: true);
            return;
        }

        Raise(new WatchEvent { Type = WatchEventType.Warning, Side = side, ErrorId = "SyncWatcherFailed", Message = $"The {Name(side)}'s change events failed ({error.Message}); they were set up again and both sides are listed in full." });
        RestartFeed(side);
        Interlocked.Exchange(ref _rescanReason, $"the {Name(side)}'s watcher failed");
    }

    private static IChangeFeed DefaultFeed(SyncSide side, IStorageProvider provider, string? localRoot, bool polling, IChangeSink sink) =>
        polling || localRoot is null ? new PollingFeed(side, provider, sink) : new FileSystemFeed(side, localRoot, sink);

    void IChangeSink.Changed(SyncSide side, string relativePath)
    {
        if (relativePath.Length == 0)
        {
            return;
        }

        _debouncer.Add(PathRules.Key(relativePath), _options.Clock.Now);
        _wake.Set();
    }

    void IChangeSink.RescanNeeded(SyncSide side, string reason)
    {
        Interlocked.Exchange(ref _rescanReason, $"{Name(side)}: {reason}");
        _wake.Set();
    }

    void IChangeSink.FeedFailed(SyncSide side, Exception error, bool watchLimit)
    {
        _feedFailures.Enqueue((side, error, watchLimit));
        _wake.Set();
    }

    private void OnPausedChanged(object? sender, bool paused)
    {
        try
        {
            _session.Lock.SetPaused(paused);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        _wake.Set();
    }

    private void SetState(WatchState state)
    {
        if (_state == state)
        {
            return;
        }

        _state = state;
        Raise(new WatchEvent { Type = WatchEventType.StateChanged });
    }

    private void Raise(WatchEvent e)
    {
        var withState = new WatchEvent
        {
            Type = e.Type,
            State = e.Type == WatchEventType.SideUnavailable ? WatchState.SideUnavailable : _state,
            Batch = e.Batch == 0 ? _batch : e.Batch,
            Pending = Pending,
            Paths = e.Paths,
            FullRescan = e.FullRescan,
            Side = e.Side,
            Summary = e.Summary,
            Violations = e.Violations,
            ErrorId = e.ErrorId,
            Message = e.Message,
            TimeUtc = e.TimeUtc,
        };
        try
        {
            _options.Events?.Invoke(withState);
        }
        catch (Exception)
        {
            // An observer's failure must not stop the watch.
        }
    }

    private void RaiseProgress(SyncProgressEvent e)
    {
        try
        {
            _options.Progress?.Invoke(e);
        }
        catch (Exception)
        {
        }
    }

    private IStorageProvider ProviderOf(SyncSide side) => side == SyncSide.Source ? _session.Source : _session.Destination;

    private ProviderSpec SpecOf(SyncSide side) => side == SyncSide.Source ? Pair.SourceSpec : Pair.DestinationSpec;

    private static int Index(SyncSide side) => side == SyncSide.Source ? 0 : 1;

    private static string Name(SyncSide side) => side == SyncSide.Source ? "source" : "destination";

    /// <summary>Stops the feeds, writes the state and releases the pair's lock.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _controller.PausedChanged -= OnPausedChanged;
        foreach (var feed in _feeds)
        {
            feed?.Dispose();
        }

        try
        {
            _session.EndBatch();
        }
        finally
        {
            _session.Dispose();
            _wake.Dispose();
            if (_ownsController)
            {
                _controller.Dispose();
            }
        }
    }
}
