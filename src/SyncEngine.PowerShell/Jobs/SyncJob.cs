using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using SyncEngine.PowerShell.Commands;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Jobs;

/// <summary>
/// The job <c>Invoke-Sync -AsJob</c> returns. It runs on a thread of its own; Receive-Job returns its results,
/// warnings, errors and progress; Suspend-Sync -Job and Resume-Sync -Job (on Windows also Suspend-Job and Resume-Job) pause and resume the run (running transfers finish,
/// no new ones start); Stop-Job stops it and keeps what finished. Suspend-Sync, Resume-Sync and Stop-Sync reach it too.
/// </summary>
public sealed class SyncJob : Job2, IRunControl
{
    private readonly JobRunner _runner;
    private readonly string _pairs;
    private readonly object _gate = new();
    private Thread? _thread;

    internal SyncJob(string command, string? name, SyncWork work, SyncPipelineOptions options)
        : base(command, name)
    {
        _runner = new JobRunner(work, options, this);
        _pairs = work.Describe();
        PSJobTypeName = nameof(SyncJob);
        Output = new PSDataCollection<PSObject>();
        Error = new PSDataCollection<ErrorRecord>();
        Warning = new PSDataCollection<WarningRecord>();
        Verbose = new PSDataCollection<VerboseRecord>();
        Debug = new PSDataCollection<DebugRecord>();
        Progress = new PSDataCollection<ProgressRecord>();
        Information = new PSDataCollection<InformationRecord>();
    }

    /// <summary>The names of the pairs the job syncs.</summary>
    public string Pairs => _pairs;

    /// <inheritdoc />
    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0 || Warning.Count > 0 || Verbose.Count > 0 || Debug.Count > 0 || Progress.Count > 0;

    /// <inheritdoc />
    public override string Location => "PowerShell";

    /// <inheritdoc />
    public override string StatusMessage => JobStateInfo.State == JobState.Suspended ? "Paused: running transfers finish, no new ones start" : "";

    bool IRunControl.IsPaused => _runner.IsPaused;

    void IRunControl.Pause() => SuspendJob();

    void IRunControl.Resume() => ResumeJob();

    void IRunControl.Force() => ForceJob();

    // Stop-Sync returns at once, as it does for a run in another process; Stop-Job waits.
    void IRunControl.Stop() => RequestStop();

    /// <inheritdoc />
    public override void StartJob()
    {
        lock (_gate)
        {
            if (JobStateInfo.State != JobState.NotStarted)
            {
                throw new InvalidOperationException("The sync job has already been started.");
            }

            PSBeginTime = DateTime.Now;
            SetJobState(JobState.Running);
            _thread = new Thread(Run) { IsBackground = true, Name = "SyncEngine job " + Id };
            _thread.Start();
        }
    }

    /// <inheritdoc />
    public override void StartJobAsync()
    {
        StartJob();
        OnStartJobCompleted(new AsyncCompletedEventArgs(null, false, null));
    }

    /// <summary>Pauses the run: running transfers finish, no new ones start.</summary>
    public override void SuspendJob()
    {
        lock (_gate)
        {
            if (JobStateInfo.State == JobState.Running)
            {
                SetJobState(JobState.Suspending);
                _runner.Pause();
                SetJobState(JobState.Suspended);
            }
        }
    }

    /// <inheritdoc />
    public override void SuspendJob(bool force, string reason) => SuspendJob();

    /// <inheritdoc />
    public override void SuspendJobAsync()
    {
        SuspendJob();
        OnSuspendJobCompleted(new AsyncCompletedEventArgs(null, false, null));
    }

    /// <inheritdoc />
    public override void SuspendJobAsync(bool force, string reason) => SuspendJobAsync();

    /// <summary>Resumes a paused run.</summary>
    public override void ResumeJob()
    {
        lock (_gate)
        {
            if (JobStateInfo.State is JobState.Suspended or JobState.Suspending)
            {
                _runner.Resume();
                SetJobState(JobState.Running);
            }
        }
    }

    /// <summary>Resume-Sync -Force: resumes, and a watching job applies the batch a safety guard refused, once.</summary>
    internal void ForceJob()
    {
        lock (_gate)
        {
            _runner.Force();
            if (JobStateInfo.State is JobState.Suspended or JobState.Suspending)
            {
                SetJobState(JobState.Running);
            }
        }
    }

    /// <inheritdoc />
    public override void ResumeJobAsync()
    {
        ResumeJob();
        OnResumeJobCompleted(new AsyncCompletedEventArgs(null, false, null));
    }

    /// <summary>
    /// Stops the run like Ctrl+C (running copies stop at the next chunk, leaving their targets as they were; what
    /// finished is saved) and waits until it has stopped.
    /// </summary>
    public override void StopJob()
    {
        RequestStop(abort: true);
        var thread = _thread;
        if (thread is not null && Thread.CurrentThread != thread)
        {
            Finished.WaitOne();
        }
    }

    /// <inheritdoc />
    public override void StopJob(bool force, string reason) => StopJob();

    /// <inheritdoc />
    public override void StopJobAsync()
    {
        StopJob();
        OnStopJobCompleted(new AsyncCompletedEventArgs(null, false, null));
    }

    /// <inheritdoc />
    public override void StopJobAsync(bool force, string reason) => StopJobAsync();

    /// <summary>A sync job never blocks for input; nothing to do.</summary>
    public override void UnblockJob()
    {
    }

