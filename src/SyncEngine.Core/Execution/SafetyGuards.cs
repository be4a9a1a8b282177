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
        if (info.TrackedFileCount > 0 && info.DestinationRootMissing)
        {
            // An unplugged drive or unmounted share: recreating the folder would refill it on whatever disk holds
            // the mount point, and a two-way run would delete the source. Created without force only on a first sync.
            result.Add(new GuardViolation("SyncRootEmptied", string.Format(CultureInfo.InvariantCulture,
                "The destination folder '{0}' does not exist, but the last sync recorded {1} files there. If it is on a removable drive or a network share, connect it and run again. If it is gone for good: {2}; {3}.",
                info.Pair.Destination, info.TrackedFileCount, ReseedText(" into it, recreated here"), ForceText("the folder is recreated here and the files it held count as deleted", "source", delSource))));
        }
        else if (info.TrackedFileCount > 0)
        {
            if (info.SourceFileCount == 0 && delDestination > 0)
            {
                result.Add(new GuardViolation("SyncRootEmptied", string.Format(CultureInfo.InvariantCulture,
                    "The source '{0}' is empty or missing, but the last sync recorded {1} files there; syncing now would delete {2} files on the destination. If it is not mounted, mount it and run again. {3}; {4}.",
                    info.Pair.Source, info.TrackedFileCount, delDestination, Capitalized(ReseedText(" into the source")), ForceText("the source's files count as deleted", "destination", delDestination))));
            }

            if (info.DestinationFileCount == 0 && delSource > 0)
            {
                result.Add(new GuardViolation("SyncRootEmptied", string.Format(CultureInfo.InvariantCulture,
                    "The destination '{0}' is empty or missing, but the last sync recorded {1} files there; syncing now would delete {2} files on the source. If it is not mounted, mount it and run again. {3}; {4}.",
                    info.Pair.Destination, info.TrackedFileCount, delSource, Capitalized(ReseedText(" into the destination")), ForceText("the destination's files count as deleted", "source", delSource))));
            }
        }

        Check(result, "source", delSource, info.SourceFileCount, maxDeletePercent);
        Check(result, "destination", delDestination, info.DestinationFileCount, maxDeletePercent);
        return result;
    }

    /// <summary>What a re-seed does, in the words every emptied-root message uses.</summary>
    private static string ReseedText(string into) =>
        $"with reseed (syncengine --reseed; PowerShell -Reseed) everything is copied back{into}, as in a first sync that merges, and nothing is deleted on either side";

    /// <summary>What a forced run does: which side loses how many files (to the trash), or that it deletes nothing.</summary>
    private static string ForceText(string why, string side, int deletions)
    {
        const string Force = "with force (syncengine --force; PowerShell -Force)";
        return deletions > 0
            ? string.Format(CultureInfo.InvariantCulture, "{0} {1}: {2} files on the {3} are deleted (to the trash)", Force, why, deletions, side)
            : Force + " the sync goes ahead as planned and deletes nothing";
    }

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text.Substring(1);

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
