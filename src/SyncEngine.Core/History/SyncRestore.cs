using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SyncEngine.Storage;

namespace SyncEngine.History;

/// <summary>What to restore: a file, a folder or a whole side, as of a time or a given version.</summary>
public sealed class RestoreOptions
{
    /// <summary>The side whose files are restored (with <see cref="VersionId"/>, null means the entry's side).</summary>
    public SyncSide? Side { get; init; }

    /// <summary>A file or folder, relative to the root; null or empty: the whole side.</summary>
    public string? Path { get; init; }

    /// <summary>Restore every file under <see cref="Path"/> as it was at this time.</summary>
    public DateTime? AsOf { get; init; }

    /// <summary>Restore the version this change log entry replaced or deleted (<see cref="SyncHistoryEntry.Id"/>).</summary>
    public string? VersionId { get; init; }

    /// <summary>
    /// A folder on the restored side, relative to its root, to restore into (each file keeps its relative path under
    /// it) instead of in place. Nothing is deleted when restoring into a folder.
    /// </summary>
    public string? To { get; init; }
}

/// <summary>
/// Plans a restore from the change log: ordinary actions that go through <see cref="SyncSession.BeginExecute"/> like a
/// sync's (what-if, confirmation, the guards, the trash for what they replace or delete). A version is found where the
/// log says it was kept (on either side: both sides held it after the sync that made it), or as a live file on either
/// side that still is that version. Restoring in place also deletes (to the trash) files that did not exist at the
/// date. The state is not touched: the next sync carries the restored side to the other side as any edit.
/// </summary>
public static class SyncRestore
{
    /// <summary>
    /// The restore plan. Throws <see cref="SyncEngineException"/>: SyncHistoryEmpty (no change log yet),
    /// SyncHistoryDateBeforeFirstSync, SyncHistoryPathNotFound, SyncHistoryVersionNotFound, SyncHistoryVersionNotKept,
    /// SyncHistoryVersionPruned, SyncRestoreInvalidArgument. Changes nothing. For a folder or a whole side, a file whose
    /// version is no longer kept is left out with a warning in <see cref="SyncPlan.Warnings"/>; for a single file or a
    /// version id it is an error.
    /// </summary>
    public static SyncPlan Plan(SyncSession session, RestoreOptions options)
    {
        if (session is null)
        {
            throw new ArgumentNullException(nameof(session));
        }

        return Plan(new Context(session.Pair, session.StateDir, session.Source, session.Destination, session.State.Records.Count, session.UtcNow()), options);
    }

    /// <summary>
    /// The restore plan made without the pair's lock (what-if, <c>-WhatIf</c>): reads the state and the change log,
    /// looks at the sides, changes and records nothing. The actions are for showing; execute a plan made by
    /// <see cref="Plan(SyncSession, RestoreOptions)"/>. Opens the sides from the pair unless providers are given (the
    /// planner disposes those). Throws as <see cref="Plan(SyncSession, RestoreOptions)"/>.
    /// </summary>
    public static SyncPlan Preview(SyncPair pair, RestoreOptions options, IStorageProvider? source = null, IStorageProvider? destination = null)
    {
        if (pair is null)
        {
            throw new ArgumentNullException(nameof(pair));
        }

        IStorageProvider src;
        IStorageProvider dst;
        try
        {
            pair.Validate();
            (src, dst) = SyncSession.OpenSides(pair, source, destination);
        }
        catch
        {
            source?.Dispose();
            destination?.Dispose();
            throw;
        }

        using (src)
        using (dst)
        {
            var stateDir = pair.ResolvedStatePath;
            var load = System.IO.Directory.Exists(stateDir) ? State.StateStore.Load(stateDir, pair) : new State.StateLoad();
            return Plan(new Context(pair, stateDir, src, dst, load.State?.Records.Count ?? 0, DateTime.UtcNow), options);
        }
    }

