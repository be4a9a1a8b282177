using System;
using System.Collections.Generic;

namespace SyncEngine.Watch;

/// <summary>
/// Collects the paths change feeds report and says when they form a batch: once nothing was reported for the quiet
/// period, or once the oldest pending report is the maximum delay old (a burst that never pauses is still flushed).
/// A path reported many times is one entry (coalescing). Pure: it reads the time only from its callers.
/// </summary>
internal sealed class Debouncer
{
    private readonly object _gate = new();
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private TimeSpan _first;
    private TimeSpan _last;

    public Debouncer(TimeSpan quiet, TimeSpan maxDelay)
    {
        if (quiet < TimeSpan.Zero || maxDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(quiet));
        }

        Quiet = quiet;
        MaxDelay = maxDelay < quiet ? quiet : maxDelay;
    }

    public TimeSpan Quiet { get; }

    public TimeSpan MaxDelay { get; }

    /// <summary>Paths waiting for the next batch.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Takes in a reported path at <paramref name="now"/>.</summary>
    public void Add(string path, TimeSpan now)
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                _first = now;
            }

            _pending.Add(path);
            _last = now;
        }
    }

    /// <summary>When the pending paths become a batch; null when none are pending.</summary>
    public TimeSpan? DueAt()
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return null;
            }

            var quietEnd = _last + Quiet;
            var latest = _first + MaxDelay;
            return quietEnd < latest ? quietEnd : latest;
        }
    }

    /// <summary>The pending paths when they are due at <paramref name="now"/> (and forgets them); else null.</summary>
    public List<string>? TakeIfDue(TimeSpan now)
    {
        lock (_gate)
        {
            var due = DueAt();
            if (due is null || now < due.Value)
            {
                return null;
            }

            return TakeLocked();
        }
    }

    /// <summary>Every pending path, due or not (and forgets them).</summary>
    public List<string> TakeAll()
    {
        lock (_gate)
        {
            return TakeLocked();
        }
    }

    private List<string> TakeLocked()
    {
        var paths = new List<string>(_pending);
        _pending.Clear();
        return paths;
    }
}
