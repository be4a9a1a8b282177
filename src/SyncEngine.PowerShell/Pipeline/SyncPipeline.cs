using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using SyncEngine.Control;
using SyncEngine.Execution;

namespace SyncEngine.PowerShell.Pipeline;

/// <summary>Options of one <see cref="SyncPipeline"/> (one cmdlet invocation).</summary>
internal sealed class SyncPipelineOptions
{
    /// <summary>-WhatIf is in effect: plan without the lock, call ShouldProcess per change, change nothing, write no state.</summary>
    public bool WhatIf { get; init; }

    /// <summary>-Force: pass the mass-deletion and emptied-root guards.</summary>
    public bool Force { get; init; }

    /// <summary>-Summary: write one <see cref="SyncSummary"/> per run instead of a <see cref="SyncResult"/> per action.</summary>
    public bool Summary { get; init; }

    /// <summary>-IncludeUnchanged (Get-SyncPlan): also write NoAction items.</summary>
    public bool IncludeUnchanged { get; init; }

    /// <summary>-Reseed: plan as a first sync that merges, whatever the state says; delete nothing (<see cref="PlanOptions.Reseed"/>).</summary>
    public bool Reseed { get; init; }

    /// <summary>-Path: plan and sync only these subtrees, relative to the roots (<see cref="PlanOptions.Paths"/>); null: the whole tree.</summary>
    public IReadOnlyList<string>? Paths { get; init; }

    /// <summary>
    /// Decides Manual conflicts; returns what the handler output (a scriptblock's output objects). Called on the
    /// pipeline thread only. Null: Manual conflicts are reported and skipped.
    /// </summary>
    public Func<ConflictInfo, IEnumerable<object?>>? ConflictHandler { get; init; }

    /// <summary>The clock progress throttling and throughput use.</summary>
    public IClock Clock { get; init; } = new StopwatchClock();

    /// <summary>Least time between two batches of progress records.</summary>
    public TimeSpan ProgressInterval { get; init; } = ProgressReporter.DefaultInterval;

    /// <summary>Smallest file that gets a progress record of its own.</summary>
    public long LargeFileThreshold { get; init; } = ProgressReporter.DefaultLargeFileThreshold;

    /// <summary>What Suspend-Sync/Resume-Sync/Stop-Sync reach for runs of this pipeline (a job); null: the pipeline itself.</summary>
    public IRunControl? RunControl { get; init; }

    /// <summary>-Watch: how the watch debounces and rescans; null: one run per pair.</summary>
    public WatchSettings? Watch { get; init; }

    /// <summary>A copy whose runs are reached through <paramref name="control"/>.</summary>
    public SyncPipelineOptions WithRunControl(IRunControl control) => new()
    {
        WhatIf = WhatIf,
        Force = Force,
        Summary = Summary,
        IncludeUnchanged = IncludeUnchanged,
        Reseed = Reseed,
        Paths = Paths,
        ConflictHandler = ConflictHandler,
        Clock = Clock,
        ProgressInterval = ProgressInterval,
        LargeFileThreshold = LargeFileThreshold,
        RunControl = control,
        Watch = Watch,
    };
}

/// <summary>The durations of Invoke-Sync -Watch (null: the engine's default).</summary>
internal sealed class WatchSettings
{
    public TimeSpan? Debounce { get; init; }

    public TimeSpan? MaxDelay { get; init; }

    public TimeSpan? RescanInterval { get; init; }

    /// <summary>The engine's options for these settings (the maximum delay grows to the quiet period when only that is given).</summary>
    public SyncEngine.Watch.WatchOptions ToOptions(bool force, bool reseed, SyncController? controller = null,
                                                   Action<SyncProgressEvent>? progress = null, Action<SyncEngine.Watch.WatchEvent>? events = null)
    {
        var debounce = Debounce ?? SyncEngine.Watch.WatchOptions.DefaultDebounce;
        var maxDelay = MaxDelay ?? (debounce > SyncEngine.Watch.WatchOptions.DefaultMaxDelay ? debounce : SyncEngine.Watch.WatchOptions.DefaultMaxDelay);
        return new SyncEngine.Watch.WatchOptions
        {
            Debounce = debounce,
            MaxDelay = maxDelay,
            RescanInterval = RescanInterval ?? SyncEngine.Watch.WatchOptions.DefaultRescanInterval,
            Force = force,
            Reseed = reseed,
            Controller = controller,
            Progress = progress,
            Events = events,
        };
    }
}

