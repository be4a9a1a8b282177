using System;
using System.Collections.Generic;
using System.Management.Automation;
using SyncEngine.PowerShell.Completers;
using SyncEngine.PowerShell.Jobs;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Syncs a pair, or runs the SyncAction objects piped to it.</para>
/// <para type="description">
/// Invoke-Sync takes the pair's lock, plans, checks the safety guards and applies the changes, writing one
/// SyncEngine.SyncResult per action as it completes (or one SyncEngine.SyncSummary with -Summary). Every change is
/// offered to ShouldProcess before it starts: -WhatIf lists every change and changes nothing (no lock is taken and no
/// state is written); -Confirm asks per change, with Yes to All and No to All. Piped SyncAction objects (from
/// Get-SyncPlan, filtered as you like) run exactly as given; one whose files changed since it was planned is reported
/// as Stale, with a warning, and not applied. A failed action is a non-terminating error (its ErrorId, for example
/// SyncCopyFailed, and the relative path as target); a run that cannot start (missing root, pair locked by another
/// run, safety guard tripped) is a terminating error. Ctrl+C stops cleanly: running transfers finish, what finished
/// is saved, the lock is released.
/// </para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Sync", DefaultParameterSetName = PairSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SyncResult), typeof(SyncSummary), typeof(SyncJob))]
public sealed class InvokeSyncCommand : PairCommandBase, IDisposable
{
    private const string PairSet = "Pair";
    private const string ActionSet = "Action";

    private readonly List<SyncAction> _actions = new();
    private readonly List<SyncPair> _jobPairs = new();
    private SyncPipeline? _pipeline;

    /// <summary>The pair to sync, from New-SyncPair. Accepts pipeline input; several piped pairs are synced one after another.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PairSet, HelpMessage = "A pair from New-SyncPair.")]
    [ValidateNotNull]
    public SyncPair? Pair { get; set; }

    /// <summary>
    /// Actions to run, from Get-SyncPlan (usually piped, after filtering). Exactly these run, grouped by pair, after
    /// all input has arrived. Each is re-checked first: one whose files changed since planning is reported as Stale.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ActionSet, HelpMessage = "SyncAction objects from Get-SyncPlan.")]
    [ValidateNotNull]
    public SyncAction[]? InputObject { get; set; }

    /// <summary>
    /// For pairs with -ConflictResolution Manual: a scriptblock that decides each conflict while planning. It receives a
    /// SyncEngine.ConflictInfo as $_ and as its first argument and returns 'Source', 'Destination', 'KeepBoth' or
    /// 'Skip' (or a SyncEngine.ConflictChoice). Anything else, nothing, or an error skips the file, which stays in conflict.
    /// </summary>
    [Parameter(ParameterSetName = PairSet)]
    [Parameter(ParameterSetName = InlineSet)]
    public ScriptBlock? ConflictHandler { get; set; }

    /// <summary>
    /// Go ahead although a safety guard trips: the sync would delete more than -MaxDeletePercent of a side, or a side
    /// is empty while the last sync recorded files there (an unmounted drive looks like that). A warning still names
    /// the guard. Does not suppress -Confirm prompts.
    /// </summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>
    /// Re-seed: plan and sync as a first sync that merges, whatever the pair's state says, deleting nothing on either
    /// side. This is the way to say "the other side is gone, copy everything back" (a lost or replaced drive); -Force
    /// instead goes ahead with the plan, in which the files the state recorded on the missing side count as deleted.
    /// </summary>
    [Parameter(ParameterSetName = PairSet)]
    [Parameter(ParameterSetName = InlineSet)]
    public SwitchParameter Reseed { get; set; }

