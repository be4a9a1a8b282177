using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using SyncEngine.Ignore;
using SyncEngine.Scanning;
using SyncEngine.State;
using SyncEngine.Storage;

namespace SyncEngine.Planning;

/// <summary>
/// Turns two listings and the last-known state into actions (DESIGN.md, "Semantics decided here").
/// Pure but for hashing on demand; hashes it computes are kept on the versions so the state caches them.
/// </summary>
internal sealed class Planner
{
    /// <summary>The least tolerance between two modification times that stand for one version: ±2 s.</summary>
    internal static readonly long MinimumTolerance = TimeSpan.FromSeconds(2).Ticks;

    /// <summary>
    /// How far apart two times of one version may be: ±2 s, or the coarser side's declared precision where that is
    /// coarser (a side that keeps whole minutes gives back a time up to a minute off the one it was given).
    /// </summary>
    private readonly long Tolerance;

    /// <summary>The reason of a conflict between two names that differ only in case.</summary>
    internal const string CaseConflictReason = "names differ only in case on a case-insensitive side";

    private readonly SyncPair _pair;
    private readonly IStorageProvider _src;
    private readonly IStorageProvider _dst;
    private readonly PairState? _state;
    private readonly bool _initial;
    private readonly bool _stateUnreadable;
    private readonly IgnoreRules _rules;
    private readonly PlanOptions _options;
    private readonly CancellationToken _ct;
    private readonly List<string> _warnings;
    private readonly Action<ScanIssue> _onIssue;
    private readonly (SyncSide Side, string Key)? _rulesFile;
    private SyncPlanInfo _info = null!;

    public Planner(SyncPair pair, IStorageProvider src, IStorageProvider dst, PairState? state, bool stateUnreadable, IgnoreRules rules,
                   PlanOptions options, List<string> warnings, Action<ScanIssue> onIssue, CancellationToken ct)
    {
        _pair = pair;
        _src = src;
        _dst = dst;
        _state = state;
        _initial = state is null;
        _stateUnreadable = stateUnreadable;
        _rules = rules;
        _options = options;
        _warnings = warnings;
        _onIssue = onIssue;
        _ct = ct;
        _rulesFile = RulesFileIn(pair);
        Tolerance = TimeTolerance(src.Capabilities, dst.Capabilities);
    }

    /// <summary>max(2 s, the coarser of the two sides' modification-time precisions).</summary>
    internal static long TimeTolerance(StorageCapabilities a, StorageCapabilities b) =>
        Math.Max(MinimumTolerance, Math.Max(a.MtimePrecision.Ticks, b.MtimePrecision.Ticks));

    private SyncMode Mode => _pair.Mode;

    private InitialSyncPreference Preference => _stateUnreadable || _options.Reseed ? InitialSyncPreference.Merge : _pair.InitialSyncPreference;

    public List<SyncAction> Build(SideScan s, SideScan d, SyncPlanInfo info)
    {
        _info = info;
        var caseConflicts = FindCaseConflicts(s, d);
        var actions = new List<SyncAction>();

        // Every tracked path first: a path found unchanged on both sides costs nothing here.
        if (_state is not null)
        {
            foreach (var rec in _state.Records.Values)
            {
                _ct.ThrowIfCancellationRequested();
                if (s.SawUnchanged(rec) && d.SawUnchanged(rec))
                {
                    if (_options.IncludeUnchanged && !Blocked(rec.Key, s, d))
                    {
                        actions.Add(new SyncAction(SyncActionType.NoAction, rec.Key, "unchanged", rec.Source, rec.Destination, _info));
                    }

                    continue;
                }

                Consider(rec.Key, s.Current(rec.Key, rec), d.Current(rec.Key, rec), rec, s, d, caseConflicts, actions);
            }
        }

        // Then paths the state does not know.
        foreach (var kv in s.Files)
        {
            if (_state is null || !_state.Records.ContainsKey(kv.Key))
            {
                d.Files.TryGetValue(kv.Key, out var dv);
                Consider(kv.Key, kv.Value, dv, null, s, d, caseConflicts, actions);
            }
        }

        foreach (var kv in d.Files)
        {
            if ((_state is null || !_state.Records.ContainsKey(kv.Key)) && !s.Files.ContainsKey(kv.Key))
            {
                Consider(kv.Key, null, kv.Value, null, s, d, caseConflicts, actions);
            }
        }

        ConflictCopies.Settle(actions, s, d, _state, Tolerance);
        PairRenames(actions, SyncSide.Destination);
        PairRenames(actions, SyncSide.Source);
        actions.Sort(CompareForExecution);
        return actions;
    }

    private static bool Blocked(string key, SideScan s, SideScan d) =>
        s.BlockedKeys.Contains(key) || d.BlockedKeys.Contains(key) || Scanner.UnderBlockedFolder(s, key) || Scanner.UnderBlockedFolder(d, key);

