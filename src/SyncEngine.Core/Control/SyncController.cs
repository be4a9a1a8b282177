using System;
using System.Threading;

namespace SyncEngine.Control;

/// <summary>Pauses, resumes and cancels a run in this process. Pause lets running transfers finish and starts no new ones.</summary>
public sealed class SyncController : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ManualResetEventSlim _running = new(true);

    /// <summary>Raised when the paused state changes.</summary>
    public event EventHandler<bool>? PausedChanged;

    /// <summary>True while paused.</summary>
    public bool IsPaused => !_running.IsSet;

    /// <summary>True once cancelled.</summary>
    public bool IsCancelled => _cts.IsCancellationRequested;

    /// <summary>Cancelled when the run must stop starting actions.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Cancelled when running actions must stop too (at the next chunk); nothing half-done is kept.</summary>
    public CancellationToken AbortToken => _abort.Token;

    /// <summary>True once aborted.</summary>
    public bool IsAborted => _abort.IsCancellationRequested;

    /// <summary>Stops starting new actions until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        if (_running.IsSet)
        {
            _running.Reset();
            PausedChanged?.Invoke(this, true);
        }
    }

    /// <summary>Lets new actions start again.</summary>
    public void Resume()
    {
        if (!_running.IsSet)
        {
            _running.Set();
            PausedChanged?.Invoke(this, false);
        }
    }

    /// <summary>Stops the run: running actions finish, no new ones start, what finished is saved (seed 000's cancel).</summary>
    public void Cancel()
    {
        _cts.Cancel();
        _running.Set();
    }

    /// <summary>
    /// Stops the run at once (Ctrl+C): no new actions start and running copies stop at the next chunk, leaving their
    /// targets as they were. What finished is saved.
    /// </summary>
    public void Abort()
    {
        _abort.Cancel();
        Cancel();
    }

    /// <summary>Blocks while paused; throws when cancelled.</summary>
    public void WaitWhilePaused(CancellationToken other)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, other);
        _running.Wait(linked.Token);
        linked.Token.ThrowIfCancellationRequested();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _cts.Dispose();
        _abort.Dispose();
        _running.Dispose();
    }
}