/// <summary>
/// The one place that turns the engine into cmdlet output. Runs on the pipeline thread and drives the engine:
/// plans (on a helper thread, while the pipeline thread writes scan progress and answers the conflict handler),
/// asks ShouldProcess for every mutating action before it is posted to a worker, and drains worker events into
/// WriteObject/WriteError/WriteWarning/WriteProgress. Stop (Ctrl+C) cancels the run; Dispose releases the session.
/// </summary>
internal sealed class SyncPipeline : IRunControl, IDisposable
{
    private readonly ICmdletHost _host;
    private readonly SyncPipelineOptions _options;
    private readonly PipelineDispatcher _dispatcher = new();
    private readonly CancellationTokenSource _stopPlanning = new();
    private readonly object _controlGate = new();
    private SyncController? _current;
    private Watch.WatchSession? _currentWatch;
    private volatile bool _paused;
    private volatile bool _stopped;
    private volatile bool _aborted;
    private readonly ProgressReporter _progress;
    private SyncSession? _session;
    private bool _disposed;

    public SyncPipeline(ICmdletHost host, SyncPipelineOptions? options = null)
    {
        _host = host;
        _options = options ?? new SyncPipelineOptions();
        _progress = new ProgressReporter(host, _options.Clock, _options.ProgressInterval, _options.LargeFileThreshold);
    }

    /// <summary>True once stopped (Ctrl+C, Stop-Sync, Stop-Job).</summary>
    public bool IsStopped => _stopped;

    /// <inheritdoc />
    public bool IsPaused => _paused;

    /// <summary>True when this pipeline watches its pairs (-Watch) instead of syncing each once.</summary>
    public bool IsWatch => _options.Watch is not null;

    /// <summary>Get-SyncPlan: plans without the lock and writes the visible actions.</summary>
    public SyncPlan? WritePlan(SyncPair pair)
    {
        ThrowIfDisposed();
        var plan = PlanOnHelperThread(pair, (o, ct) => PairCredentials.Plan(pair, o, ct));
        if (plan is null)
        {
            return null;
        }

        foreach (var action in plan.Visible(_options.IncludeUnchanged))
        {
            _host.WriteObject(action);
        }

        return plan;
    }

    /// <summary>
    /// Invoke-Sync for a pair: takes the lock, plans, checks the guards, executes with one ShouldProcess per mutating
    /// action. Under -WhatIf: plans without the lock and only calls ShouldProcess. Throws
    /// <see cref="SyncEngineException"/> when the run cannot start (bad root, lock held, guard tripped).
    /// Returns the totals (null under -WhatIf or when stopped while planning).
    /// </summary>
    public SyncSummary? Sync(SyncPair pair)
    {
        ThrowIfDisposed();
        if (IsStopped)
        {
            return null;
        }

        if (_options.WhatIf)
        {
            var preview = PlanOnHelperThread(pair, (o, ct) => PairCredentials.Plan(pair, o, ct));
            if (preview is not null)
            {
                WhatIf(pair, preview.Actions);
            }

            return null;
        }

        _host.WriteVerbose($"Syncing '{pair.Name}': {pair.Source} -> {pair.Destination}, mode {pair.Mode}, state folder {pair.ResolvedStatePath}.");

        // One controller per run, outliving the session (its disposal may still stop the run through it).
        using var controller = new SyncController();
        using var session = PairCredentials.OpenSession(pair);
        _session = session;
        try
        {
            using var registration = RunRegistry.Register(pair.ResolvedStatePath, pair.Name, _options.RunControl ?? this);
            _host.WriteDebug($"Run {session.RunId} holds the lock of '{pair.Name}'.");
            var plan = PlanOnHelperThread(pair, (o, ct) => session.Plan(o, ct));
            return plan is null ? null : Execute(session, controller, pair, plan.Actions);
        }
        finally
        {
            _session = null;
        }
    }