    private void Consider(string key, FileVersion? sv, FileVersion? dv, StateRecord? rec, SideScan s, SideScan d, HashSet<string>? caseConflicts, List<SyncAction> actions)
    {
        _ct.ThrowIfCancellationRequested();
        if (Blocked(key, s, d))
        {
            return; // unreadable or ambiguous there: never treat as deleted, never overwrite
        }

        if (sv is null && dv is null && rec is not null && _rules.IsIgnored(key, isDirectory: false))
        {
            return; // ignored now: the state entry is kept as it was, nothing is touched
        }

        if (caseConflicts is not null && caseConflicts.Contains(key))
        {
            if (_caseRenames.TryGetValue(key, out var rename))
            {
                if (string.Equals(rename.RelativePath, key, StringComparison.Ordinal))
                {
                    actions.Add(rename); // once, under its target key
                }
            }
            else if (sv is not null && dv is not null)
            {
                actions.Add(new SyncAction(SyncActionType.Conflict, key, CaseConflictReason, sv, dv, _info) { IsCaseConflict = true });
            }
            else if (sv is not null || dv is not null)
            {
                // Reported as a conflict (not only as a left-out entry), so the run's outcome says files were left unsynchronized.
                actions.Add(new SyncAction(SyncActionType.Conflict, key,
                    $"another file's name differs from this one only in case, and the {(sv is not null ? "destination" : "source")} cannot hold both (it ignores case)", sv, dv, _info) { IsCaseConflict = true });
            }

            return;
        }

        SyncAction? action;
        try
        {
            action = rec is null ? DecideNew(key, sv, dv) : Decide(key, sv, dv, rec.Source, rec.Destination);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException { Kind: SyncErrorKind.IOError })
        {
            // Unreadable (or, through a decorator, damaged) content: this path is left out of the plan, never the whole plan.
            _onIssue(new ScanIssue(sv is not null ? SyncSide.Source : SyncSide.Destination, key, $"cannot be read to compare: {ex.Message}"));
            return;
        }

        action = action is null ? null : KeepRulesFile(action, rec);

        if (action is not null && _options.Reseed && ActionFacts.IsDelete(action.Action))
        {
            // A re-seed deletes nothing: a file one side lacks is left alone where the mode does not copy it back.
            action = IncludeUnchanged(key, "re-seed: nothing is deleted; left as it is", sv, dv);
        }

        if (action is null)
        {
            return;
        }

        var nameProblem = CreationProblem(action);
        if (nameProblem is not null)
        {
            _onIssue(new ScanIssue(action.TargetSide == SyncSide.Source ? SyncSide.Destination : SyncSide.Source, key, nameProblem));
            return;
        }

        actions.Add(action);
    }

    /// <summary>
    /// The pair's rules file, when it lies inside one of the roots (by default <c>.syncignore</c> in the source root):
    /// the side its rules are read from and its key there.
    /// </summary>
    private static (SyncSide Side, string Key)? RulesFileIn(SyncPair pair)
    {
        if (pair.IgnoreFileOnSource)
        {
            return (SyncSide.Source, PathRules.Key(SyncPair.IgnoreFileName));
        }

        string file;
        try
        {
            file = Path.GetFullPath(pair.ResolvedIgnoreFile);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }

        var comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (var (side, root) in new[] { (SyncSide.Source, pair.SourceSpec), (SyncSide.Destination, pair.DestinationSpec) })
        {
            if (!root.IsLocal)
            {
                continue; // an ignore file given by path is a local file, never inside a remote root
            }

            string folder;
            try
            {
                folder = Path.GetFullPath(root.Path).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + Path.DirectorySeparatorChar;
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                continue;
            }

            if (file.Length > folder.Length && file.StartsWith(folder, comparison))
            {
                var relative = file.Substring(folder.Length).Replace(Path.DirectorySeparatorChar, '/').Replace(Path.AltDirectorySeparatorChar, '/');
                return (side, PathRules.Key(relative));
            }
        }

        return null;
    }

    /// <summary>
    /// The pair's rules file is never deleted or replaced on the side its rules are read from: the next run, without
    /// them, would copy or delete every file they protect. Towards that side in a one-way mode it is kept as it is
    /// (seen only with unchanged entries). In TwoWay a deletion on the other side is undone by copying the file back,
    /// and a different version on the other side is a conflict, reported every run until the two agree; the rules
    /// are edited on their own side.
    /// </summary>
    private SyncAction? KeepRulesFile(SyncAction a, StateRecord? rec)
    {
        if (_rulesFile is not { } rules || !string.Equals(a.RelativePath, rules.Key, StringComparison.Ordinal))
        {
            return a;
        }

        var onSource = rules.Side == SyncSide.Source;
        var kept = onSource ? a.Source : a.Destination;
        var other = onSource ? a.Destination : a.Source;
        var removes = onSource
            ? a.Action is SyncActionType.DeleteSource or SyncActionType.DownloadUpdate
            : a.Action is SyncActionType.DeleteDestination or SyncActionType.UploadUpdate;
        if (!removes || kept is null)
        {
            return a;
        }

        var side = onSource ? "source" : "destination";
        var otherSide = onSource ? "destination" : "source";
        if (Mode != SyncMode.TwoWay)
        {
            // Only the kept side's version: the state must not record the two as equal.
            return IncludeUnchanged(a.RelativePath, $"kept: the pair's rules file is never deleted or replaced on the {side}, where its rules are read from",
                onSource ? kept : null, onSource ? null : kept);
        }

        if (other is null)
        {
            var restore = onSource
                ? (rec is null ? SyncActionType.UploadNew : SyncActionType.UploadRestore)
                : (rec is null ? SyncActionType.DownloadNew : SyncActionType.DownloadRestore);
            return Act(restore, a.RelativePath, $"the pair's rules file is never deleted from the {side}, where its rules are read from: copied back to the {otherSide}",
                a.Source, a.Destination);
        }

        return new SyncAction(SyncActionType.Conflict, a.RelativePath,
            $"the pair's rules file differs on the {otherSide}; its rules are read from the {side}, where a sync never replaces it: change it there", a.Source, a.Destination, _info);
    }

