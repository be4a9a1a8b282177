using System;
using System.Management.Automation;
using SyncEngine.Control;
using SyncEngine.PowerShell.Completers;
using SyncEngine.PowerShell.Jobs;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// Base of Suspend-Sync, Resume-Sync and Stop-Sync: finds the run of a pair (by -Pair, -StatePath, -Name or -Job) in
/// this process, or in another process through the pair's control file, and sends it a request.
/// </summary>
public abstract class SyncControlCommandBase : SyncCmdletBase
{
    /// <summary>Parameter set: by pair object.</summary>
    protected const string PairSet = "Pair";

    /// <summary>Parameter set: by state folder.</summary>
    protected const string StatePathSet = "StatePath";

    /// <summary>Parameter set: by pair name.</summary>
    protected const string NameSet = "Name";

    /// <summary>Parameter set: by job.</summary>
    protected const string JobSet = "Job";

    /// <summary>The pair whose run to reach, from New-SyncPair. Accepts pipeline input.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PairSet, HelpMessage = "A pair from New-SyncPair.")]
    [ValidateNotNull]
    public SyncPair[]? Pair { get; set; }

    /// <summary>
    /// The state folder of the pair whose run to reach (the pair's -StatePath, or its folder under the per-user state
    /// folder). Accepts folder objects from the pipeline (PSPath).
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = StatePathSet, HelpMessage = "The state folder of the pair.")]
    [Alias("PSPath", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string[]? StatePath { get; set; }

    /// <summary>
    /// The name of the pair whose run to reach: a pair named with New-SyncPair -Name in this session, or one whose
    /// state is in the per-user state folder. Wildcards are allowed.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, HelpMessage = "The name of the pair.")]
    [ArgumentCompleter(typeof(PairNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>A job from Invoke-Sync -AsJob. Accepts pipeline input.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = JobSet, HelpMessage = "A job from Invoke-Sync -AsJob.")]
    [ValidateNotNull]
    public SyncJob[]? Job { get; set; }

    /// <summary>Write the pair's status afterwards (a SyncEngine.Control.SyncStatusInfo), or the job with -Job.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The request this cmdlet sends.</summary>
    internal abstract ControlRequest Request { get; }

    /// <summary>The ShouldProcess action text.</summary>
    internal abstract string ActionText { get; }

    /// <summary>Finds the runs and sends the request.</summary>
    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case PairSet:
                foreach (var pair in Pair!)
                {
                    if (pair is not null)
                    {
                        Send(pair.Name, pair.ResolvedStatePath);
                    }
                }

                break;
            case StatePathSet:
                foreach (var path in StatePath!)
                {
                    string resolved;
                    try
                    {
                        resolved = ResolvePath(path, nameof(StatePath));
                    }
                    catch (SyncEngineException ex)
                    {
                        WriteNonTerminating(ex, path);
                        continue;
                    }

                    Send(SyncStatusReader.Read(resolved).PairName, resolved);
                }

                break;
            case NameSet:
                foreach (var name in Name!)
                {
                    var found = PairDirectory.Find(NameMatcher(name));
                    if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                    {
                        WriteErrorInfo(PairDirectory.NameNotFoundError(name));
                    }

                    foreach (var known in found)
                    {
                        Send(known.Name, known.StatePath);
                    }
                }

                break;
            case JobSet:
                foreach (var job in Job!)
                {
                    if (job is not null)
                    {
                        SendToJob(job);
                    }
                }

                break;
        }
    }

    private void Send(string name, string statePath)
    {
        var shown = string.IsNullOrEmpty(name) ? statePath : name;
        if (!ShouldProcess($"{shown} (state folder {statePath})", ActionText))
        {
            return;
        }

        ControlOutcome outcome;
        try
        {
            outcome = RunControl.Request(statePath, Request);
        }
        catch (SyncEngineException ex)
        {
            WriteNonTerminating(ex, shown);
            return;
        }

        switch (outcome)
        {
            case ControlOutcome.NotRunning:
                WriteErrorInfo(RunControl.NotRunningError(shown, statePath, Request));
                return;
            case ControlOutcome.InProcess:
                WriteVerbose($"{ActionText}: the run of '{shown}' in this process took the request.");
                break;
            default:
                WriteVerbose($"{ActionText}: the request was written to the control file of '{shown}'; the run in the other process applies it within a second.");
                break;
        }

        if (PassThru)
        {
            Func<SyncRunState, bool> expected = Request switch
            {
                ControlRequest.Pause => s => s != SyncRunState.Running,
                ControlRequest.Resume or ControlRequest.Force => s => s != SyncRunState.Paused,
                _ => _ => true,
            };
            WriteObject(PairStatus.WaitFor(name, statePath, expected, TimeSpan.FromSeconds(outcome == ControlOutcome.OtherProcess ? 2 : 0)));
        }
    }

    private void SendToJob(SyncJob job)
    {
        var state = job.JobStateInfo.State;
        var applicable = Request switch
        {
            ControlRequest.Pause => state == JobState.Running,
            ControlRequest.Resume => state is JobState.Suspended or JobState.Suspending,
            ControlRequest.Force => state is JobState.Running or JobState.Suspended or JobState.Suspending,
            _ => state is JobState.Running or JobState.Suspended or JobState.Suspending or JobState.NotStarted,
        };
        if (!ShouldProcess($"job {job.Id} '{job.Name}' ({job.Pairs})", ActionText))
        {
            return;
        }

        if (!applicable)
        {
            WriteErrorInfo(RunControl.NotRunningError($"job {job.Id} ({job.Pairs}, {state})", "-", Request));
            return;
        }

        switch (Request)
        {
            case ControlRequest.Pause:
                job.SuspendJob();
                break;
            case ControlRequest.Resume:
                job.ResumeJob();
                break;
            case ControlRequest.Force:
                job.ForceJob();
                break;
            default:
                // Like a run in another process: the request is made and Stop-Sync returns; Stop-Job waits.
                job.RequestStop();
                break;
        }

        if (PassThru)
        {
            WriteObject(job);
        }
    }
}