    /// <summary>
    /// Restore-SyncItem: takes the lock, plans the restore from the change log (<see cref="History.SyncRestore"/>),
    /// checks the guards and executes with one ShouldProcess per action, as <see cref="Sync"/>. Under -WhatIf: plans
    /// without the lock and only calls ShouldProcess. Throws <see cref="SyncEngineException"/> when the restore cannot
    /// be planned (no history, a version no longer kept) or start. Returns the totals (null under -WhatIf).
    /// </summary>
    public SyncSummary? Restore(SyncPair pair, History.RestoreOptions restore)
    {
        ThrowIfDisposed();
        if (IsStopped)
        {
            return null;
        }

        if (_options.WhatIf)
        {
            var (source, destination) = PairCredentials.OpenSides(pair);
            var preview = History.SyncRestore.Preview(pair, restore, source, destination);
            foreach (var w in preview.Warnings)
            {
                _host.WriteWarning(w);
            }

            WhatIf(pair, preview.Actions);
            return null;
        }

        _host.WriteVerbose($"Restoring on '{pair.Name}': {pair.Source} -> {pair.Destination}, state folder {pair.ResolvedStatePath}.");
        using var controller = new SyncController();
        using var session = PairCredentials.OpenSession(pair);
        _session = session;
        try
        {
            using var registration = RunRegistry.Register(pair.ResolvedStatePath, pair.Name, _options.RunControl ?? this);
            var plan = History.SyncRestore.Plan(session, restore);
            foreach (var w in plan.Warnings)
            {
                _host.WriteWarning(w);
            }

            return Execute(session, controller, pair, plan.Actions);
        }
        finally
        {
            _session = null;
        }
    }

    /// <summary>The activity id of the watcher's own progress record (idle, batch N, files pending).</summary>
    public const int WatchActivityId = 20;

    /// <summary>
    /// Invoke-Sync -Watch: holds the pair's lock and syncs every change until stopped (Ctrl+C, Stop-Sync, Stop-Job,
    /// or a stop request from another process). Results are written as each batch completes; a batch a guard refuses
    /// is a non-terminating error and the watch goes on; the watcher's state is a progress record of its own.
    /// </summary>
    public void Watch(SyncPair pair)
    {
        ThrowIfDisposed();
        if (IsStopped)
        {
            return;
        }

        var settings = _options.Watch ?? new WatchSettings();
        _host.WriteVerbose($"Watching '{pair.Name}': {pair.Source} -> {pair.Destination}, mode {pair.Mode}, state folder {pair.ResolvedStatePath}.");
        using var controller = new SyncController();
        var options = settings.ToOptions(_options.Force, _options.Reseed, controller,
            e => _dispatcher.Post(() => OnWatchProgress(e)),
            e => _dispatcher.Post(() => OnWatchEvent(pair, e)));
        using var watch = PairCredentials.OpenWatch(pair, options);
        using var registration = RunRegistry.Register(pair.ResolvedStatePath, pair.Name, _options.RunControl ?? this);
        lock (_controlGate)
        {
            _current = controller;
            _currentWatch = watch;
            if (_aborted)
            {
                controller.Abort();
            }
            else if (_stopped)
            {
                controller.Cancel();
            }

            if (_paused)
            {
                controller.Pause();
            }
        }

        try
        {
            _dispatcher.RunInBackground(ct =>
            {
                watch.Run(ct);
                return 0;
            }, _stopPlanning.Token, "SyncEngine watch");
            _dispatcher.Drain();
        }
        catch (OperationCanceledException) when (IsStopped)
        {
        }
        finally
        {
            lock (_controlGate)
            {
                _current = null;
                _currentWatch = null;
            }

            _progress.Complete();
            _host.WriteProgress(new ProgressInfo(WatchActivityId, -1, "Watching " + pair.Name, "stopped") { Completed = true });
        }

        if (watch.StopRequested)
        {
            _host.WriteVerbose($"The watch of '{pair.Name}' was stopped on request; what finished is saved.");
        }
    }

    private bool _batchOpen;

    private void OnWatchProgress(SyncProgressEvent e)
    {
        if (e.Type is SyncEventType.ScanStart or SyncEventType.ScanProgress or SyncEventType.ScanComplete)
        {
            return; // the watcher's record says it is syncing; listings of a batch are short
        }

        OnSyncEvent(e);
    }

