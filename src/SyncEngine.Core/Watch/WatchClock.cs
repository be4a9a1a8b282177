using System;
using System.Diagnostics;

namespace SyncEngine.Watch;

/// <summary>
/// The time a watch debounces and schedules by. The real one is monotonic; tests give one they move by hand, so no
/// test depends on how fast the machine is.
/// </summary>
public abstract class WatchClock
{
    /// <summary>The clock of the running process (monotonic: a change of the wall clock moves nothing).</summary>
    public static WatchClock System { get; } = new StopwatchClock();

    /// <summary>Time elapsed since an arbitrary fixed start.</summary>
    public abstract TimeSpan Now { get; }

    private sealed class StopwatchClock : WatchClock
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();

        public override TimeSpan Now => _watch.Elapsed;
    }
}

/// <summary>A clock that moves only when told to (tests).</summary>
public sealed class ManualWatchClock : WatchClock
{
    private long _ticks;

    /// <inheritdoc />
    public override TimeSpan Now => TimeSpan.FromTicks(global::System.Threading.Interlocked.Read(ref _ticks));

    /// <summary>Moves the clock forward.</summary>
    public void Advance(TimeSpan by) => global::System.Threading.Interlocked.Add(ref _ticks, by.Ticks);
}
