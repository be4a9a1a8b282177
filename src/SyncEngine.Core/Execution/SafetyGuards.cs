using System.Collections.Generic;
using System.Globalization;

namespace SyncEngine.Execution;

/// <summary>A reason a run must not start without force.</summary>
public sealed class GuardViolation
{
    internal GuardViolation(string errorId, string message)
    {
        ErrorId = errorId;
        Message = message;
    }

    /// <summary>Stable identifier: <c>SyncMassDeleteGuard</c> or <c>SyncRootEmptied</c>.</summary>
    public string ErrorId { get; }

    /// <summary>What would happen and how to proceed.</summary>
    public string Message { get; }
}

/// <summary>The checks made before any deletion (DESIGN.md, "Safety guards").</summary>
public static class SafetyGuards
{
    /// <summary>Fewest deletions on a side that can trip the share limit (deleting one file is never "mass deletion").</summary>
    public const int MinimumDeletions = 2;

    /// <summary>Evaluates the guards for a set of actions of one plan. Renames count as renames, not deletions.</summary>
    public static IReadOnlyList<GuardViolation> Evaluate(IEnumerable<SyncAction> actions, SyncPlanInfo info, double maxDeletePercent)
    {
        int delSource = 0, delDestination = 0;
        foreach (var a in actions)
        {
            if (a.Action == SyncActionType.DeleteSource)
            {
                delSource++;
            }
            else if (a.Action == SyncActionType.DeleteDestination)
            {
                delDestination++;
            }
        }

        var result = new List<GuardViolation>();
        if (info.TrackedFileCount > 0)
        {
            if (info.SourceFileCount == 0 && delDestination > 0)
            {
                result.Add(new GuardViolation("SyncRootEmptied", $"The source '{info.Pair.Source}' is empty or missing, but the last sync recorded {info.TrackedFileCount} files there; syncing now would delete {delDestination} files on the destination. If it is not mounted, mount it; if it was emptied on purpose, run again with force (syncengine --force; PowerShell -Force)."));
            }

            if (info.DestinationFileCount == 0 && delSource > 0)
            {
                result.Add(new GuardViolation("SyncRootEmptied", $"The destination '{info.Pair.Destination}' is empty or missing, but the last sync recorded {info.TrackedFileCount} files there; syncing now would delete {delSource} files on the source. If it is not mounted, mount it; if it was emptied on purpose, run again with force (syncengine --force; PowerShell -Force)."));
            }
        }

        Check(result, "source", delSource, info.SourceFileCount, maxDeletePercent);
        Check(result, "destination", delDestination, info.DestinationFileCount, maxDeletePercent);
        return result;
    }

    private static void Check(List<GuardViolation> result, string side, int deletions, int count, double maxPercent)
    {
        if (deletions < MinimumDeletions || count == 0)
        {
            return;
        }

        var share = 100.0 * deletions / count;
        if (share > maxPercent)
        {
            result.Add(new GuardViolation("SyncMassDeleteGuard", string.Format(CultureInfo.InvariantCulture,
                "The sync would delete {0} of {1} files on the {2} ({3:0.#} %), more than the limit of {4:0.#} %. Nothing was changed. Check the plan; to go ahead, run again with force (syncengine --force; PowerShell -Force).",
                deletions, count, side, share, maxPercent)));
        }
    }
}