    /// <summary>A side that follows Windows naming rules cannot be given a name Windows refuses.</summary>
    private string? CreationProblem(SyncAction a)
    {
        var target = a.TargetSide;
        if (target is null || !(ActionFacts.IsUpload(a.Action) || ActionFacts.IsDownload(a.Action) || ActionFacts.IsRename(a.Action)))
        {
            return null;
        }

        var caps = target == SyncSide.Destination ? _dst.Capabilities : _src.Capabilities;
        if (!caps.CaseSensitive && PathRules.InEngineFolderOtherCase(a.RelativePath))
        {
            var slash = a.RelativePath.IndexOf('/');
            return PathRules.EngineFolderCaseProblem(slash < 0 ? a.RelativePath : a.RelativePath.Substring(0, slash), $"the {target.ToString()!.ToLowerInvariant()}");
        }

        if (!caps.WindowsNames)
        {
            return null;
        }

        var problem = PathRules.WindowsNameProblem(a.RelativePath);
        return problem is null ? null : $"the {target.ToString()!.ToLowerInvariant()} cannot hold this name ({problem}): not synchronized";
    }

    private HashSet<string>? FindCaseConflicts(SideScan s, SideScan d)
    {
        if (_src.Capabilities.CaseSensitive && _dst.Capabilities.CaseSensitive)
        {
            return null;
        }

        // Every path present on either side, once.
        var present = new HashSet<string>(StringComparer.Ordinal);
        present.UnionWith(s.Files.Keys);
        present.UnionWith(d.Files.Keys);
        if (_state is not null)
        {
            foreach (var rec in _state.Records.Values)
            {
                if (s.SawUnchanged(rec) || d.SawUnchanged(rec))
                {
                    present.Add(rec.Key);
                }
            }
        }

        HashSet<string>? result = null;
        var byFolded = new Dictionary<string, string>(StringComparer.Ordinal);
        Dictionary<string, List<string>>? groups = null;
        foreach (var key in present)
        {
            var folded = key.ToUpperInvariant();
            if (byFolded.TryGetValue(folded, out var other))
            {
                result ??= new HashSet<string>(StringComparer.Ordinal);
                result.Add(key);
                result.Add(other);
                groups ??= new Dictionary<string, List<string>>(StringComparer.Ordinal);
                if (!groups.TryGetValue(folded, out var group))
                {
                    groups[folded] = group = new List<string> { other };
                }

                group.Add(key);
            }
            else
            {
                byFolded[folded] = key;
            }
        }

        if (groups is not null)
        {
            foreach (var group in groups.Values)
            {
                if (group.Count == 2)
                {
                    CaseOnlyRename(group[0], group[1], s, d);
                }
            }
        }

        return result;
    }

    /// <summary>Case-only renames planned by <see cref="FindCaseConflicts"/>, by both of their keys.</summary>
    private readonly Dictionary<string, SyncAction> _caseRenames = new(StringComparer.Ordinal);

