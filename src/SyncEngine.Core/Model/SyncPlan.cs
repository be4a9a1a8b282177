using System;
using System.Collections.Generic;
using SyncEngine.Storage;

namespace SyncEngine;

/// <summary>The result of planning: actions, warnings and what was left out of the scan.</summary>
public sealed class SyncPlan
{
    internal SyncPlan(SyncPlanInfo info, IReadOnlyList<SyncAction> actions, IReadOnlyList<string> warnings, IReadOnlyList<ScanIssue> issues,
                      bool stateWasUnreadable)
    {
        Info = info;
        Actions = actions;
        Warnings = warnings;
        ScanIssues = issues;
        StateWasUnreadable = stateWasUnreadable;
    }

    /// <summary>Pair, identity and counts shared by the actions.</summary>
    public SyncPlanInfo Info { get; }

    /// <summary>
    /// The actions, in the order they should run: every mutating action and every unresolved conflict; unchanged
    /// paths only when asked for. Includes internal record-only entries unless filtered by <see cref="Visible"/>.
    /// </summary>
    public IReadOnlyList<SyncAction> Actions { get; }

    /// <summary>Warnings for the user (risky initial sync, unreadable state…).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Entries left out of the sync and why.</summary>
    public IReadOnlyList<ScanIssue> ScanIssues { get; }

    /// <summary>True when a state existed but could not be read, so the plan was made as a first (merge) sync.</summary>
    public bool StateWasUnreadable { get; }

    /// <summary>The actions a user should see: without record-only entries (unless <paramref name="includeUnchanged"/>).</summary>
    public IEnumerable<SyncAction> Visible(bool includeUnchanged = false)
    {
        foreach (var a in Actions)
        {
            if (a.Action != SyncActionType.NoAction || includeUnchanged)
            {
                yield return a;
            }
        }
    }
}

/// <summary>Options for planning.</summary>
public sealed class PlanOptions
{
    /// <summary>Also emit NoAction entries for every unchanged file.</summary>
    public bool IncludeUnchanged { get; init; }

    /// <summary>Decides Manual conflicts; without it they are reported as <see cref="SyncActionType.Conflict"/> and skipped.</summary>
    public Func<ConflictInfo, ConflictChoice>? ConflictHandler { get; init; }

    /// <summary>Receives scan events (on the calling thread or a worker).</summary>
    public Action<SyncProgressEvent>? Progress { get; init; }

    /// <summary>
    /// Re-seed: plan as a first sync that merges, whatever the state says and whatever the pair's initial sync
    /// preference, and delete nothing on either side (one-sided files are copied where the mode copies that way and
    /// are otherwise left alone). For a side that is gone (a lost or replaced drive): everything is copied back.
    /// Executing such a plan starts the pair's state afresh before the first action runs, so an interrupted re-seed
    /// is followed by a merge, never by deletions.
    /// </summary>
    public bool Reseed { get; init; }

    /// <summary>
    /// Limit the plan to these subtrees (relative paths, each a file or a folder; <see cref="SubtreePaths"/>): both
    /// sides are listed only there, through the same dirty-path machinery a watch uses, and every other tracked file
    /// counts as unchanged, so its state record is kept as it was. Null: the whole tree. A bad path (absolute,
    /// leaving the root, inside <c>.syncengine</c>) throws InvalidArgument <c>SyncInvalidPath</c> naming it; with
    /// <see cref="Reseed"/> it is <c>SyncPathWithReseed</c>.
    /// </summary>
    public IReadOnlyList<string>? Paths { get; init; }

    /// <summary>Throws <see cref="SyncEngineException"/> (InvalidArgument) for options that cannot be planned (see <see cref="Paths"/>); front ends call it before anything starts.</summary>
    public void Validate() => SubtreePaths.CheckOptions(this);
}

/// <summary>Options for executing actions.</summary>
public sealed class ExecuteOptions
{
    /// <summary>Pass the mass-deletion and emptied-root guards.</summary>
    public bool Force { get; init; }

    /// <summary>Receives progress events, on worker threads.</summary>
    public Action<SyncProgressEvent>? Progress { get; init; }

    /// <summary>Pause, resume and cancel the run.</summary>
    public Control.SyncController? Controller { get; init; }

    /// <summary>Minimum interval between FileProgress events of one file (default 250 ms).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