    private sealed record Context(SyncPair Pair, string StateDir, IStorageProvider Source, IStorageProvider Destination, int Tracked, DateTime Now);

    private static SyncPlan Plan(Context session, RestoreOptions options)
    {
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
            while (to.StartsWith("./", StringComparison.Ordinal))
            {
                to = to.Substring(2);
            }

            if (to.Length == 0 || to == "." || PathRules.ValidateRelative(to) is not null
                || to.Split('/')[0].Equals(PathRules.EngineFolder, StringComparison.OrdinalIgnoreCase))
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

        var finder = new Finder(session, all);
        var wants = new List<Want>();
        SyncSide side;
        if (options.VersionId is { } id)
        {
            var e = all.FirstOrDefault(x => string.Equals(x.Id, id, StringComparison.Ordinal))
                    ?? throw new SyncEngineException("SyncHistoryVersionNotFound", SyncErrorKind.NotFound, $"The change log of '{session.Pair.Name}' has no entry '{id}'.", id);
            side = options.Side ?? e.Side;
            if (e.OldVersion is null || e.Action == ChangeKind.Rename)
            {
                throw NotKept(e, e.OldVersion is null ? "it created the file, so it replaced no version" : "a rename replaces no version; restore the path by date instead");
            }

            var target = to is null ? e.Path : to + "/" + e.Path;
            wants.Add(new Want(e.Path, target, e.OldVersion, e, Strict: true));
        }
        else
        {
            side = options.Side ?? throw Invalid("Say which side to restore (--side source|destination / -Side).", null);
            var asOf = options.AsOf!.Value.ToUniversalTime();
            if (asOf < all[0].TimeUtc)
            {
                throw new SyncEngineException("SyncHistoryDateBeforeFirstSync", SyncErrorKind.NotFound, string.Format(CultureInfo.InvariantCulture,
                    "{0:u} is before the first change the pair '{1}' recorded ({2:u}): the engine knows nothing of the files then.", asOf, session.Pair.Name, all[0].TimeUtc),
                    options.AsOf.Value.ToString("o", CultureInfo.InvariantCulture));
            }

            var prefix = SyncHistory.NormalizePath(options.Path);
            var paths = new SortedDictionary<string, string>(StringComparer.Ordinal); // key -> path as logged
            foreach (var e in all)
            {
                foreach (var p in new[] { e.Path, e.PreviousPath })
                {
                    if (p is not null && (prefix is null || SyncHistory.Under(p, prefix)) && !paths.ContainsKey(PathRules.Key(p)))
                    {
                        paths[PathRules.Key(p)] = p;
                    }
                }
            }

            if (paths.Count == 0)
            {
                throw new SyncEngineException("SyncHistoryPathNotFound", SyncErrorKind.NotFound,
                    $"The change log of '{session.Pair.Name}' never saw '{options.Path ?? "/"}' on either side.", options.Path);
            }

            // One file named exactly: its version missing is an error, not a warning.
            var single = prefix is not null && paths.Count == 1 && paths.ContainsKey(prefix);
            foreach (var p in paths.Values)
            {
                var target = to is null ? p : to + "/" + p;
                wants.Add(new Want(p, target, VersionAt(all, p, asOf, out var at), at, single));
            }
        }

        var tracked = session.Tracked;
        var info = new SyncPlanInfo(session.Pair, Guid.NewGuid(), session.Now, tracked, tracked, isInitialSync: false) { TrackedFileCount = tracked };
        var provider = side == SyncSide.Source ? session.Source : session.Destination;
        var actions = new List<SyncAction>();
        foreach (var w in wants)
        {
            var currentEntry = provider.Stat(w.Target);
            var current = currentEntry is null ? null : FileVersion.FromEntry(currentEntry);
            if (w.Version is null)
            {
                // No file at this path then: in place, the one there now goes (to the trash); into a folder, nothing.
                if (current is not null && to is null)
                {
                    var type = side == SyncSide.Source ? SyncActionType.DeleteSource : SyncActionType.DeleteDestination;
                    actions.Add(new SyncAction(type, w.Target, "restore: the file did not exist then", side == SyncSide.Source ? current : null, side == SyncSide.Destination ? current : null, info)
                    {
                        FromRestore = true,
                    });
                }

                continue;
            }

            if (current is not null && Same(current, w.Version))
            {
                continue; // already the version asked for
            }

            var copy = finder.Find(w.Path, w.Version, w.Entry);
            if (copy.Found is null)
            {
                if (w.Strict)
                {
                    throw copy.Error!;
                }

                warnings.Add(copy.Error!.Message);
                continue;
            }

            var restoreType = side == SyncSide.Source ? SyncActionType.RestoreSource : SyncActionType.RestoreDestination;
            var reason = w.Entry is null
                ? string.Format(CultureInfo.InvariantCulture, "restore the version of {0:u} ({1} bytes)", w.Version.LastWriteTimeUtc, w.Version.Size)
                : string.Format(CultureInfo.InvariantCulture, "restore the version {0} replaced ({1} of {2:u}; {3} bytes)", w.Entry.Id, ChangeLog.KindName(w.Entry.Action), w.Entry.TimeUtc, w.Version.Size);
            actions.Add(new SyncAction(restoreType, w.Target, reason, side == SyncSide.Source ? current : null, side == SyncSide.Destination ? current : null, info)
            {
                RestoreFrom = copy.Found.Value.Version,
                RestoreFromSide = copy.Found.Value.Side,
                RestoreVersion = w.Version,
                RestoreEntryId = w.Entry?.Id,
                FromRestore = true,
            });
        }

        return new SyncPlan(info, actions, warnings, Array.Empty<ScanIssue>(), stateWasUnreadable: false);
    }

