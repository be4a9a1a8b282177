using System;
using System.Threading;

namespace SyncEngine.Control;

/// <summary>Pauses, resumes and cancels a run in this process. Pause lets running transfers finish and starts no new ones.</summary>
public sealed class SyncController : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly ManualResetEventSlim _running = new(true);

    /// <summary>Raised when the paused state changes.</summary>
    public event EventHandler<bool>? PausedChanged;

    /// <summary>True while paused.</summary>
    public bool IsPaused => !_running.IsSet;

    /// <summary>True once cancelled.</summary>
    public bool IsCancelled => _cts.IsCancellationRequested;

    /// <summary>Cancelled when the run must stop.</summary>
    public CancellationToken Token => _cts.Token;

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

    /// <summary>Stops the run: running actions finish, no new ones start, what finished is saved.</summary>
    public void Cancel()
    {
        _cts.Cancel();
        _running.Set();
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
        _running.Dispose();
    }
}