    /// <summary>
    /// Two keys that differ only in case, one of them tracked, are one file renamed on one side when that side has
    /// only the new name, the other side has only the old name unchanged, and the renamed file is provably the
    /// recorded one (same identity and metadata, or same size and hash). It is replayed as a rename on the other
    /// side, or undone on the renamed side where the mode does not carry that side's changes over (the other side
    /// is authoritative). Only the file name may differ: a folder's case cannot be changed by renaming its files.
    /// Anything else stays a case conflict.
    /// </summary>
    private void CaseOnlyRename(string first, string second, SideScan s, SideScan d)
    {
        if (_state is null || !string.Equals(PathRules.Parent(first), PathRules.Parent(second), StringComparison.Ordinal))
        {
            return;
        }

        var firstTracked = _state.Records.TryGetValue(first, out var firstRec);
        var secondTracked = _state.Records.TryGetValue(second, out var secondRec);
        if (firstTracked == secondTracked)
        {
            return;
        }

        var (old, renamed, rec) = firstTracked ? (first, second, firstRec!) : (second, first, secondRec!);
        if (Blocked(old, s, d) || Blocked(renamed, s, d))
        {
            return;
        }

        var sOld = s.Current(old, rec);
        var dOld = d.Current(old, rec);
        s.Files.TryGetValue(renamed, out var sNew);
        d.Files.TryGetValue(renamed, out var dNew);
        SyncSide renamedOn;
        FileVersion moved, kept;
        if (sOld is null && sNew is not null && dNew is null && d.SawUnchanged(rec))
        {
            (renamedOn, moved, kept) = (SyncSide.Source, sNew, dOld!);
        }
        else if (dOld is null && dNew is not null && sNew is null && s.SawUnchanged(rec))
        {
            (renamedOn, moved, kept) = (SyncSide.Destination, dNew, sOld!);
        }
        else
        {
            return;
        }

        if (!SameAsRecorded(moved, renamedOn == SyncSide.Source ? rec.Source : rec.Destination, renamedOn == SyncSide.Source ? rec.Destination : rec.Source,
                            renamedOn == SyncSide.Source ? _src : _dst))
        {
            return;
        }

        var carried = renamedOn == SyncSide.Source ? Mode.AllowsUpload() : Mode.AllowsDownload();
        var renaming = carried == (renamedOn == SyncSide.Source) ? _dst : _src;
        if (renaming.Capabilities.Rename == RenameSupport.None)
        {
            return; // the side that would be renamed cannot rename: it stays a case conflict, left alone and reported
        }

        var (sourceVersion, destinationVersion) = renamedOn == SyncSide.Source ? (moved, kept) : (kept, moved);
        var renamedOnName = renamedOn == SyncSide.Source ? "source" : "destination";
        SyncAction action;
        if (carried)
        {
            var type = renamedOn == SyncSide.Source ? SyncActionType.RenameDestination : SyncActionType.RenameSource;
            action = new SyncAction(type, renamed, $"renamed on {renamedOnName} from '{old}' (only the case changed)", sourceVersion, destinationVersion, _info, old);
        }
        else
        {
            var type = renamedOn == SyncSide.Source ? SyncActionType.RenameSource : SyncActionType.RenameDestination;
            var otherName = renamedOn == SyncSide.Source ? "destination" : "source";
            action = new SyncAction(type, old, $"renamed on {renamedOnName} to '{renamed}' (only the case changed); the {otherName} is authoritative, so the name is restored",
                                    sourceVersion, destinationVersion, _info, renamed);
        }

        _caseRenames[old] = action;
        _caseRenames[renamed] = action;
    }

    /// <summary>Whether a file found under a new name is the recorded one: same identity and metadata, else same size and content.</summary>
    private bool SameAsRecorded(FileVersion current, FileVersion recorded, FileVersion recordedOther, IStorageProvider side)
    {
        if (current.Size != recorded.Size)
        {
            return false;
        }

        if (current.FileId != 0 && current.FileId == recorded.FileId && current.MtimeTicks == recorded.MtimeTicks)
        {
            current.LearnHashes(recorded);
            current.Hash ??= recordedOther.Hash;
            return true;
        }

        try
        {
            return MatchesRecordedContent(current, recorded, recordedOther, side) == true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // unreadable: not proven the same
        }
    }

    private SyncAction? Decide(string key, FileVersion? s, FileVersion? d, FileVersion lastSource, FileVersion lastDestination)
    {
        var sChanged = s is not null && Changed(s, lastSource, lastDestination, _src);
        var dChanged = d is not null && Changed(d, lastDestination, lastSource, _dst);
        if (s is not null && d is not null)
        {
            if (!sChanged && !dChanged)
            {
                return Unchanged(key, s, d, lastSource, lastDestination);
            }

            if (sChanged != dChanged && _pair.CompareMode is CompareMode.HashThenMtime or CompareMode.HashOnly && s.Size == d.Size
                && ContentEqual(s, _src, d, _dst) == true)
            {
                // Touched, not edited (new time, same content): nothing to copy; the new metadata and hashes are recorded.
                return new SyncAction(SyncActionType.NoAction, key, "modification time changed, content unchanged", s, d, _info) { RecordOnly = true };
            }

            if (sChanged && !dChanged)
            {
                return Mode.AllowsUpload()
                    ? Act(SyncActionType.UploadUpdate, key, "modified on source", s, d)
                    : Act(SyncActionType.DownloadUpdate, key, "modified on source; the destination is authoritative", s, d);
            }

            if (dChanged && !sChanged)
            {
                return Mode.AllowsDownload()
                    ? Act(SyncActionType.DownloadUpdate, key, "modified on destination", s, d)
                    : Act(SyncActionType.UploadUpdate, key, "modified on destination; the source is authoritative", s, d);
            }

            return BothChanged(key, s, d, "modified on both sides");
        }

        if (s is not null)
        {
            // Deleted on the destination since the last sync.
            switch (Mode)
            {
                case SyncMode.TwoWay:
                    return sChanged
                        ? Act(SyncActionType.UploadRestore, key, "deleted on destination but modified on source: the edit wins", s, null)
                        : Act(SyncActionType.DeleteSource, key, "deleted on destination", s, null);
                case SyncMode.SourceToDestination:
                case SyncMode.SourceBackup:
                    return Act(SyncActionType.UploadRestore, key, "deleted on destination; restored from source", s, null);
                case SyncMode.DestinationToSource:
                    return Act(SyncActionType.DeleteSource, key, "deleted on destination", s, null);
                default:
                    return IncludeUnchanged(key, "deleted on destination; the backup on source is kept", s, null);
            }
        }

        if (d is not null)
        {
            // Deleted on the source since the last sync.
            switch (Mode)
            {
                case SyncMode.TwoWay:
                    return dChanged
                        ? Act(SyncActionType.DownloadRestore, key, "deleted on source but modified on destination: the edit wins", null, d)
                        : Act(SyncActionType.DeleteDestination, key, "deleted on source", null, d);
                case SyncMode.SourceToDestination:
                    return Act(SyncActionType.DeleteDestination, key, "deleted on source", null, d);
                case SyncMode.DestinationToSource:
                case SyncMode.DestinationBackup:
                    return Act(SyncActionType.DownloadRestore, key, "deleted on source; restored from destination", null, d);
                default:
                    return IncludeUnchanged(key, "deleted on source; the backup on destination is kept", null, d);
            }
        }

        // Deleted on both sides: forget it.
        return new SyncAction(SyncActionType.NoAction, key, "deleted on both sides", null, null, _info) { RecordOnly = true };
    }