    private sealed record Want(string Path, string Target, HistoryVersion? Version, SyncHistoryEntry? Entry, bool Strict);

    /// <summary>Whether a file on disk is the logged version (size and time; the hash too when both know it).</summary>
    internal static bool Same(FileVersion v, HistoryVersion h) =>
        v.Size == h.Size && v.MtimeTicks == h.MtimeTicks && (v.Hash is null || h.Sha256 is null || string.Equals(v.Hash, h.Sha256, StringComparison.Ordinal));

    /// <summary>Two logged versions are the same content (by SHA-256 when both have it, else by size and time).</summary>
    private static bool SameVersion(HistoryVersion a, HistoryVersion b) =>
        a.Sha256 is not null && b.Sha256 is not null
            ? a.Size == b.Size && string.Equals(a.Sha256, b.Sha256, StringComparison.Ordinal)
            : a.Size == b.Size && a.MtimeTicks == b.MtimeTicks;

    private static bool Is(string? a, string b) => a is not null && string.Equals(PathRules.Key(a), PathRules.Key(b), StringComparison.Ordinal);

    /// <summary>
    /// The version <paramref name="path"/> had at <paramref name="asOf"/> (on the pair: both sides held it after the
    /// sync that made it), or null when there was no file there. <paramref name="at"/> is the first later change that
    /// replaced, deleted or renamed that version (where it may be kept), or null.
    /// </summary>
    private static HistoryVersion? VersionAt(List<SyncHistoryEntry> all, string path, DateTime asOf, out SyncHistoryEntry? at)
    {
        at = null;
        SyncHistoryEntry? before = null;
        foreach (var e in all)
        {
            if (!Is(e.Path, path) && !Is(e.PreviousPath, path))
            {
                continue;
            }

            if (e.TimeUtc <= asOf)
            {
                before = e;
            }
            else
            {
                at = e;
                break;
            }
        }

        if (before is not null)
        {
            // The last change up to the date says what the path held after it.
            if (before.Action == ChangeKind.Delete || (before.Action == ChangeKind.Rename && Is(before.PreviousPath, path)))
            {
                return null;
            }

            return before.NewVersion;
        }

        // Nothing up to the date: the first change after it says what it found there.
        if (at is null || (at.Action == ChangeKind.Rename && !Is(at.PreviousPath, path)))
        {
            return null; // renamed onto a free name
        }

        return at.OldVersion;
    }

