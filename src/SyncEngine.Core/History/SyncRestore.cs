using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SyncEngine.Storage;

namespace SyncEngine.History;

/// <summary>What to restore: a file, a folder or a whole side, as of a time or a given version.</summary>
public sealed class RestoreOptions
{
    /// <summary>The side whose files are restored (ignored with <see cref="VersionId"/> when null: the entry's side).</summary>
    public SyncSide? Side { get; init; }

    /// <summary>A file or folder, relative to the root; null or empty: the whole side.</summary>
    public string? Path { get; init; }

    /// <summary>Restore every file under <see cref="Path"/> as it was at this time.</summary>
    public DateTime? AsOf { get; init; }

    /// <summary>Restore the version this change log entry replaced or deleted (<see cref="SyncHistoryEntry.Id"/>).</summary>
    public string? VersionId { get; init; }

    /// <summary>A folder on the same side, relative to its root, to restore into (keeping each file's relative path) instead of in place.</summary>
    public string? To { get; init; }
}

/// <summary>
/// Plans a restore from the change log: ordinary actions (<see cref="SyncActionType.RestoreSource"/>,
/// <see cref="SyncActionType.RestoreDestination"/>) that copy kept versions back, executed by
/// <see cref="SyncSession.BeginExecute"/> like a sync's (what-if, guards, confirmation, the trash for what they replace).
/// </summary>
public static class SyncRestore
{
    /// <summary>
    /// The restore plan. Throws <see cref="SyncEngineException"/>: SyncHistoryEmpty (no change log yet),
    /// SyncHistoryDateBeforeFirstSync, SyncHistoryPathNotFound, SyncHistoryVersionNotFound, SyncHistoryVersionNotKept,
    /// SyncHistoryVersionPruned, SyncRestoreInvalidArgument. Changes nothing.
    /// </summary>
    public static SyncPlan Plan(SyncSession session, RestoreOptions options)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if ((options.AsOf is null) == (options.VersionId is null))
        {
            throw Invalid("Give either a date (--date / -Date) or a version (--version / -Version), not both or neither.", null);
        }

        string? to = null;
        if (!string.IsNullOrEmpty(options.To))
        {
            to = options.To!.Replace('\\', '/').Trim('/');
            if (PathRules.ValidateRelative(to) is { } why || to.Split('/')[0].Equals(PathRules.EngineFolder, StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid($"The folder to restore into '{options.To}' must be a relative folder on the side, outside '{PathRules.EngineFolder}'.", options.To);
            }
        }

        var warnings = new List<string>();
        var all = SyncHistory.ReadAll(session.StateDir, warnings.Add);
        if (all.Count == 0)
        {
            throw new SyncEngineException("SyncHistoryEmpty", SyncErrorKind.NotFound,
                $"The pair '{session.Pair.Name}' has no change history yet (no '{ChangeLog.FileName}' in '{session.StateDir}'): nothing can be restored.", session.StateDir);
        }

        var picks = new List<(string Target, SyncHistoryEntry? Entry, string From, HistoryVersion Version, SyncSide Side)>();
        if (options.VersionId is { } id)
        {
            var e = all.FirstOrDefault(x => string.Equals(x.Id, id, StringComparison.Ordinal))
                    ?? throw new SyncEngineException("SyncHistoryVersionNotFound", SyncErrorKind.NotFound, $"The change log of '{session.Pair.Name}' has no entry '{id}'.", id);
            if (options.Side is { } side && side != e.Side)
            {
                throw Invalid($"The entry '{id}' is about the {ChangeLog.SideName(e.Side)}, not the {ChangeLog.SideName(side)}.", id);
            }

            if (!e.HasKeptVersion)
            {
                throw NotKept(e, "this change kept no earlier version (" + (e.OldVersion is null ? "it created the file" : e.Action == ChangeKind.Rename ? "a rename replaces nothing" : "the pair does not use the trash") + ")");
            }

            picks.Add((Target(to, e.Path), e, e.KeptPath!, e.OldVersion!, e.Side));
        }
        else
        {
            var side = options.Side ?? throw Invalid("Say which side to restore (--side source|destination / -Side).", null);
            var asOf = options.AsOf!.Value.ToUniversalTime();
            if (asOf < all[0].TimeUtc)
            {
                throw new SyncEngineException("SyncHistoryDateBeforeFirstSync", SyncErrorKind.NotFound, string.Format(CultureInfo.InvariantCulture,
                    "{0:u} is before the first change the pair '{1}' recorded ({2:u}): the engine knows nothing of the files then.", asOf, session.Pair.Name, all[0].TimeUtc), options.AsOf.Value.ToString("o", CultureInfo.InvariantCulture));
            }

            var prefix = SyncHistory.NormalizePath(options.Path);
            var mine = all.Where(x => x.Side == side).ToList();
            var paths = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var e in mine)
            {
                foreach (var p in new[] { e.Path, e.PreviousPath })
                {
                    if (p is not null && (prefix is null || SyncHistory.Under(p, prefix)))
                    {
                        paths.Add(p);
                    }
                }
            }

            if (paths.Count == 0)
            {
                throw new SyncEngineException("SyncHistoryPathNotFound", SyncErrorKind.NotFound,
                    $"The change log of '{session.Pair.Name}' never saw '{options.Path ?? "/"}' on the {ChangeLog.SideName(side)}.", options.Path);
            }

            foreach (var p in paths)
            {
                if (Locate(mine, p, asOf) is { } found)
                {
                    picks.Add((Target(to, p), found.Entry, found.From, found.Version, side));
                }
            }
        }