    private SyncAction? DecideNew(string key, FileVersion? s, FileVersion? d)
    {
        var initialTwoWay = _initial && Mode == SyncMode.TwoWay;
        if (s is not null && d is null)
        {
            if (Mode == SyncMode.DestinationToSource)
            {
                return Act(SyncActionType.DeleteSource, key, "not on destination (mirror of destination)", s, null);
            }

            if (Mode == SyncMode.DestinationBackup)
            {
                return IncludeUnchanged(key, "only on source; destination backup leaves it alone", s, null);
            }

            if (initialTwoWay && Preference == InitialSyncPreference.DestinationWins)
            {
                return Act(SyncActionType.DeleteSource, key, "first sync, destination wins: not on destination", s, null);
            }

            return Act(SyncActionType.UploadNew, key, "new on source", s, null);
        }

        if (d is not null && s is null)
        {
            if (Mode == SyncMode.SourceToDestination)
            {
                return Act(SyncActionType.DeleteDestination, key, "not on source (mirror of source)", null, d);
            }

            if (Mode == SyncMode.SourceBackup)
            {
                return IncludeUnchanged(key, "only on destination; source backup leaves it alone", null, d);
            }

            if (initialTwoWay && Preference == InitialSyncPreference.SourceWins)
            {
                return Act(SyncActionType.DeleteDestination, key, "first sync, source wins: not on source", null, d);
            }

            return Act(SyncActionType.DownloadNew, key, "new on destination", null, d);
        }

        if (s is null || d is null)
        {
            return null;
        }

        if (SameContent(s, d))
        {
            return new SyncAction(SyncActionType.NoAction, key, "same on both sides", s, d, _info) { RecordOnly = true };
        }

        switch (Mode)
        {
            case SyncMode.SourceToDestination:
            case SyncMode.SourceBackup:
                return Act(SyncActionType.UploadUpdate, key, "differs; the source is authoritative", s, d);
            case SyncMode.DestinationToSource:
            case SyncMode.DestinationBackup:
                return Act(SyncActionType.DownloadUpdate, key, "differs; the destination is authoritative", s, d);
        }

        if (initialTwoWay && Preference == InitialSyncPreference.SourceWins)
        {
            return Act(SyncActionType.UploadUpdate, key, "first sync, source wins", s, d);
        }

        if (initialTwoWay && Preference == InitialSyncPreference.DestinationWins)
        {
            return Act(SyncActionType.DownloadUpdate, key, "first sync, destination wins", s, d);
        }

        return BothChanged(key, s, d, _initial ? "differs on both sides at first sync" : "created on both sides with different content");
    }

    private SyncAction? Unchanged(string key, FileVersion s, FileVersion d, FileVersion lastSource, FileVersion lastDestination)
    {
        var refresh = !s.SameMetadata(lastSource) || !d.SameMetadata(lastDestination)
                      || !string.Equals(s.Path, lastSource.Path, StringComparison.Ordinal) || !string.Equals(d.Path, lastDestination.Path, StringComparison.Ordinal)
                      || (s.Hash is not null && lastSource.Hash is null) || (d.Hash is not null && lastDestination.Hash is null)
                      || !SameSideMetadata(s, lastSource) || !SameSideMetadata(d, lastDestination);
        if (refresh)
        {
            return new SyncAction(SyncActionType.NoAction, key, "unchanged (metadata refreshed)", s, d, _info) { RecordOnly = true };
        }

        return _options.IncludeUnchanged ? new SyncAction(SyncActionType.NoAction, key, "unchanged", s, d, _info) : null;
    }

    private SyncAction? IncludeUnchanged(string key, string reason, FileVersion? s, FileVersion? d) =>
        _options.IncludeUnchanged ? new SyncAction(SyncActionType.NoAction, key, reason, s, d, _info) : null;

    private SyncAction Act(SyncActionType type, string key, string reason, FileVersion? s, FileVersion? d) => new(type, key, reason, s, d, _info);

