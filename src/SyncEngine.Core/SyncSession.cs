using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SyncEngine.Control;
using SyncEngine.Execution;
using SyncEngine.Ignore;
using SyncEngine.Planning;
using SyncEngine.Scanning;
using SyncEngine.State;
using SyncEngine.Storage;

namespace SyncEngine;

/// <summary>
/// One run of a pair: holds the pair's lock and state, plans, checks the guards, executes, and records.
/// Front ends use it as: <c>Open</c> → <c>Plan</c> → <c>BeginExecute</c> → <c>Post</c>… → <c>Complete</c> → <c>Wait</c> → <c>Dispose</c>.
/// </summary>
public sealed class SyncSession : IDisposable
{
    private readonly PairLock _lock;
    private readonly StateLoad _load;
    private readonly List<string> _warnings = new();
    private readonly CancellationTokenSource _stopRequested = new();
    private readonly Timer _controlPoll;
    private string? _lastControlId;
    private bool _pausedByRequest;
    private int _forceRequested;
    private SyncExecution? _execution;
    private bool _disposed;

    /// <summary>The clock the run id and the trash retention read (tests pass a fake one).</summary>
    internal Func<DateTime> UtcNow { get; private init; } = static () => DateTime.UtcNow;

    private SyncSession(SyncPair pair, string stateDir, IStorageProvider source, IStorageProvider destination, PairLock pairLock, StateLoad load, string runId, TemporaryNames tempNames)
    {
        Pair = pair;
        StateDir = stateDir;
        Source = source;
        Destination = destination;
        _lock = pairLock;
        _load = load;
        RunId = runId;
        TempNames = tempNames;
        State = load.State ?? new PairState(pair.Id, pair.Source, pair.Destination);
        if (load.Warning is not null)
        {
            _warnings.Add(load.Warning);
        }

        // Requests through the control file count from the moment the pair is locked, so a pause or stop sent
        // while this run is still listing or planning is not lost.
        _lastControlId = ControlFile.Read(StateDir)?.Id;
        _controlPoll = new Timer(_ => PollControl(), null, 200, 200);
    }

    private void PollControl()
    {
        (string Id, ControlRequest Request)? request;
        try
        {
            request = ControlFile.Read(StateDir);
        }
        catch (SyncEngineException)
        {
            return; // not a regular file any more (refused when the run started): no request can be read from it
        }

        if (request is null || string.Equals(request.Value.Id, _lastControlId, StringComparison.Ordinal))
        {
            return;
        }

        _lastControlId = request.Value.Id;
        var controller = _execution?.Controller;
        switch (request.Value.Request)
        {
            case ControlRequest.Pause:
                _pausedByRequest = true;
                controller?.Pause();
                _lock.SetPaused(true);
                break;
            case ControlRequest.Resume:
            case ControlRequest.Force:
                if (request.Value.Request == ControlRequest.Force)
                {
                    Interlocked.Exchange(ref _forceRequested, 1);
                }

                _pausedByRequest = false;
                controller?.Resume();
                _lock.SetPaused(false);
                break;
            case ControlRequest.Stop:
                _stopRequested.Cancel();
                controller?.Cancel();
                break;
        }
    }

    /// <summary>True once another process asked this run to stop (through the control file).</summary>
    public bool StopRequested => _stopRequested.IsCancellationRequested;

    /// <summary>The pair.</summary>
    public SyncPair Pair { get; }

    /// <summary>Identifies this run; also the name of its trash folders. A watch gives each batch its own.</summary>
    public string RunId { get; private set; }

    /// <summary>Warnings so far (unreadable state, …).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    internal IStorageProvider Source { get; }

    internal IStorageProvider Destination { get; }

    internal PairState State { get; }

    internal bool HadState => _load.State is not null || _batchesDone > 0;

    /// <summary>True once per force request from another process (<c>syncengine resume --force</c>); reading it clears it.</summary>
    internal bool TakeForceRequest() => Interlocked.Exchange(ref _forceRequested, 0) == 1;

    /// <summary>True while another process asked this session to pause (through the control file).</summary>
    internal bool PausedByRequest => _pausedByRequest;

    /// <summary>Batches this session executed and recorded (<see cref="EndBatch"/>); a watch runs many.</summary>
    private int _batchesDone;

    /// <summary>The state folder this session locked and loaded (resolved once: the control poll and saves use it as is).</summary>
    internal string StateDir { get; }

