using System;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace SyncEngine.PowerShell.Pipeline;

/// <summary>
/// Brings work back to the pipeline thread. Worker threads <see cref="Post"/> closures (engine events) or
/// <see cref="Invoke{T}"/> a function and wait for its answer (a conflict handler scriptblock); the pipeline thread
/// runs them in order when it <see cref="Drain"/>s. PowerShell is only ever called from the thread that created
/// the dispatcher.
/// </summary>
internal sealed class PipelineDispatcher : IDisposable
{
    private readonly ConcurrentQueue<Action> _queue = new();
    private readonly AutoResetEvent _signal = new(false);
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private CancellationToken _invokeToken;
    private bool _disposed;

    /// <summary>True on the thread that created the dispatcher (the pipeline thread).</summary>
    public bool IsPipelineThread => Environment.CurrentManagedThreadId == _threadId;

    /// <summary>Queues work for the pipeline thread (any thread).</summary>
    public void Post(Action work)
    {
        _queue.Enqueue(work);
        Wake();
    }

    /// <summary>Wakes a pipeline thread waiting in <see cref="WaitAndDrain"/>.</summary>
    public void Wake()
    {
        if (!_disposed)
        {
            try
            {
                _signal.Set();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Runs everything queued so far, in order. Pipeline thread only.</summary>
    public int Drain()
    {
        EnsurePipelineThread();
        var count = 0;
        while (_queue.TryDequeue(out var work))
        {
            work();
            count++;
        }

        return count;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for queued work, then drains. Pipeline thread only.</summary>
    public int WaitAndDrain(TimeSpan timeout)
    {
        EnsurePipelineThread();
        if (_queue.IsEmpty)
        {
            _signal.WaitOne(timeout);
        }

        return Drain();
    }

    /// <summary>
    /// Runs <paramref name="function"/> on the pipeline thread and returns its result: directly when called there,
    /// else by queueing it and waiting (the exception it throws is rethrown to the caller). Gives up with
    /// <see cref="OperationCanceledException"/> when the work that called it is cancelled.
    /// </summary>
    public T Invoke<T>(Func<T> function)
    {
        if (IsPipelineThread)
        {
            return function();
        }

        var token = _invokeToken;

        // Not disposed: when the wait is cancelled the queued closure may still run and set it.
        var done = new ManualResetEventSlim(false);
        T result = default!;
        ExceptionDispatchInfo? error = null;
        Post(() =>
        {
            try
            {
                result = function();
            }
            catch (Exception ex)
            {
                error = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                done.Set();
            }
        });
        done.Wait(token);
        error?.Throw();
        return result;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a background thread while the pipeline thread keeps draining (so progress
    /// is written and <see cref="Invoke{T}"/> calls are answered). Rethrows what the work throws. If the pipeline
    /// thread leaves early (a write failed because the pipeline is stopping), the work is cancelled and awaited briefly.
    /// </summary>
    public T RunInBackground<T>(Func<CancellationToken, T> work, CancellationToken cancellationToken, string threadName = "SyncEngine planner")
    {
        EnsurePipelineThread();
        // Neither is disposed here: if the pipeline thread leaves early, the work thread may still use them.
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var finished = new ManualResetEventSlim(false);
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var previousToken = _invokeToken;
        _invokeToken = linked.Token;
        var thread = new Thread(() =>
        {
            try
            {
                result = work(linked.Token);
            }
            catch (Exception ex)
            {
                error = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                finished.Set();
                Wake();
            }
        })
        {
            IsBackground = true,
            Name = threadName,
        };
        try
        {
            thread.Start();
            while (!finished.IsSet)
            {
                WaitAndDrain(TimeSpan.FromMilliseconds(100));
            }

            Drain();
        }
        finally
        {
            if (!finished.IsSet)
            {
                linked.Cancel();
                finished.Wait(TimeSpan.FromSeconds(30));
            }

            _invokeToken = previousToken;
        }

        linked.Dispose();
        error?.Throw();
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _signal.Dispose();
    }

    private void EnsurePipelineThread()
    {
        if (!IsPipelineThread)
        {
            throw new InvalidOperationException("This must run on the pipeline thread.");
        }
    }
}