    private SyncAction BothChanged(string key, FileVersion s, FileVersion d, string why)
    {
        if (SameContent(s, d))
        {
            return new SyncAction(SyncActionType.NoAction, key, why + ", to the same content", s, d, _info) { RecordOnly = true };
        }

        switch (Mode)
        {
            case SyncMode.SourceToDestination:
            case SyncMode.SourceBackup:
                return Act(SyncActionType.UploadUpdate, key, why + "; the source is authoritative", s, d);
            case SyncMode.DestinationToSource:
            case SyncMode.DestinationBackup:
                return Act(SyncActionType.DownloadUpdate, key, why + "; the destination is authoritative", s, d);
        }

        var strategy = _pair.ConflictResolution;
        var choice = ConflictChoice.Skip;
        var delta = s.MtimeTicks - d.MtimeTicks;
        var noTimes = _pair.CompareMode is CompareMode.SizeOnly or CompareMode.HashOnly;
        var tie = Math.Abs(delta) <= Tolerance;
        string resolution;
        switch (strategy)
        {
            case ConflictResolution.SourceWins:
                choice = ConflictChoice.Source;
                resolution = "source wins";
                break;
            case ConflictResolution.DestinationWins:
                choice = ConflictChoice.Destination;
                resolution = "destination wins";
                break;
            case ConflictResolution.KeepBoth:
                choice = ConflictChoice.KeepBoth;
                resolution = "both kept";
                break;
            case ConflictResolution.Manual:
                if (_options.ConflictHandler is null)
                {
                    return new SyncAction(SyncActionType.Conflict, key, why + "; manual resolution: reported and skipped", s, d, _info);
                }

                choice = _options.ConflictHandler(new ConflictInfo(key, s, d, why, _pair.Name));
                resolution = "chosen by handler: " + choice;
                break;
            default:
                if (noTimes)
                {
                    return new SyncAction(SyncActionType.Conflict, key, why + $"; {_pair.CompareMode} cannot tell which is newer", s, d, _info);
                }

                if (tie)
                {
                    return new SyncAction(SyncActionType.Conflict, key, why + "; both have the same modification time, so neither is newer", s, d, _info);
                }

                choice = delta > 0 ? ConflictChoice.Source : ConflictChoice.Destination;
                resolution = delta > 0 ? "source is newer" : "destination is newer";
                break;
        }

        switch (choice)
        {
            case ConflictChoice.Source:
                return new SyncAction(SyncActionType.UploadUpdate, key, $"conflict ({why}): {resolution}", s, d, _info) { IsConflict = true };
            case ConflictChoice.Destination:
                return new SyncAction(SyncActionType.DownloadUpdate, key, $"conflict ({why}): {resolution}", s, d, _info) { IsConflict = true };
            case ConflictChoice.KeepBoth:
                {
                    var sourceWins = noTimes || delta >= 0;
                    var loser = sourceWins ? d : s;
                    var copy = ConflictName(key, sourceWins ? SyncSide.Destination : SyncSide.Source, loser.LastWriteTimeUtc);
                    return new SyncAction(sourceWins ? SyncActionType.UploadUpdate : SyncActionType.DownloadUpdate, key,
                        $"conflict ({why}): {resolution}; the {(sourceWins ? "destination" : "source")} version is kept as '{copy}'", s, d, _info)
                    {
                        IsConflict = true,
                        ConflictCopyPath = copy,
                    };
                }

            default:
                return new SyncAction(SyncActionType.Conflict, key, why + "; skipped by the conflict handler", s, d, _info);
        }
    }

    /// <summary>The name a losing version is kept under: <c>name (conflict source 2026-11-22 101500).ext</c>.</summary>
    internal static string ConflictName(string key, SyncSide loserSide, DateTime loserTime)
    {
        var parent = PathRules.Parent(key);
        var file = PathRules.FileName(key);
        var dot = file.LastIndexOf('.');
        var stem = dot > 0 ? file.Substring(0, dot) : file;
        var ext = dot > 0 ? file.Substring(dot) : "";
        var label = loserSide == SyncSide.Source ? "source" : "destination";
        var name = $"{stem} (conflict {label} {loserTime.ToString("yyyy-MM-dd HHmmss", CultureInfo.InvariantCulture)}){ext}";
        return parent.Length == 0 ? name : parent + "/" + name;
    }

    /// <summary>Whether a side's file changed since the last sync, by the comparison mode; hashes only when metadata moved.</summary>
    private bool Changed(FileVersion current, FileVersion last, FileVersion lastOther, IStorageProvider side)
    {
        if (current.SameMetadata(last))
        {
            current.LearnHashes(last);
            current.Hash ??= lastOther.Hash;
            return false;
        }

        switch (_pair.CompareMode)
        {
            case CompareMode.SizeOnly:
                return current.Size != last.Size;
            case CompareMode.MtimeOnly:
                return current.MtimeTicks != last.MtimeTicks;
            case CompareMode.SizeAndMtime:
                return current.Size != last.Size || current.MtimeTicks != last.MtimeTicks;
            case CompareMode.HashOnly:
                return MatchesRecordedContent(current, last, lastOther, side) != true;

            default:
                return current.Size != last.Size || MatchesRecordedContent(current, last, lastOther, side) != true;
        }
    }

