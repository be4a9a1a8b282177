using System;
using System.Collections.Generic;
using System.Globalization;
using SyncEngine.Execution;

namespace SyncEngine.Watch;

/// <summary>
/// The delete guard of a watch, counted over a rolling window (default one hour): the deletions a batch plans on a
/// side are added to those the watch made there within the window, and compared with the files the side held before
/// them. So twenty batches that each delete 5 % of a side trip the guard as one run deleting half of it would.
/// </summary>
internal sealed class DeleteWindow
{
    private readonly TimeSpan _window;
    private readonly Queue<(TimeSpan At, int Source, int Destination)> _done = new();

    public DeleteWindow(TimeSpan window) => _window = window;

    /// <summary>Deletions made within the window (source, destination).</summary>
    public (int Source, int Destination) Recent(TimeSpan now)
    {
        Expire(now);
        int s = 0, d = 0;
        foreach (var (_, source, destination) in _done)
        {
            s += source;
            d += destination;
        }

        return (s, d);
    }

    /// <summary>Forgets the deletions so far (the user forced a refused batch: what came before it was accepted).</summary>
    public void Clear() => _done.Clear();

    /// <summary>Records the deletions a batch completed.</summary>
    public void Add(TimeSpan now, int source, int destination)
    {
        if (source > 0 || destination > 0)
        {
            _done.Enqueue((now, source, destination));
        }
    }

    /// <summary>
    /// The violations for a batch planning these deletions on sides that now hold these many files; empty when it
    /// may go ahead.
    /// </summary>
    public IReadOnlyList<GuardViolation> Evaluate(TimeSpan now, int plannedSource, int plannedDestination, int sourceFiles, int destinationFiles, double maxPercent)
    {
        var (recentSource, recentDestination) = Recent(now);
        var result = new List<GuardViolation>();
        Check(result, "source", plannedSource, recentSource, sourceFiles, maxPercent);
        Check(result, "destination", plannedDestination, recentDestination, destinationFiles, maxPercent);
        return result;
    }

    private void Check(List<GuardViolation> result, string side, int planned, int recent, int files, double maxPercent)
    {
        if (planned == 0 || recent == 0)
        {
            return; // no earlier deletions in the window: the batch's own guard (SafetyGuards) decides alone
        }

        var deletions = planned + recent;
        var before = files + recent;
        if (deletions < SafetyGuards.MinimumDeletions || before == 0)
        {
            return;
        }

        var share = 100.0 * deletions / before;
        if (share > maxPercent)
        {
            result.Add(new GuardViolation("SyncMassDeleteGuard", string.Format(CultureInfo.InvariantCulture,
                "This batch would delete {0} files on the {1}; with the {2} this watch deleted there in the last {3}, that is {4} of {5} files ({6:0.#} %), more than the limit of {7:0.#} %. The batch was not applied; the watch goes on. Check what deleted them; to go ahead, stop the watch and sync with force (syncengine --force; PowerShell -Force), or start the watch with force.",
                planned, side, recent, WatchDurations.Format(_window), deletions, before, share, maxPercent)));
        }
    }

    private void Expire(TimeSpan now)
    {
        while (_done.Count > 0 && now - _done.Peek().At >= _window)
        {
            _done.Dequeue();
        }
    }
}