    internal PairLock Lock => _lock;

    /// <summary>The names of this run's temporary files and the leftovers of interrupted runs it may remove.</summary>
    internal TemporaryNames TempNames { get; }

    /// <summary>True once this session listed both sides itself, so every leftover it could find was queued for clean-up.</summary>
    internal bool ListedBothSides { get; private set; }

    /// <summary>
    /// Validates the pair, takes its lock and loads its state. Throws <see cref="SyncEngineException"/>: bad roots
    /// (InvalidArgument/NotFound), lock held (ResourceBusy), state from a newer version or another pair (InvalidState).
    /// </summary>
    public static SyncSession Open(SyncPair pair, IStorageProvider? source = null, IStorageProvider? destination = null) =>
        Open(pair, source, destination, static () => DateTime.UtcNow);

    /// <summary>As <see cref="Open(SyncPair, IStorageProvider?, IStorageProvider?)"/>, with the clock the run id is read from (tests pass a fake one).</summary>
    internal static SyncSession Open(SyncPair pair, IStorageProvider? source, IStorageProvider? destination, Func<DateTime> utcNow)
    {
        if (source is null || destination is null)
        {
            pair.Validate();
        }
        else
        {
            pair.ValidateOptions();
        }

        pair.AdoptLegacyStateFolder();

        (source, destination) = OpenSides(pair, source, destination);
        var runId = TrashNames.NewRunId(utcNow());
        var stateDir = pair.ResolvedStatePath;
        var pairLock = PairLock.Acquire(stateDir, pair.Name, runId);
        try
        {
            StateStore.RemoveLeftovers(stateDir);
            var load = StateStore.Load(stateDir, pair);
            var tempNames = UseTemporaryNames(pair, stateDir, source, destination);
            return new SyncSession(pair, stateDir, source, destination, pairLock, load, runId, tempNames) { UtcNow = utcNow };
        }
        catch
        {
            pairLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The given providers, or the ones the pair's roots name (<see cref="ProviderFactory.Open"/>, with the pair's
    /// side options). A remote side connects on first use, not here.
    /// </summary>
    internal static (IStorageProvider Source, IStorageProvider Destination) OpenSides(SyncPair pair, IStorageProvider? source, IStorageProvider? destination)
    {
        var ownSource = source is null;
        source ??= ProviderFactory.Open(pair.SourceSpec, pair.SourceOptions);
        try
        {
            destination ??= ProviderFactory.Open(pair.DestinationSpec, pair.DestinationOptions);
        }
        catch
        {
            if (ownSource)
            {
                source.Dispose();
            }

            throw;
        }

        return (source, destination);
    }

    /// <summary>
    /// Tells both sides how this run names its temporary files and which names the pair's record says interrupted
    /// runs left (<see cref="TempRecord"/>): only those are left out of listings and removed.
    /// </summary>
    internal static TemporaryNames UseTemporaryNames(SyncPair pair, string stateDir, IStorageProvider source, IStorageProvider destination)
    {
        var names = new TemporaryNames(TemporaryNames.PairTagOf(pair.Id), TemporaryNames.NewRunTag(), TempRecord.Read(stateDir));
        (source as ITemporaryFileNaming)?.UseTemporaryNames(names);
        (destination as ITemporaryFileNaming)?.UseTemporaryNames(names);
        return names;
    }

    /// <summary>Scans both sides and plans. Changes nothing.</summary>
    public SyncPlan Plan(PlanOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        options ??= new PlanOptions();
        options.Validate();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopRequested.Token);
        var scope = options.Paths is null ? null : new Watch.WatchScope(SubtreePaths.Normalize(options.Paths));
        var plan = SyncPlanner.PlanWith(Pair, Source, Destination, HadState ? State : null, _load.Unreadable && _batchesDone == 0, _batchesDone == 0 ? _warnings : new List<string>(), options, linked.Token, scope);
        ListedBothSides |= scope is null;
        return plan;
    }

    /// <summary>
    /// Plans only the paths <paramref name="scope"/> covers (a watch's dirty paths): both sides are listed only there,
    /// and every other tracked path counts as unchanged on both sides. The planner, its rename pairing and the case
    /// rules are the same as for a full plan.
    /// </summary>
    internal SyncPlan PlanScoped(Watch.WatchScope scope, PlanOptions? options, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopRequested.Token);
        var warnings = new List<string>();
        return SyncPlanner.PlanWith(Pair, Source, Destination, HadState ? State : null, _load.Unreadable && _batchesDone == 0, warnings, options ?? new PlanOptions(), linked.Token, scope);
    }

