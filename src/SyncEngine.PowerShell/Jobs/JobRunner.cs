using System;
using System.Collections.Generic;
using System.Linq;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Jobs;

/// <summary>What one Invoke-Sync runs: pairs (planned and executed in turn), then piped actions (grouped by pair).</summary>
internal sealed class SyncWork
{
    public SyncWork(IReadOnlyList<SyncPair> pairs, IReadOnlyList<SyncAction> actions)
    {
        Pairs = pairs;
        Actions = actions;
    }

    public IReadOnlyList<SyncPair> Pairs { get; }

    public IReadOnlyList<SyncAction> Actions { get; }

    /// <summary>The pair names, for the job's description.</summary>
    public string Describe()
    {
        var names = Pairs.Select(p => p.Name).Concat(Actions.Select(a => a.PairName)).Distinct(StringComparer.Ordinal).ToList();
        return names.Count == 0 ? "(nothing)" : string.Join(", ", names);
    }

    /// <summary>Runs everything on the calling thread; stops early once the pipeline is stopped.</summary>
    public void Run(SyncPipeline pipeline)
    {
        foreach (var pair in Pairs)
        {
            if (pipeline.IsStopped)
            {
                return;
            }

            if (pipeline.IsWatch)
            {
                pipeline.Watch(pair);
            }
            else
            {
                pipeline.Sync(pair);
            }
        }

        if (Actions.Count > 0 && !pipeline.IsStopped)
        {
            pipeline.SyncActions(Actions);
        }
    }
}

/// <summary>How a background run ended.</summary>
internal enum JobOutcome
{
    /// <summary>Everything ran (some actions may have failed: see the error stream).</summary>
    Completed,

    /// <summary>A run could not start (bad root, lock held, guard tripped) or failed unexpectedly.</summary>
    Failed,

    /// <summary>Stopped before the end.</summary>
    Stopped,
}

/// <summary>
/// The part of <c>Invoke-Sync -AsJob</c> that needs no PowerShell: runs the work on the job's thread through a
/// pipeline of its own, takes pause/resume/stop from any thread (also before the pipeline exists), and turns
/// every failure into an error record (a job thread must never throw).
/// </summary>
internal sealed class JobRunner : IRunControl
{
    private readonly SyncWork _work;
    private readonly SyncPipelineOptions _options;
    private readonly object _gate = new();
    private SyncPipeline? _pipeline;
    private bool _pauseRequested;
    private bool _stopRequested;

    /// <param name="work">What to run.</param>
    /// <param name="options">Pipeline options (ShouldProcess is not asked in a job: the host answers yes).</param>
    /// <param name="control">What Suspend-Sync/Resume-Sync/Stop-Sync reach (the job, so its state follows); null: this runner.</param>
    public JobRunner(SyncWork work, SyncPipelineOptions options, IRunControl? control = null)
    {
        _work = work;
        _options = options.WithRunControl(control ?? this);
    }

    /// <inheritdoc />
    public bool IsPaused
    {
        get
        {
            lock (_gate)
            {
                return _pipeline?.IsPaused ?? _pauseRequested;
            }
        }
    }

    /// <summary>Runs the work on the calling thread (the job's) with <paramref name="host"/>; returns how it ended.</summary>
    public JobOutcome Run(ICmdletHost host)
    {
        SyncPipeline pipeline;
        lock (_gate)
        {
            if (_stopRequested)
            {
                return JobOutcome.Stopped;
            }

            pipeline = _pipeline = new SyncPipeline(host, _options);
            if (_pauseRequested)
            {
                pipeline.Pause();
            }
        }

        try
        {
            _work.Run(pipeline);
            return pipeline.IsStopped ? JobOutcome.Stopped : JobOutcome.Completed;
        }
        catch (OperationCanceledException) when (pipeline.IsStopped)
        {
            return JobOutcome.Stopped;
        }
        catch (Exception ex)
        {
            host.WriteError(ErrorMapping.FromException(ex) ?? new ErrorRecordInfo(ModuleErrorIds.JobFailed, PsErrorCategory.NotSpecified, ex, _work.Describe()));
            return JobOutcome.Failed;
        }
        finally
        {
            lock (_gate)
            {
                _pipeline = null;
            }

            pipeline.Dispose();
        }
    }

    /// <inheritdoc />
    public void Pause()
    {
        lock (_gate)
        {
            _pauseRequested = true;
            _pipeline?.Pause();
        }
    }

    /// <inheritdoc />
    public void Resume()
    {
        lock (_gate)
        {
            _pauseRequested = false;
            _pipeline?.Resume();
        }
    }

    /// <inheritdoc />
    public void Force()
    {
        lock (_gate)
        {
            _pauseRequested = false;
            _pipeline?.Force();
        }
    }

    /// <summary>Stops gracefully (Stop-Sync): running actions finish, no new ones start.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopRequested = true;
            _pipeline?.Stop();
        }
    }

    /// <summary>Stops at once (Stop-Job): running copies stop at the next chunk, leaving their targets as they were.</summary>
    public void Abort()
    {
        lock (_gate)
        {
            _stopRequested = true;
            _pipeline?.Abort();
        }
    }
}