    /// <inheritdoc />
    public override void UnblockJobAsync() => OnUnblockJobCompleted(new AsyncCompletedEventArgs(null, false, null));

    /// <summary>Asks the run to stop without waiting for it: gracefully (Stop-Sync), or at once (<paramref name="abort"/>).</summary>
    internal void RequestStop(bool abort = false)
    {
        lock (_gate)
        {
            var state = JobStateInfo.State;
            if (abort)
            {
                _runner.Abort();
            }
            else
            {
                _runner.Stop();
            }

            if (state == JobState.NotStarted)
            {
                SetJobState(JobState.Stopped);
            }
            else if (state is JobState.Running or JobState.Suspended or JobState.Suspending)
            {
                SetJobState(JobState.Stopping);
            }
        }
    }

    private void Run()
    {
        JobOutcome outcome;
        try
        {
            outcome = _runner.Run(new JobHost(this));
        }
        catch (Exception ex)
        {
            // The runner reports failures itself; this only guards the process against a failing error stream.
            outcome = JobOutcome.Failed;
            TryAdd(() => Error.Add(new ErrorRecord(ex, ModuleErrorIds.JobFailed, ErrorCategory.NotSpecified, _pairs)));
        }

        lock (_gate)
        {
            PSEndTime = DateTime.Now;
            var stopping = JobStateInfo.State == JobState.Stopping;
            SetJobState(stopping || outcome == JobOutcome.Stopped ? JobState.Stopped : outcome == JobOutcome.Failed ? JobState.Failed : JobState.Completed);
        }
    }

    private static void TryAdd(Action add)
    {
        try
        {
            add();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            // The job was removed while running.
        }
    }

    /// <summary>The job's stand-in for a cmdlet: writes into the job's streams; nothing prompts in a job.</summary>
    private sealed class JobHost : ICmdletHost
    {
        private readonly SyncJob _job;

        public JobHost(SyncJob job) => _job = job;

        public bool IsStopping => false;

        public bool ShouldProcess(string target, string action) => true;

        public void WriteObject(object sendToPipeline) => TryAdd(() => _job.Output.Add(PSObject.AsPSObject(sendToPipeline)));

        public void WriteError(ErrorRecordInfo error) => TryAdd(() => _job.Error.Add(SyncCmdletBase.ToErrorRecord(error)));

        public void WriteProgress(ProgressInfo progress) => TryAdd(() => _job.Progress.Add(SyncCmdletBase.ToProgressRecord(progress)));

        public void WriteWarning(string text) => TryAdd(() => _job.Warning.Add(new WarningRecord(text)));

        public void WriteVerbose(string text) => TryAdd(() => _job.Verbose.Add(new VerboseRecord(text)));

        public void WriteDebug(string text) => TryAdd(() => _job.Debug.Add(new DebugRecord(text)));
    }
}

/// <summary>Lets Get-Job, Receive-Job, Remove-Job and friends find the sync jobs (ThreadJob's pattern).</summary>
public sealed class SyncJobSourceAdapter : JobSourceAdapter
{
    private static readonly ConcurrentDictionary<Guid, Job2> Jobs = new();

    /// <summary>Creates the adapter (PowerShell's JobManager does, once).</summary>
    public SyncJobSourceAdapter()
    {
        Name = nameof(SyncJobSourceAdapter);
    }

    /// <summary>Registers the job that Invoke-Sync -AsJob made (passed as the "NewJob" parameter).</summary>
    public override Job2 NewJob(JobInvocationInfo specification)
    {
        if (specification?.Parameters is { Count: > 0 } parameters && parameters[0].Count > 0 && parameters[0][0].Value is SyncJob job)
        {
            Jobs.TryAdd(job.InstanceId, job);
            return job;
        }

        throw new ArgumentException("The job specification does not carry a SyncJob.", nameof(specification));
    }

    /// <inheritdoc />
    public override IList<Job2> GetJobs() => Jobs.Values.ToList();

    /// <inheritdoc />
    public override IList<Job2> GetJobsByName(string name, bool recurse)
    {
        var pattern = new WildcardPattern(name ?? "*", WildcardOptions.IgnoreCase);
        return Jobs.Values.Where(j => pattern.IsMatch(j.Name)).ToList();
    }

    /// <inheritdoc />
    public override IList<Job2> GetJobsByCommand(string command, bool recurse)
    {
        var pattern = new WildcardPattern(command ?? "*", WildcardOptions.IgnoreCase);
        return Jobs.Values.Where(j => pattern.IsMatch(j.Command)).ToList();
    }

    /// <inheritdoc />
    public override Job2 GetJobByInstanceId(Guid instanceId, bool recurse) => Jobs.TryGetValue(instanceId, out var job) ? job : null!;

    /// <inheritdoc />
    public override Job2 GetJobBySessionId(int id, bool recurse) => Jobs.Values.FirstOrDefault(j => j.Id == id)!;

    /// <inheritdoc />
    public override IList<Job2> GetJobsByState(JobState state, bool recurse) => Jobs.Values.Where(j => j.JobStateInfo.State == state).ToList();

    /// <summary>Filtering by properties is not supported; returns no jobs.</summary>
    public override IList<Job2> GetJobsByFilter(Dictionary<string, object> filter, bool recurse) => new List<Job2>();

    /// <summary>Stops the job if it runs, and forgets it.</summary>
    public override void RemoveJob(Job2 job)
    {
        if (job is not null && Jobs.TryRemove(job.InstanceId, out var removed))
        {
            removed.StopJob();
            removed.Dispose();
        }
    }
}