    /// <summary>
    /// Ends the batch executed last (a watch runs one after another in one session): waits for its workers, writes
    /// the state (its journal is already on disk), and lets the next <see cref="BeginExecute"/> start with a run id of
    /// its own (its trash folder). A failed save costs nothing: the journal holds every completed action.
    /// </summary>
    internal void EndBatch()
    {
        ThrowIfDisposed();
        var execution = _execution;
        if (execution is null)
        {
            return;
        }

        try
        {
            execution.Shutdown();
            lock (State)
            {
                StateStore.Save(StateDir, State, Pair);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The journal still holds every completed action; the next save or run replays it.
        }
        finally
        {
            execution.DisposeJournal();
            _execution = null;
            _batchesDone++;
            RunId = TrashNames.NewRunId(DateTime.UtcNow);
        }
    }

    /// <summary>The guard violations for executing these actions (empty when the run may go ahead).</summary>
    public IReadOnlyList<GuardViolation> EvaluateGuards(IEnumerable<SyncAction> actions)
    {
        var result = new List<GuardViolation>();
        foreach (var group in actions.GroupBy(a => a.Plan))
        {
            result.AddRange(SafetyGuards.Evaluate(group, group.Key, Pair.MaxDeletePercent));
        }

        return result;
    }

    /// <summary>
    /// Checks the guards over every action that may run, then starts the workers. Nothing runs until actions are
    /// posted. Throws <see cref="SyncEngineException"/> (SafetyGuard) when a guard trips and <see cref="ExecuteOptions.Force"/> is off;
    /// throws InvalidArgument when an action belongs to another pair.
    /// </summary>
    public SyncExecution BeginExecute(IReadOnlyCollection<SyncAction> planned, ExecuteOptions? options = null)
    {
        ThrowIfDisposed();
        if (_execution is not null)
        {
            throw new InvalidOperationException("This session has already executed.");
        }

        options ??= new ExecuteOptions();
        // A pair's id resolves both roots on disk (real paths): computed once per distinct pair object, not per action.
        var id = Pair.Id;
        SyncPair? sameId = null;
        foreach (var a in planned)
        {
            var from = a.Plan.Pair;
            if (ReferenceEquals(from, Pair) || ReferenceEquals(from, sameId))
            {
                continue;
            }

            if (string.Equals(from.Id, id, StringComparison.Ordinal))
            {
                sameId = from;
            }
            else
            {
                throw new SyncEngineException("SyncActionFromAnotherPair", SyncErrorKind.InvalidArgument,
                    $"The action '{a}' was planned for pair '{a.PairName}' ({a.Plan.Pair.Source} -> {a.Plan.Pair.Destination}), not for '{Pair.Name}'.", a.RelativePath);
            }
        }

        if (!options.Force)
        {
            var violations = EvaluateGuards(planned);
            if (violations.Count > 0)
            {
                RecordOutcome("Refused", 0, 0, 0);
                throw new SyncEngineException(violations[0].ErrorId, SyncErrorKind.SafetyGuard, string.Join(Environment.NewLine, violations.Select(v => v.Message)), Pair.Name);
            }
        }

        if (planned.Any(a => a.Plan.IsReseed))
        {
            // A re-seed was planned without the state: start it afresh (on disk, before anything runs), so that an
            // interruption leaves a state that knows only what this run completed and the next run merges the rest.
            lock (State)
            {
                State.Records.Clear();
                State.Dirty = true;
                State.TreesOnDisk = false;
                StateStore.Save(StateDir, State, Pair);
            }
        }

        _execution = new SyncExecution(this, planned, options);
        if (_pausedByRequest)
        {
            _execution.Controller.Pause();
        }

        if (_stopRequested.IsCancellationRequested)
        {
            _execution.Controller.Cancel();
        }

        return _execution;
    }

    /// <summary>Plans and executes everything in one call (the CLI's <c>sync</c>). Events arrive on worker threads.</summary>
    public SyncSummary Run(PlanOptions? planOptions, ExecuteOptions options, CancellationToken cancellationToken = default)
    {
        var plan = Plan(planOptions, cancellationToken);
        foreach (var w in plan.Warnings)
        {
            options.Progress?.Invoke(new SyncProgressEvent { Type = SyncEventType.Warning, Message = w });
        }

        var exec = BeginExecute(plan.Actions, options);
        foreach (var a in plan.Actions)
        {
            exec.Post(a);
        }

        exec.Complete();
        return exec.Wait(cancellationToken);
    }

    internal void RecordOutcome(string outcome, int ok, int failed, int skipped)
    {
        lock (State)
        {
            State.LastRunUtc = DateTime.UtcNow;
            State.LastOutcome = outcome;
            State.LastSucceeded = ok;
            State.LastFailed = failed;
            State.LastSkipped = skipped;
        }
    }

    /// <summary>Writes the snapshot (old state + what finished), empties the journal, cleans up and releases the lock.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _controlPoll.Dispose();
        try
        {
            _execution?.Shutdown();
            if (_execution is not null || State.LastOutcome is not null)
            {
                lock (State)
                {
                    StateStore.Save(StateDir, State, Pair);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The journal still holds every completed action; the next run replays it.
        }
        finally
        {
            _execution?.DisposeJournal();
            _stopRequested.Dispose();
            Source.Dispose();
            Destination.Dispose();
            _lock.Dispose();
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new ObjectDisposedException(nameof(SyncSession));
        }
    }
}

/// <summary>Plans without taking the pair's lock (Get-SyncPlan, <c>syncengine plan</c>): reads the state, changes nothing.</summary>
public static class SyncPlanner
{
    /// <summary>Validates the pair, reads its state and plans.</summary>
    public static SyncPlan Plan(SyncPair pair, PlanOptions? options = null, CancellationToken cancellationToken = default) =>
        Plan(pair, null, null, options, cancellationToken);

    /// <summary>
    /// As <see cref="Plan(SyncPair, PlanOptions?, CancellationToken)"/>, on the providers given for the sides that
    /// have one (a front end that opens a remote side itself, with a credential only it holds); a null side is opened
    /// from the pair. The planner disposes the given providers, also when it throws.
    /// </summary>
    public static SyncPlan Plan(SyncPair pair, IStorageProvider? source, IStorageProvider? destination, PlanOptions? options, CancellationToken cancellationToken = default)
    {
        IStorageProvider src;
        IStorageProvider dst;
        options ??= new PlanOptions();
        try
        {
            options.Validate();
            pair.Validate();
            (src, dst) = SyncSession.OpenSides(pair, source, destination);
        }
        catch
        {
            source?.Dispose();
            destination?.Dispose();
            throw;
        }

        using (src)
        using (dst)
        {
            var load = Directory.Exists(pair.ResolvedStatePath) ? StateStore.Load(pair.ResolvedStatePath, pair) : new StateLoad();
            SyncSession.UseTemporaryNames(pair, pair.ResolvedStatePath, src, dst);
            var warnings = new List<string>();
            if (load.Warning is not null)
            {
                warnings.Add(load.Warning);
            }

            var scope = options.Paths is null ? null : new Watch.WatchScope(SubtreePaths.Normalize(options.Paths));
            return PlanWith(pair, src, dst, load.State, load.Unreadable, warnings, options, cancellationToken, scope);
        }
    }

    internal static SyncPlan PlanWith(SyncPair pair, IStorageProvider src, IStorageProvider dst, PairState? state, bool unreadable,
                                      List<string> warnings, PlanOptions options, CancellationToken ct, Watch.WatchScope? scope = null)
    {
        if (!src.RootExists())
        {
            throw new SyncEngineException("SyncRootNotFound", SyncErrorKind.NotFound, $"The source folder '{src.Root}' does not exist.", src.Root);
        }

        var rules = pair.IgnoreFileOnSource
            ? IgnoreRules.FromText(ReadIgnoreFile(pair, src), pair.ResolvedIgnoreFile, pair.IgnorePatterns)
            : IgnoreRules.Load(File.Exists(pair.ResolvedIgnoreFile) ? pair.ResolvedIgnoreFile : null, pair.IgnorePatterns);
        var issues = new List<ScanIssue>();
        void OnIssue(ScanIssue i)
        {
            lock (issues)
            {
                issues.Add(i);
            }
        }

        if (options.Reseed)
        {
            state = null; // a first sync: nothing the state says counts, not even "unchanged"
            unreadable = false;
        }

        var progress = options.Progress;
        var epoch = state?.NextEpoch() ?? 0;
        var destinationScan = Task.Run(() => Scanner.Scan(dst, SyncSide.Destination, rules, state, epoch, OnIssue, progress, ct, scope), ct);
        var s = Scanner.Scan(src, SyncSide.Source, rules, state, epoch, OnIssue, progress, ct, scope);
        SideScan d;
        try
        {
            d = destinationScan.GetAwaiter().GetResult();
        }
        catch (AggregateException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }

        s.ApplyCompletedTags();
        d.ApplyCompletedTags();
        if (scope is not null && state is not null)
        {
            // Outside the dirty paths nothing changed (the change feeds would have said so): every other tracked path
            // counts as found unchanged on both sides, and in the sides' file counts (which the guards read).
            var outside = 0;
            foreach (var rec in state.Records.Values)
            {
                if (!scope.Covers(rec.Key))
                {
                    rec.SourceSeen = (ushort)epoch;
                    rec.DestinationSeen = (ushort)epoch;
                    outside++;
                }
            }

            s.Count += s.RootExists ? outside : 0;
            d.Count += d.RootExists ? outside : 0;
        }

        var planWarnings = new List<string>(warnings);
        var info = new SyncPlanInfo(pair, Guid.NewGuid(), DateTime.UtcNow, s.Count, d.Count, state is null)
        {
            TrackedFileCount = state?.Records.Count ?? 0,
            DestinationRootMissing = !d.RootExists,
            IsReseed = options.Reseed,
        };
        if (state is null && !options.Reseed && pair.Mode == SyncMode.TwoWay && pair.InitialSyncPreference == InitialSyncPreference.Merge)
        {
            var (big, small, bigName, smallName) = s.Count >= d.Count
                ? (s.Count, d.Count, "Source", "destination")
                : (d.Count, s.Count, "Destination", "source");
            if (big >= 10 && small * 4 <= big)
            {
                planWarnings.Add($"{bigName} has {big} files but {smallName} has only {small}. This first TwoWay sync merges (copies both ways, deletes nothing). To make one side authoritative and delete the other's extra files, choose the initial sync preference {bigName}Wins (syncengine --initial {bigName.ToLowerInvariant()}-wins; PowerShell -InitialSyncPreference {bigName}Wins).");
            }
        }

        var planner = new Planner(pair, src, dst, state, unreadable, rules, options, planWarnings, OnIssue, ct);
        var actions = planner.Build(s, d, info);
        foreach (var issue in issues)
        {
            planWarnings.Add("Left out: " + issue);
        }

        return new SyncPlan(info, actions, planWarnings, issues, unreadable);
    }

    /// <summary>The longest rules file read through a provider (a real one is a few KiB).</summary>
    internal const int MaxIgnoreFileBytes = 4 << 20;

    /// <summary>
    /// The text of <c>.syncignore</c> in a remote source, read through its provider (Stat, then OpenRead), or null
    /// when there is none (or it is no regular file). A file that cannot be read throws
    /// <c>SyncIgnoreFileUnreadable</c>: running without its rules could copy or delete what they protect.
    /// </summary>
    internal static string? ReadIgnoreFile(SyncPair pair, IStorageProvider src)
    {
        var name = pair.ResolvedIgnoreFile;
        try
        {
            var entry = src.Stat(SyncPair.IgnoreFileName);
            if (entry is null)
            {
                return null;
            }

            if (entry.Size > MaxIgnoreFileBytes)
            {
                throw new SyncEngineException("SyncIgnoreFileUnreadable", SyncErrorKind.InvalidArgument,
                    $"The ignore file '{name}' is {entry.Size} bytes, more than a rules file holds ({MaxIgnoreFileBytes} at most).", name);
            }

            using var stream = src.OpenRead(SyncPair.IgnoreFileName);
            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return null; // removed between the stat and the read
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SyncEngineException("SyncIgnoreFileUnreadable", SyncErrorKind.PermissionDenied, $"Cannot read ignore file '{name}': {ex.Message}", name, ex);
        }
        catch (IOException ex)
        {
            throw new SyncEngineException("SyncIgnoreFileUnreadable", SyncErrorKind.IOError, $"Cannot read ignore file '{name}': {ex.Message}", name, ex);
        }
    }
}