    private void OnWatchEvent(SyncPair pair, SyncEngine.Watch.WatchEvent e)
    {
        switch (e.Type)
        {
            case SyncEngine.Watch.WatchEventType.Started:
                _host.WriteVerbose($"Watching '{pair.Name}' ({e.Message}).");
                break;
            case SyncEngine.Watch.WatchEventType.BatchStarted:
                _host.WriteVerbose(e.FullRescan ? $"Batch {e.Batch}: both sides in full ({e.Message})." : $"Batch {e.Batch}: {e.Paths} changed path(s).");
                _progress.BeginSync(pair.Name);
                _batchOpen = true;
                break;
            case SyncEngine.Watch.WatchEventType.BatchCompleted when e.Summary is not null:
                EndBatchProgress();
                _host.WriteVerbose(string.Format(CultureInfo.InvariantCulture, "Batch {0} of '{1}': {2} succeeded, {3} failed, {4} skipped, {5} stale, {6} conflicts.",
                    e.Batch, pair.Name, e.Summary.Succeeded, e.Summary.Failed, e.Summary.Skipped, e.Summary.Stale, e.Summary.Conflicts));
                if (_options.Summary)
                {
                    _host.WriteObject(e.Summary);
                }

                break;
            case SyncEngine.Watch.WatchEventType.BatchRefused:
                EndBatchProgress();
                var refusal = new SyncEngineException(e.ErrorId ?? "SyncMassDeleteGuard", SyncErrorKind.SafetyGuard, e.Message ?? "A safety guard refused the batch.", pair.Name);
                _host.WriteError(ErrorMapping.FromException(refusal, pair.Name)!);
                break;
            case SyncEngine.Watch.WatchEventType.BatchFailed:
                EndBatchProgress();
                _host.WriteWarning(e.Message ?? "A batch could not be planned.");
                break;
            case SyncEngine.Watch.WatchEventType.SideUnavailable:
            case SyncEngine.Watch.WatchEventType.Warning:
                _host.WriteWarning(e.Message ?? e.Type.ToString());
                break;
            case SyncEngine.Watch.WatchEventType.SideAvailable:
            case SyncEngine.Watch.WatchEventType.RescanRequested:
                _host.WriteVerbose(e.Message ?? e.Type.ToString());
                break;
        }

        if (e.Type != SyncEngine.Watch.WatchEventType.Stopped)
        {
            _host.WriteProgress(new ProgressInfo(WatchActivityId, -1, "Watching " + pair.Name, WatchStatus(e)));
        }
    }

    private void EndBatchProgress()
    {
        if (_batchOpen)
        {
            _batchOpen = false;
            _progress.Complete();
        }
    }

    /// <summary>The watcher's status line: idle, batch N, files pending, paused, a side missing.</summary>
    internal static string WatchStatus(SyncEngine.Watch.WatchEvent e)
    {
        var batches = e.Batch == 1 ? "1 batch" : e.Batch.ToString(CultureInfo.InvariantCulture) + " batches";
        return e.State switch
        {
            SyncEngine.Watch.WatchState.Starting => "starting: first full sync",
            SyncEngine.Watch.WatchState.Syncing => "batch " + (e.Type == SyncEngine.Watch.WatchEventType.BatchStarted ? e.Batch : e.Batch + 1).ToString(CultureInfo.InvariantCulture) + ": syncing",
            SyncEngine.Watch.WatchState.Pending => e.Pending.ToString(CultureInfo.InvariantCulture) + " file(s) pending (" + batches + " so far)",
            SyncEngine.Watch.WatchState.Paused => "paused; " + e.Pending.ToString(CultureInfo.InvariantCulture) + " file(s) pending",
            SyncEngine.Watch.WatchState.SideUnavailable => "a side's root is missing: not syncing",
            SyncEngine.Watch.WatchState.Stopped => "stopped",
            _ => "idle (" + batches + " so far)",
        };
    }