    /// <summary>Finds a copy of a logged version: a kept copy on either side, or a live file that still is that version.</summary>
    private sealed class Finder
    {
        private readonly Context _session;
        private readonly List<SyncHistoryEntry> _all;

        public Finder(Context session, List<SyncHistoryEntry> all)
        {
            _session = session;
            _all = all;
        }

        public ((SyncSide Side, FileVersion Version)? Found, SyncEngineException? Error) Find(string path, HistoryVersion version, SyncHistoryEntry? first)
        {
            var keptSomewhere = new List<string>();

            // The kept copies the log lists for this content, the one made by the change after the date first.
            var kept = _all.Where(e => e.HasKeptVersion && e.KeptSide is not null && SameVersion(e.OldVersion!, version)).ToList();
            if (first is not null && kept.Remove(first))
            {
                kept.Insert(0, first);
            }

            foreach (var e in kept)
            {
                var provider = Side(e.KeptSide!.Value);
                var entry = provider.Stat(e.KeptPath!);
                keptSomewhere.Add($"'{e.KeptPath}' on the {ChangeLog.SideName(e.KeptSide.Value)}");
                if (entry is not null && entry.Size == version.Size)
                {
                    return ((e.KeptSide.Value, FileVersion.FromEntry(entry)), null);
                }
            }

            // A live file that is still this version: the path itself, or where later renames took it, on either side.
            foreach (var live in LiveCandidates(path))
            {
                foreach (var s in new[] { SyncSide.Source, SyncSide.Destination })
                {
                    var entry = Side(s).Stat(live);
                    if (entry is not null && Same(FileVersion.FromEntry(entry), version))
                    {
                        return ((s, FileVersion.FromEntry(entry)), null);
                    }
                }
            }

            var what = string.Format(CultureInfo.InvariantCulture, "the version of '{0}' of {1:u} ({2} bytes{3})", path, version.LastWriteTimeUtc, version.Size,
                version.Sha256 is null ? "" : ", SHA-256 " + version.Sha256.Substring(0, 12) + "…");
            if (keptSomewhere.Count > 0)
            {
                return (null, new SyncEngineException("SyncHistoryVersionPruned", SyncErrorKind.NotFound, string.Format(CultureInfo.InvariantCulture,
                    "Cannot restore {0}: it was kept at {1}, and is no longer there (removed by trash retention, {2} days, or by hand).",
                    what, string.Join(", ", keptSomewhere), _session.Pair.TrashRetention.TotalDays), first?.Id ?? path));
            }

            return (null, new SyncEngineException("SyncHistoryVersionNotKept", SyncErrorKind.NotFound,
                $"Cannot restore {what}: no copy of it was kept (the change that replaced it kept none: a pair without trash, or a version the engine never replaced) and no file on either side is that version.",
                first?.Id ?? path));
        }

        private IStorageProvider Side(SyncSide s) => s == SyncSide.Source ? _session.Source : _session.Destination;

        private IEnumerable<string> LiveCandidates(string path)
        {
            yield return path;
            var at = path;
            foreach (var e in _all)
            {
                if (e.Action == ChangeKind.Rename && Is(e.PreviousPath, at))
                {
                    at = e.Path;
                    yield return at;
                }
            }
        }
    }

    private static SyncEngineException Invalid(string message, string? target) =>
        new("SyncRestoreInvalidArgument", SyncErrorKind.InvalidArgument, message, target);

    private static SyncEngineException NotKept(SyncHistoryEntry e, string why) =>
        new("SyncHistoryVersionNotKept", SyncErrorKind.NotFound, $"The entry {e.Id} ({ChangeLog.KindName(e.Action)} of '{e.Path}', {e.TimeUtc:u}) names no version to restore: {why}.", e.Id);
}