        var now = session.UtcNow();
        var info = new SyncPlanInfo(session.Pair, Guid.NewGuid(), now, 0, 0, isInitialSync: false);
        var actions = new List<SyncAction>();
        foreach (var (target, entry, from, version, side) in picks)
        {
            var provider = side == SyncSide.Source ? session.Source : session.Destination;
            var keptEntry = provider.Stat(from);
            if (keptEntry is null)
            {
                throw new SyncEngineException("SyncHistoryVersionPruned", SyncErrorKind.NotFound, string.Format(CultureInfo.InvariantCulture,
                    "The version of '{0}' of {1:u} ({2} bytes) was kept at '{3}' on the {4}, and is no longer there (removed by trash retention, {5} days, or by hand).",
                    target, version.LastWriteTimeUtc, version.Size, from, ChangeLog.SideName(side), session.Pair.TrashRetention.TotalDays), entry?.Id ?? from);
            }

            if (keptEntry.Size != version.Size)
            {
                throw NotKept(entry, $"'{from}' on the {ChangeLog.SideName(side)} holds another version ({keptEntry.Size} bytes, not {version.Size})");
            }

            var kept = FileVersion.FromEntry(keptEntry);
            kept.Hash ??= version.Sha256;
            var currentEntry = provider.Stat(target);
            var current = currentEntry is null ? null : FileVersion.FromEntry(currentEntry);
            if (current is not null && current.Size == version.Size && current.MtimeTicks == kept.MtimeTicks)
            {
                continue; // already the version asked for
            }

            var type = side == SyncSide.Source ? SyncActionType.RestoreSource : SyncActionType.RestoreDestination;
            var reason = entry is null ? $"restore the version of {version.LastWriteTimeUtc:u}" : $"restore the version {entry.Id} replaced ({entry.Action} of {entry.TimeUtc:u})";
            actions.Add(new SyncAction(type, target, reason, side == SyncSide.Source ? current : null, side == SyncSide.Destination ? current : null, info)
            {
                RestoreFrom = kept,
                RestoreEntryId = entry?.Id,
            });
        }

        return new SyncPlan(info, actions, warnings, Array.Empty<ScanIssue>(), stateWasUnreadable: false);
    }

    private static string Target(string? to, string path) => to is null ? path : to + "/" + path;

    /// <summary>
    /// Where the version <paramref name="path"/> had at <paramref name="asOf"/> is now: the kept copy made by the first
    /// later change that replaced or deleted it, following renames; null when the path had no file then, or still has it.
    /// </summary>
    private static (SyncHistoryEntry? Entry, string From, HistoryVersion Version)? Locate(List<SyncHistoryEntry> entries, string path, DateTime asOf)
    {
        var at = path;
        var i = entries.FindIndex(e => e.TimeUtc > asOf);
        if (i < 0)
        {
            return null; // nothing changed since
        }

        var followedRename = false;
        HistoryVersion? version = null;
        for (; i < entries.Count; i++)
        {
            var e = entries[i];
            var renamedAway = e.Action == ChangeKind.Rename && string.Equals(e.PreviousPath, at, StringComparison.Ordinal);
            if (!renamedAway && !string.Equals(e.Path, at, StringComparison.Ordinal))
            {
                continue;
            }

            if (e.OldVersion is null)
            {
                // Created after the date (or renamed onto a free name): no file here then.
                return followedRename ? throw NotKept(e, $"'{path}' was renamed to '{at}' and replaced there without a kept copy") : null;
            }

            version ??= e.OldVersion;
            if (renamedAway)
            {
                at = e.Path; // the content moved on, unchanged
                followedRename = true;
                continue;
            }

            if (e.KeptPath is null)
            {
                throw NotKept(e, "the change that replaced it kept no copy (the pair does not use the trash)");
            }

            return (e, e.KeptPath, version);
        }

        // Renamed and never changed since: the version is the live file at its new name.
        return followedRename && version is not null ? (null, at, version) : null;
    }

    private static SyncEngineException Invalid(string message, string? target) =>
        new("SyncRestoreInvalidArgument", SyncErrorKind.InvalidArgument, message, target);

    private static SyncEngineException NotKept(SyncHistoryEntry? e, string why) =>
        new("SyncHistoryVersionNotKept", SyncErrorKind.NotFound, e is null ? $"The version cannot be restored: {why}." : $"The version '{e.Path}' had before {e.Id} ({e.TimeUtc:u}) cannot be restored: {why}.", e?.Id);
}