    /// <summary>
    /// Invoke-Sync for piped actions: runs exactly these actions, grouped by pair in the order they came, one session
    /// per pair. Each is re-checked before it runs; one whose files changed since it was planned is reported as stale.
    /// </summary>
    public IReadOnlyList<SyncSummary> SyncActions(IEnumerable<SyncAction> actions)
    {
        ThrowIfDisposed();
        var groups = new List<List<SyncAction>>();
        var byPair = new Dictionary<string, List<SyncAction>>(RunRegistry.PathComparer);
        foreach (var action in actions)
        {
            // One session per pair and state folder: the same roots with another -StatePath are another pair's state.
            var key = action.Plan.Pair.Id + "|" + RunRegistry.Normalize(action.Plan.Pair.ResolvedStatePath);
            if (!byPair.TryGetValue(key, out var list))
            {
                list = new List<SyncAction>();
                byPair.Add(key, list);
                groups.Add(list);
            }

            list.Add(action);
        }

        var summaries = new List<SyncSummary>();
        foreach (var group in groups)
        {
            if (IsStopped)
            {
                break;
            }

            var pair = group[0].Plan.Pair;
            if (_options.WhatIf)
            {
                WhatIf(pair, group);
                continue;
            }

            _host.WriteVerbose($"Running {group.Count} piped action(s) of '{pair.Name}': {pair.Source} -> {pair.Destination}.");
            using var controller = new SyncController();
            using var session = PairCredentials.OpenSession(pair);
            _session = session;
            try
            {
                using var registration = RunRegistry.Register(pair.ResolvedStatePath, pair.Name, _options.RunControl ?? this);
                summaries.Add(Execute(session, controller, pair, group));
            }
            finally
            {
                _session = null;
            }
        }

        return summaries;
    }

    /// <summary>Pauses (any thread): running transfers finish, no new ones start. Lasts across the pairs of this pipeline.</summary>
    public void Pause()
    {
        lock (_controlGate)
        {
            _paused = true;
            _current?.Pause();
        }
    }

    /// <summary>Resumes (any thread).</summary>
    public void Resume()
    {
        lock (_controlGate)
        {
            _paused = false;
            _current?.Resume();
        }
    }

    /// <summary>
    /// Resume-Sync -Force (any thread): resumes, and a watch applies the batch a safety guard refused, once, past the
    /// guards (the watch says so in a warning, or that no refused batch was waiting). A single sync only resumes.
    /// </summary>
    public void Force()
    {
        lock (_controlGate)
        {
            Resume();
            _currentWatch?.ReleaseGuard();
        }
    }

    /// <summary>Stops (any thread; Stop-Sync): no new actions start, running ones finish, what finished is saved.</summary>
    public void Stop() => Halt(abort: false);

    /// <summary>
    /// Ctrl+C (any thread): no new actions start and running copies stop at the next chunk, leaving their targets
    /// as they were; what finished is saved.
    /// </summary>
    public void Abort() => Halt(abort: true);