    /// <summary>Whether the two sides hold the same content, by the comparison mode.</summary>
    private bool SameContent(FileVersion s, FileVersion d)
    {
        var closeInTime = Math.Abs(s.MtimeTicks - d.MtimeTicks) <= Tolerance;
        switch (_pair.CompareMode)
        {
            case CompareMode.SizeOnly:
                return s.Size == d.Size;
            case CompareMode.MtimeOnly:
                return closeInTime;
            case CompareMode.SizeAndMtime:
                return s.Size == d.Size && closeInTime;
            case CompareMode.HashOnly:
                return FileVersion.TryCompareContent(s, d, out var equal) ? equal : string.Equals(Hash(s, _src), Hash(d, _dst), StringComparison.Ordinal);
            default:
                if (s.Size != d.Size)
                {
                    return false;
                }

                // Seed 000: where both sides have a hash (known, or computed now) the hashes decide; close times
                // decide only where a side cannot give one. Equal size and close times are no proof of equal content.
                return ContentEqual(s, _src, d, _dst) ?? closeInTime;
        }
    }

    /// <summary>
    /// Whether two versions hold the same content: by a hash both already hold (SHA-256, or another algorithm both
    /// sides listed, never one algorithm against another), else by SHA-256 computed now; null when a side cannot
    /// give one (<see cref="NotSupportedException"/>).
    /// </summary>
    private bool? ContentEqual(FileVersion a, IStorageProvider aSide, FileVersion b, IStorageProvider bSide)
    {
        if (FileVersion.TryCompareContent(a, b, out var equal))
        {
            return equal;
        }

        var ah = HashIfAvailable(a, aSide);
        var bh = ah is null ? null : HashIfAvailable(b, bSide);
        return ah is null || bh is null ? null : string.Equals(ah, bh, StringComparison.Ordinal);
    }

    /// <summary>
    /// Whether a side's current version holds the content recorded for it at the last sync (<paramref name="last"/>;
    /// <paramref name="lastOther"/>, the other side's recorded version, had the same content): by a hash held by both
    /// (no reading), else by SHA-256 against the recorded one; null when nothing recorded can tell.
    /// </summary>
    private bool? MatchesRecordedContent(FileVersion current, FileVersion last, FileVersion lastOther, IStorageProvider side)
    {
        if (FileVersion.TryCompareContent(current, last, out var equal) || FileVersion.TryCompareContent(current, lastOther, out equal))
        {
            return equal;
        }

        var known = last.Hash ?? lastOther.Hash;
        return known is null ? null : string.Equals(Hash(current, side), known, StringComparison.Ordinal);
    }

    /// <summary>Whether the side's other hashes and version tag are the recorded ones (else the record is refreshed).</summary>
    private static bool SameSideMetadata(FileVersion current, FileVersion last) =>
        string.Equals(current.VersionTag, last.VersionTag, StringComparison.Ordinal)
        && (current.OtherHashes is null || (last.OtherHashes is not null && current.OtherHashes.Equals(last.OtherHashes)));

