using System;
using System.Diagnostics;

namespace SyncEngine.PowerShell.Pipeline;

/// <summary>Monotonic time for throttling and throughput (tests supply their own).</summary>
internal interface IClock
{
    /// <summary>Time since some fixed start.</summary>
    TimeSpan Elapsed { get; }
}

/// <summary>The real clock.</summary>
internal sealed class StopwatchClock : IClock
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();

    public TimeSpan Elapsed => _watch.Elapsed;
}