    /// <summary>Stops anything still running and releases the session (lock, journal, temp files).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Abort();
        _disposed = true;
        try
        {
            _session?.Dispose();
        }
        finally
        {
            _session = null;
            _stopPlanning.Dispose();
            _dispatcher.Dispose();
        }
    }

    private void Halt(bool abort)
    {
        lock (_controlGate)
        {
            if (_disposed)
            {
                return;
            }

            _stopped = true;
            _aborted |= abort;
            if (abort)
            {
                _current?.Abort();
            }
            else
            {
                _current?.Cancel();
            }

            _stopPlanning.Cancel();
        }

        _dispatcher.Wake();
    }

    private SyncPlan? PlanOnHelperThread(SyncPair pair, Func<PlanOptions, CancellationToken, SyncPlan> plan)
    {
        var options = new PlanOptions
        {
            IncludeUnchanged = _options.IncludeUnchanged,
            Reseed = _options.Reseed,
            Paths = _options.Paths,
            ConflictHandler = _options.ConflictHandler is null ? null : info => _dispatcher.Invoke(() => DecideConflict(info)),
            Progress = e => _dispatcher.Post(() => _progress.OnScanEvent(e)),
        };
        SyncPlan result;
        _progress.BeginScan(pair.Name);
        try
        {
            result = _dispatcher.RunInBackground(ct => plan(options, ct), _stopPlanning.Token);
        }
        catch (OperationCanceledException) when (IsStopped)
        {
            if (!_host.IsStopping)
            {
                _host.WriteWarning($"The sync of '{pair.Name}' was stopped while planning; nothing was changed.");
            }

            return null;
        }
        finally
        {
            _progress.EndScan();
        }

        foreach (var warning in result.Warnings)
        {
            _host.WriteWarning(warning);
        }

        _host.WriteVerbose(DescribePlan(pair, result));
        return result;
    }

    private ConflictChoice DecideConflict(ConflictInfo info)
    {
        IEnumerable<object?> output;
        try
        {
            output = _options.ConflictHandler!(info).ToList();
        }
        catch (Exception ex) when (!_host.IsStopping && ex is not OperationCanceledException)
        {
            var error = new SyncEngineException(ModuleErrorIds.ConflictHandlerFailed, SyncErrorKind.InvalidArgument,
                $"The conflict handler failed for '{info.RelativePath}': {ex.Message} The file is skipped and stays in conflict.", info.RelativePath, ex);
            _host.WriteError(new ErrorRecordInfo(error.ErrorId, PsErrorCategory.InvalidOperation, error, info.RelativePath));
            return ConflictChoice.Skip;
        }

        var (choice, problem) = ConflictChoiceMapping.Map(output, info.RelativePath);
        if (problem is not null)
        {
            _host.WriteWarning(problem);
        }

        _host.WriteVerbose($"Conflict handler chose {choice} for '{info.RelativePath}'.");
        return choice;
    }

    private void WhatIf(SyncPair pair, IEnumerable<SyncAction> actions)
    {
        var list = actions as IReadOnlyCollection<SyncAction> ?? actions.ToList();
        foreach (var group in list.GroupBy(a => a.Plan))
        {
            foreach (var v in SafetyGuards.Evaluate(group, group.Key, pair.MaxDeletePercent))
            {
                _host.WriteWarning(_options.Force
                    ? "-Force would pass this safety guard: " + v.Message
                    : "Without -WhatIf this run would stop before changing anything: " + v.Message);
            }
        }

        foreach (var action in list)
        {
            if (action.IsMutating)
            {
                // PowerShell answers no under -WhatIf and writes the "What if:" line; nothing is executed either way.
                _host.ShouldProcess(ShouldProcessText.Target(action), ShouldProcessText.Action(action));
            }
        }
    }

    private SyncSummary Execute(SyncSession session, SyncController controller, SyncPair pair, IEnumerable<SyncAction> actions)
    {
        var list = actions as IReadOnlyCollection<SyncAction> ?? actions.ToList();
        if (_options.Force)
        {
            foreach (var v in session.EvaluateGuards(list))
            {
                _host.WriteWarning("Going ahead because -Force was given: " + v.Message);
            }
        }

        _progress.BeginSync(pair.Name);
        try
        {
            var execution = session.BeginExecute(list, new ExecuteOptions
            {
                Force = _options.Force,
                Controller = controller,
                Progress = e => _dispatcher.Post(() => OnSyncEvent(e)),
            });

            // The controller joins the pipeline's pause and stop state only now that the execution listens to it, so a
            // pause made while planning (Suspend-Job) shows in the state folder. Nothing is posted yet.
            lock (_controlGate)
            {
                _current = controller;
                if (_aborted)
                {
                    controller.Abort();
                }
                else if (_stopped)
                {
                    controller.Cancel();
                }

                if (_paused)
                {
                    controller.Pause();
                }
            }

            foreach (var action in list)
            {
                _dispatcher.Drain();
                if (IsStopped)
                {
                    break;
                }

                if (!action.IsMutating)
                {
                    // Unchanged files (state refresh) and unresolved conflicts change nothing: no prompt.
                    execution.Post(action);
                }
                else if (_host.ShouldProcess(ShouldProcessText.Target(action), ShouldProcessText.Action(action)))
                {
                    execution.Post(action);
                }
                else
                {
                    execution.Skip(action, "declined at the confirmation prompt");
                }
            }

            execution.Complete();
            while (!execution.IsFinished)
            {
                _dispatcher.WaitAndDrain(TimeSpan.FromMilliseconds(100));
            }

            var summary = execution.Wait();
            _dispatcher.Drain();
            _host.WriteVerbose(string.Format(CultureInfo.InvariantCulture,
                "'{0}' {1}: {2} succeeded, {3} failed, {4} skipped, {5} stale, {6} conflicts, {7} copied in {8:0.0} s.",
                summary.PairName, summary.Outcome, summary.Succeeded, summary.Failed, summary.Skipped, summary.Stale, summary.Conflicts,
                ProgressReporter.FormatBytes(summary.BytesTransferred), summary.Duration.TotalSeconds));
            if (summary.Cancelled && !_host.IsStopping)
            {
                _host.WriteWarning($"The sync of '{pair.Name}' was stopped before every action ran; what finished is saved, and the next run continues from there.");
            }

            if (_options.Summary)
            {
                _host.WriteObject(summary);
            }

            return summary;
        }
        finally
        {
            lock (_controlGate)
            {
                _current = null;
            }

            _progress.Complete();
        }
    }

    private void OnSyncEvent(SyncProgressEvent e)
    {
        switch (e.Type)
        {
            case SyncEventType.FileStart when e.Action is not null:
                _host.WriteVerbose(ShouldProcessText.Action(e.Action) + ": " + ShouldProcessText.Target(e.Action));
                break;
            case SyncEventType.FileComplete when e.Result is not null:
                OnResult(e.Result);
                break;
            case SyncEventType.Warning when !string.IsNullOrEmpty(e.Message):
                _host.WriteWarning(e.Message!);
                break;
            case SyncEventType.Paused:
                _host.WriteVerbose("Paused: running transfers finish, no new ones start.");
                break;
            case SyncEventType.Resumed:
                _host.WriteVerbose("Resumed.");
                break;
        }

        _progress.OnSyncEvent(e);
    }

    private void OnResult(SyncResult result)
    {
        if (result.Action == SyncActionType.NoAction)
        {
            // Record-only entries refresh the state of unchanged files: bookkeeping the summary does not count, so
            // they are not results. A failure only means the file is looked at again next time.
            if (result.Status == SyncResultStatus.Failed)
            {
                _host.WriteWarning($"The state record of '{result.RelativePath}' was not refreshed: {result.Error}");
            }
            else if (result.Status != SyncResultStatus.Succeeded)
            {
                _host.WriteVerbose($"The state record of '{result.RelativePath}' was not refreshed: {result.Error}");
            }

            return;
        }

        if (!_options.Summary)
        {
            _host.WriteObject(result);
        }

        var target = ShouldProcessText.Target(result.ActionItem);
        switch (result.Status)
        {
            case SyncResultStatus.Failed:
                _host.WriteError(ErrorMapping.FromResult(result));
                break;
            case SyncResultStatus.Stale:
                _host.WriteWarning($"Not applied, the files changed after the plan was made: {ShouldProcessText.Action(result.ActionItem)} {target}: {result.Error}");
                break;
            case SyncResultStatus.Skipped when result.Action == SyncActionType.Conflict:
                _host.WriteWarning($"Conflict left unresolved: {target}: {result.ActionItem.Reason}");
                break;
            case SyncResultStatus.Skipped:
                _host.WriteVerbose($"Skipped {target}: {result.Error}");
                break;
        }
    }

    private static string DescribePlan(SyncPair pair, SyncPlan plan)
    {
        int copies = 0, deletes = 0, renames = 0, conflicts = 0;
        foreach (var a in plan.Actions)
        {
            if (ActionFacts.IsUpload(a.Action) || ActionFacts.IsDownload(a.Action))
            {
                copies++;
            }
            else if (ActionFacts.IsDelete(a.Action))
            {
                deletes++;
            }
            else if (ActionFacts.IsRename(a.Action))
            {
                renames++;
            }
            else if (a.Action == SyncActionType.Conflict)
            {
                conflicts++;
            }
        }

        return string.Format(CultureInfo.InvariantCulture,
            "Plan for '{0}': {1} to copy, {2} to delete, {3} to rename, {4} unresolved conflicts ({5} files on the source, {6} on the destination{7}).",
            pair.Name, copies, deletes, renames, conflicts, plan.Info.SourceFileCount, plan.Info.DestinationFileCount,
            plan.Info.IsInitialSync ? ", first sync" : "");
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new ObjectDisposedException(nameof(SyncPipeline));
        }
    }
}