    /// <summary>The version's hash, computed if not known; null when the side cannot hash (<see cref="NotSupportedException"/>).</summary>
    private string? HashIfAvailable(FileVersion v, IStorageProvider side)
    {
        try
        {
            return Hash(v, side);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private string Hash(FileVersion v, IStorageProvider side)
    {
        if (v.Hash is null)
        {
            v.Hash = side.ComputeHash(v.Path, _ct);
        }

        return v.Hash;
    }

    /// <summary>
    /// Replays renames: a copy of content X to path P on <paramref name="target"/> together with a deletion on the same
    /// side of a path Q that holds the same content X becomes one rename Q → P. Candidates must have the same size;
    /// content is proven by identity (both versions trace back to one state record through unchanged metadata) or by
    /// hashes. Several candidates: identity first, then the same file name, then ordinal path order.
    /// </summary>
    private void PairRenames(List<SyncAction> actions, SyncSide target)
    {
        if ((target == SyncSide.Destination ? _dst : _src).Capabilities.Rename == RenameSupport.None)
        {
            return; // the side cannot rename: the copy and the deletion stay as they are
        }

        var deletes = new List<int>();
        var copies = new List<int>();
        for (var i = 0; i < actions.Count; i++)
        {
            var a = actions[i];
            if (a.IsConflict)
            {
                continue;
            }

            if (target == SyncSide.Destination)
            {
                if (a.Action == SyncActionType.DeleteDestination)
                {
                    deletes.Add(i);
                }
                else if (a.Action is SyncActionType.UploadNew or SyncActionType.UploadRestore)
                {
                    copies.Add(i);
                }
            }
            else
            {
                if (a.Action == SyncActionType.DeleteSource)
                {
                    deletes.Add(i);
                }
                else if (a.Action is SyncActionType.DownloadNew or SyncActionType.DownloadRestore)
                {
                    copies.Add(i);
                }
            }
        }

        if (deletes.Count == 0 || copies.Count == 0)
        {
            return;
        }

        // Candidates by size (never across sizes), each list in ordinal path order; and the deletions whose file is
        // provably a recorded file (same identity, unchanged), by that record's key.
        var bySize = new Dictionary<long, List<int>>();
        var byOrigin = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var i in deletes)
        {
            var victim = Victim(actions[i], target);
            if (!bySize.TryGetValue(victim.Size, out var list))
            {
                bySize[victim.Size] = list = new List<int>();
            }

            list.Add(i);
            if (Origin(victim, target) is { } origin)
            {
                byOrigin[origin] = i;
            }
        }

        foreach (var list in bySize.Values)
        {
            list.Sort((x, y) => string.CompareOrdinal(actions[x].RelativePath, actions[y].RelativePath));
        }

        var replaced = new Dictionary<int, SyncAction>();
        var removed = new HashSet<int>();
        foreach (var ci in copies)
        {
            var copy = actions[ci];
            var content = target == SyncSide.Destination ? copy.Source! : copy.Destination!;
            if (!bySize.TryGetValue(content.Size, out var candidates))
            {
                continue;
            }

            // Identity first: the deletion of the very file this content was recorded as (no content read).
            var originOfContent = Origin(content, target == SyncSide.Destination ? SyncSide.Source : SyncSide.Destination);
            if (originOfContent is not null && byOrigin.TryGetValue(originOfContent, out var same) && !removed.Contains(same)
                && Victim(actions[same], target).Size == content.Size)
            {
                Pair(ci, same);
                continue;
            }

            // Then equal content: candidates with the same file name first, then the others, each in path order.
            var fileName = PathRules.FileName(copy.RelativePath);
            var match = FirstWithSameContent(candidates, content, fileName, sameName: true) ?? FirstWithSameContent(candidates, content, fileName, sameName: false);
            if (match is { } di)
            {
                Pair(ci, di);
            }
        }

        int? FirstWithSameContent(List<int> candidates, FileVersion content, string fileName, bool sameName)
        {
            foreach (var di in candidates)
            {
                if (removed.Contains(di) || (PathRules.FileName(actions[di].RelativePath) == fileName) != sameName)
                {
                    continue;
                }

                try
                {
                    if (ContentEqual(content, target == SyncSide.Destination ? _src : _dst, Victim(actions[di], target), target == SyncSide.Destination ? _dst : _src) == true)
                    {
                        return di;
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // unreadable: not proven the same
                }
            }

            return null;
        }

        void Pair(int ci, int di)
        {
            var copy = actions[ci];
            var content = target == SyncSide.Destination ? copy.Source! : copy.Destination!;
            var del = actions[di];
            var victim = Victim(del, target);
            removed.Add(di);
            var type = target == SyncSide.Destination ? SyncActionType.RenameDestination : SyncActionType.RenameSource;
            var reason = $"renamed on {(target == SyncSide.Destination ? "source" : "destination")} from '{del.RelativePath}'";
            replaced[ci] = target == SyncSide.Destination
                ? new SyncAction(type, copy.RelativePath, reason, content, victim, _info, del.RelativePath)
                : new SyncAction(type, copy.RelativePath, reason, victim, content, _info, del.RelativePath);
        }

        if (replaced.Count == 0)
        {
            return;
        }

        var result = new List<SyncAction>(actions.Count);
        for (var i = 0; i < actions.Count; i++)
        {
            if (removed.Contains(i))
            {
                continue;
            }

            result.Add(replaced.TryGetValue(i, out var r) ? r : actions[i]);
        }

        actions.Clear();
        actions.AddRange(result);
    }

    private static FileVersion Victim(SyncAction delete, SyncSide target) => target == SyncSide.Destination ? delete.Destination! : delete.Source!;

    private Dictionary<ulong, string>? _sourceIds;
    private Dictionary<ulong, string>? _destinationIds;

    /// <summary>The state key whose recorded version on <paramref name="side"/> is this very file, unchanged (same identity and metadata).</summary>
    private string? Origin(FileVersion v, SyncSide side)
    {
        if (_state is null || v.FileId == 0)
        {
            return null;
        }

        var map = side == SyncSide.Source ? (_sourceIds ??= IndexIds(SyncSide.Source)) : (_destinationIds ??= IndexIds(SyncSide.Destination));
        if (!map.TryGetValue(v.FileId, out var key))
        {
            return null;
        }

        var rec = _state.Records[key];
        return side == SyncSide.Source
            ? (rec.SourceSize == v.Size && rec.SourceMtime == v.MtimeTicks ? key : null)
            : (rec.DestinationSize == v.Size && rec.DestinationMtime == v.MtimeTicks ? key : null);
    }

    private Dictionary<ulong, string> IndexIds(SyncSide side)
    {
        var map = new Dictionary<ulong, string>();
        foreach (var kv in _state!.Records)
        {
            var id = side == SyncSide.Source ? kv.Value.SourceId : kv.Value.DestinationId;
            if (id != 0)
            {
                map[id] = kv.Key;
            }
        }

        return map;
    }

    /// <summary>Execution order: renames, then copies, then deletions (so an interrupted run has copied before it deleted), then records.</summary>
    private static int CompareForExecution(SyncAction x, SyncAction y)
    {
        var rx = Rank(x.Action);
        var ry = Rank(y.Action);
        return rx != ry ? rx - ry : string.CompareOrdinal(x.RelativePath, y.RelativePath);
    }

    private static int Rank(SyncActionType a) => a switch
    {
        SyncActionType.RenameSource or SyncActionType.RenameDestination => 0,
        SyncActionType.DeleteSource or SyncActionType.DeleteDestination => 2,
        SyncActionType.NoAction => 3,
        SyncActionType.Conflict => 4,
        _ => 1,
    };
}