    /// <summary>
    /// Sync only these subtrees: paths relative to the pair's roots (not to the current location), each a file or a
    /// folder, such as 'docs/reports'. Both sides are listed only there; the rest of the tree and its recorded state are
    /// left as they were, for the next full sync. An absolute path, one with '..', or one inside .syncengine is an
    /// error (SyncInvalidPath) naming it, before anything starts. Cannot be combined with -Watch or -Reseed.
    /// </summary>
    [Parameter(ParameterSetName = PairSet)]
    [Parameter(ParameterSetName = InlineSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>Write one SyncEngine.SyncSummary per pair (totals and outcome) instead of a SyncResult per action. Errors and warnings are still written.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    /// <summary>
    /// Run in the background and return a job at once. Receive-Job returns the results; Suspend-Sync -Job/Resume-Sync -Job pause
    /// and resume; Stop-Job stops. Cannot be combined with -WhatIf, -Confirm or -ConflictHandler (a job cannot prompt
    /// or run script).
    /// </summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    /// <summary>
    /// Keep syncing: after one full sync, every change on either side is synced as it comes, until Ctrl+C, Stop-Sync,
    /// Stop-Job or a stop request from another process (syncengine stop). Changes are collected until none came for
    /// -Debounce (or for -MaxDelay at most) and synced as one batch planned over the changed paths only; both sides
    /// are listed in full every -RescanInterval. Results stream as each batch completes, so
    /// Invoke-Sync -Watch | ForEach-Object { ... } reacts to every change. A batch a safety guard refuses is a
    /// non-terminating error (the delete guard counts the deletions of the last hour) and the watch goes on; a missing
    /// root stops all syncing, with a warning, until it is back. One pair per watch; with -AsJob, one job per pair.
    /// </summary>
    [Parameter(ParameterSetName = PairSet)]
    [Parameter(ParameterSetName = InlineSet)]
    public SwitchParameter Watch { get; set; }

    /// <summary>
    /// With -Watch: the quiet period, the time with no new change after which a batch starts (default 2 seconds).
    /// A TimeSpan, a number of seconds, or text such as 200ms, 2s, 1m.
    /// </summary>
    [Parameter(ParameterSetName = PairSet)]
    [Parameter(ParameterSetName = InlineSet)]
    [DurationTransformation]
    public TimeSpan? Debounce { get; set; }

    /// <summary>
    /// With -Watch: the longest a change waits while more keep coming (default 10 seconds, and at least -Debounce).
    /// A TimeSpan, a number of seconds, or text such as 10s.
    /// </summary>
    [Parameter(ParameterSetName = PairSet)]
    [Parameter(ParameterSetName = InlineSet)]
    [DurationTransformation]
    public TimeSpan? MaxDelay { get; set; }

    /// <summary>
    /// With -Watch: how often both sides are listed in full, whatever the change events said (default 10 minutes;
    /// at least 1 second). A TimeSpan, a number of seconds, or text such as 10m, 1h.
    /// </summary>
    [Parameter(ParameterSetName = PairSet)]
    [Parameter(ParameterSetName = InlineSet)]
    [DurationTransformation]
    public TimeSpan? RescanInterval { get; set; }

    private int _watchPairs;

    /// <summary>Checks the switches and prepares the pipeline.</summary>
    protected override void BeginProcessing()
    {
        CheckWatchParameters();
        if (AsJob)
        {
            if (IsWhatIf() || IsConfirmRequested())
            {
                ThrowTerminatingError(ToErrorRecord(new ErrorRecordInfo(ModuleErrorIds.AsJobCannotPrompt, PsErrorCategory.InvalidArgument,
                    new SyncEngineException(ModuleErrorIds.AsJobCannotPrompt, SyncErrorKind.InvalidArgument,
                        "-AsJob cannot be combined with -WhatIf or -Confirm: a job cannot prompt. Run Invoke-Sync -WhatIf (without -AsJob) to see what would change.", "AsJob"),
                    "AsJob")));
            }

            if (ConflictHandler is not null)
            {
                ThrowTerminatingError(ToErrorRecord(new ErrorRecordInfo(ModuleErrorIds.AsJobConflictHandler, PsErrorCategory.InvalidArgument,
                    new SyncEngineException(ModuleErrorIds.AsJobConflictHandler, SyncErrorKind.InvalidArgument,
                        "-AsJob cannot be combined with -ConflictHandler: a job has no runspace to run the scriptblock in. Resolve conflicts with Get-SyncPlan -ConflictHandler and pipe the plan to Invoke-Sync -AsJob.", "ConflictHandler"),
                    "ConflictHandler")));
            }

            return;
        }

        _pipeline = new SyncPipeline(this, Options());
    }

    /// <summary>Syncs each pair as it arrives; collects piped actions (they run in EndProcessing).</summary>
    protected override void ProcessRecord()
    {
        if (ParameterSetName == ActionSet)
        {
            foreach (var action in InputObject!)
            {
                if (action is not null)
                {
                    _actions.Add(action);
                }
            }

            return;
        }

        SyncPair pair;
        try
        {
            pair = ParameterSetName == PairSet ? Pair! : BuildInlinePair();
        }
        catch (SyncEngineException ex)
        {
            ThrowTerminating(ex);
            return;
        }

        if (Watch && ++_watchPairs > 1)
        {
            WriteError(ToErrorRecord(new ErrorRecordInfo(ModuleErrorIds.WatchOnePair, PsErrorCategory.InvalidArgument,
                new SyncEngineException(ModuleErrorIds.WatchOnePair, SyncErrorKind.InvalidArgument,
                    $"-Watch watches one pair; '{pair.Name}' is not watched. Start one Invoke-Sync -Watch -AsJob per pair.", pair.Name), pair.Name)));
            return;
        }

        if (AsJob)
        {
            _jobPairs.Add(pair);
            return;
        }

        Run(() =>
        {
            if (Watch)
            {
                _pipeline!.Watch(pair);
            }
            else
            {
                _pipeline!.Sync(pair);
            }
        }, pair.Name);
    }

    /// <summary>Runs the collected actions, or starts the job.</summary>
    protected override void EndProcessing()
    {
        if (AsJob)
        {
            if (_jobPairs.Count == 0 && _actions.Count == 0)
            {
                return;
            }

            var work = new SyncWork(_jobPairs.ToArray(), _actions.ToArray());
            var job = new SyncJob(MyInvocation.Line ?? "Invoke-Sync -AsJob", null, work, Options());
            JobManager.NewJob(new JobInvocationInfo(
                new JobDefinition(typeof(SyncJobSourceAdapter), job.Command, job.Name),
                new Dictionary<string, object> { ["NewJob"] = job }));
            job.StartJob();
            WriteObject(job);
            return;
        }

        if (_actions.Count > 0)
        {
            Run(() => _pipeline!.SyncActions(_actions), null);
        }
    }

    /// <summary>Ctrl+C: no new actions start, running copies stop at the next chunk (their targets left as they were), what finished is saved.</summary>
    protected override void StopProcessing() => _pipeline?.Abort();

    /// <summary>Releases the session (lock, journal) even when EndProcessing did not run.</summary>
    public void Dispose()
    {
        _pipeline?.Dispose();
        _pipeline = null;
    }

    private SyncPipelineOptions Options() => new()
    {
        WhatIf = !AsJob && IsWhatIf(),
        Force = Force.IsPresent,
        Reseed = Reseed.IsPresent,
        Paths = Path,
        Summary = Summary.IsPresent,
        ConflictHandler = ConflictHandler is null ? null : ConflictHandlerFrom(ConflictHandler),
        Watch = Watch ? Settings() : null,
    };

    private WatchSettings Settings() => new() { Debounce = Debounce, MaxDelay = MaxDelay, RescanInterval = RescanInterval };

    /// <summary>-Watch's parameters: checked before anything starts (also before a job starts), errors naming the parameter.</summary>
    private void CheckWatchParameters()
    {
        string? problem = null, target = null;
        if (!Watch)
        {
            target = Debounce is not null ? "Debounce" : MaxDelay is not null ? "MaxDelay" : RescanInterval is not null ? "RescanInterval" : null;
            if (target is not null)
            {
                problem = $"-{target} applies only with -Watch.";
            }
        }
        else if (IsWhatIf() || IsConfirmRequested())
        {
            (problem, target) = ("-Watch cannot be combined with -WhatIf or -Confirm: a watch changes files as they change, without asking. See what a sync would do with Get-SyncPlan or Invoke-Sync -WhatIf.", "Watch");
        }
        else if (Path is not null)
        {
            (problem, target) = ("-Watch cannot be combined with -Path: a watch keeps the whole pair in sync. Sync one subtree with Invoke-Sync -Path (without -Watch).", "Path");
        }
        else if (ConflictHandler is not null)
        {
            (problem, target) = ("-Watch cannot be combined with -ConflictHandler: conflicts found while watching follow the pair's -ConflictResolution (Manual reports and skips them).", "ConflictHandler");
        }

        if (problem is not null)
        {
            ThrowTerminatingError(ToErrorRecord(new ErrorRecordInfo(ModuleErrorIds.WatchInvalidCombination, PsErrorCategory.InvalidArgument,
                new SyncEngineException(ModuleErrorIds.WatchInvalidCombination, SyncErrorKind.InvalidArgument, problem, target), target)));
        }

        if (Watch)
        {
            try
            {
                Settings().ToOptions(Force, Reseed).Validate();
            }
            catch (SyncEngineException ex)
            {
                ThrowTerminating(ex, ex.Target);
            }
        }

        CheckPaths(Path, Reseed);
    }

    private void Run(Action run, object? target)
    {
        try
        {
            run();
        }
        catch (OperationCanceledException) when (Stopping)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ErrorMapping.FromException(ex) is not null)
        {
            ThrowTerminating(ex, target);
        }
    }
}
