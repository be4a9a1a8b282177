using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SyncEngine.Ignore;
using SyncEngine.State;
using SyncEngine.Storage;

namespace SyncEngine.Scanning;

/// <summary>One side's listing, keyed by NFC path.</summary>
internal sealed class SideScan
{
    public SideScan(SyncSide side) => Side = side;

    public SyncSide Side { get; }

    public bool RootExists { get; set; }

    /// <summary>
    /// Files that are new or differ from their state record. A file found exactly as its record says is not stored
    /// here: the record is marked seen (<see cref="StateRecord.SourceSeen"/> / <see cref="StateRecord.DestinationSeen"/>
    /// equal to <see cref="Epoch"/>), so a no-change listing of a million files keeps no per-file objects.
    /// </summary>
    public Dictionary<string, FileVersion> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Records found unchanged whose pending version tag the listing completed (<see cref="StateRecord.TagMatches"/>),
    /// with the listed tag; <see cref="ApplyCompletedTags"/> sets them once both sides are scanned.
    /// </summary>
    public List<KeyValuePair<StateRecord, string>>? CompletedTags { get; set; }

    /// <summary>Sets the tags the listing completed on their records (call when no other scan runs).</summary>
    public void ApplyCompletedTags()
    {
        if (CompletedTags is null)
        {
            return;
        }

        foreach (var kv in CompletedTags)
        {
            kv.Key.SetMetadata(Side, kv.Key.OtherHashes(Side), kv.Value);
        }

        CompletedTags = null;
    }

    /// <summary>The plan epoch the seen marks of this listing carry.</summary>
    public int Epoch { get; set; }

    /// <summary>Files listed in all (stored or marked seen).</summary>
    public int Count { get; set; }

    /// <summary>Whether the state record's file was listed unchanged on this side.</summary>
    public bool SawUnchanged(StateRecord rec) => (Side == SyncSide.Source ? rec.SourceSeen : rec.DestinationSeen) == Epoch;

    /// <summary>This side's current version of a path: from the listing, or from the record when seen unchanged; null when absent.</summary>
    public FileVersion? Current(string key, StateRecord? rec)
    {
        if (rec is not null && SawUnchanged(rec))
        {
            return Side == SyncSide.Source ? rec.Source : rec.Destination;
        }

        return Files.TryGetValue(key, out var v) ? v : null;
    }

    /// <summary>Keys that exist but could not be used (name collisions, unreadable): the planner leaves them alone.</summary>
    public HashSet<string> BlockedKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>Folders that could not be read: nothing below them may be treated as deleted.</summary>
    public List<string> BlockedFolders { get; } = new();
}

/// <summary>Lists a side through the ignore rules, reporting what it leaves out.</summary>
internal static class Scanner
{
    /// <summary>
    /// Lists a side. With a scope (a watch's dirty paths) only the folders leading to and lying under them are walked,
    /// and only the files and issues it covers are kept.
    /// </summary>
    public static SideScan Scan(IStorageProvider provider, SyncSide side, IgnoreRules rules, PairState? state, int epoch, Action<ScanIssue> onIssue,
                                Action<SyncProgressEvent>? progress, CancellationToken ct, Watch.WatchScope? scope = null)
    {
        var scan = new SideScan(side) { Epoch = epoch };
        var records = state?.Records;
        progress?.Invoke(new SyncProgressEvent { Type = SyncEventType.ScanStart, Side = side });
        scan.RootExists = provider.RootExists();
        if (!scan.RootExists)
        {
            progress?.Invoke(new SyncProgressEvent { Type = SyncEventType.ScanComplete, Side = side });
            return scan;
        }

        // A store that keeps each file's own time in metadata (S3) lists its own time instead: an entry whose size and
        // version tag are the recorded ones is the recorded version (no request); any other is looked up afterwards.
        var timesListed = provider.Capabilities.MtimeInListing;
        List<KeyValuePair<string, StorageEntry>>? untimed = null;

        // NFC/NFD twins can only arise among non-ASCII names: only those are tracked.
        Dictionary<string, string>? nonAscii = null;
        var count = 0;
        var lastReport = Environment.TickCount;
        void Issue(ScanIssue i)
        {
            if (scope is not null && !scope.Covers(PathRules.Key(i.Path)) && !scope.LeadsTo(PathRules.Key(i.Path)))
            {
                return; // a sibling of a dirty path, listed only on the way to it
            }

            // A provider that does not set the flag but reports an unreadable folder in these words is honoured too:
            // erring towards "leave alone" never loses data.
            var covers = i.CoversSubtree || i.Reason.StartsWith("folder cannot be read", StringComparison.Ordinal);
            var fixedIssue = new ScanIssue(side, i.Path, i.Reason, covers);
            if (covers)
            {
                lock (scan.BlockedFolders)
                {
                    scan.BlockedFolders.Add(i.Path == "." ? "" : i.Path);
                }

                if (i.Path != "." && PathRules.ValidateRelative(i.Path) is null)
                {
                    scan.BlockedKeys.Add(PathRules.Key(i.Path));
                }
            }
            else if (PathRules.ValidateRelative(i.Path) is null)
            {
                scan.BlockedKeys.Add(PathRules.Key(i.Path));
            }

            onIssue(fixedIssue);
        }

        foreach (var entry in provider.Enumerate(folder => PathRules.ValidateRelative(folder) is null && !rules.IsIgnored(folder, isDirectory: true) && (scope is null || scope.IncludeFolder(PathRules.Key(folder))), Issue, ct))
        {
            // Never trust a listing: a name that would leave the root (absolute, '..', NUL, empty segment) is refused
            // here whatever the provider did, and never reaches the ignore rules, the planner or the disk.
            var problem = PathRules.ValidateRelative(entry.Path);
            if (problem is not null)
            {
                onIssue(new ScanIssue(side, PathRules.Printable(entry.Path), problem));
                continue;
            }

            if (entry.Kind != EntryKind.File)
            {
                continue;
            }

            if (scope is not null && !scope.Covers(PathRules.Key(entry.Path)))
            {
                continue;
            }

            if (rules.IsIgnored(entry.Path, isDirectory: false))
            {
                continue;
            }

            var key = PathRules.Key(entry.Path);
            if (scan.BlockedKeys.Contains(key))
            {
                continue;
            }

            if (!IsAscii(key))
            {
                nonAscii ??= new Dictionary<string, string>(StringComparer.Ordinal);
                if (nonAscii.TryGetValue(key, out var otherRaw))
                {
                    // Two names that are the same after NFC normalization (one NFC, one NFD): neither is safe to sync.
                    scan.Files.Remove(key);
                    scan.BlockedKeys.Add(key);
                    onIssue(new ScanIssue(side, entry.Path, $"same name as '{otherRaw}' after Unicode normalization: neither is synchronized"));
                    continue;
                }

                nonAscii[key] = entry.Path;
            }

            count++;
            if (records is not null && records.TryGetValue(key, out var rec)
                && (timesListed
                    ? rec.Matches(side, entry.Path, entry.Size, entry.MtimeTicks, entry.FileId)
                    : rec.MatchesTag(side, entry.Path, entry.Size, entry.VersionTag)))
            {
                if (!timesListed && !string.Equals(rec.Tag(side), entry.VersionTag, StringComparison.Ordinal))
                {
                    // A pending tag completed by the listing: kept aside, set once both sides are scanned.
                    (scan.CompletedTags ??= new List<KeyValuePair<StateRecord, string>>()).Add(new KeyValuePair<StateRecord, string>(rec, entry.VersionTag!));
                }

                // A recorded version whose identity is unknown (forgotten on upgrade) learns it here; it is saved with
                // the next state the run writes.
                if (side == SyncSide.Source)
                {
                    rec.SourceSeen = (ushort)epoch;
                    if (rec.SourceId == 0)
                    {
                        rec.SourceId = entry.FileId;
                    }
                }
                else
                {
                    rec.DestinationSeen = (ushort)epoch;
                    if (rec.DestinationId == 0)
                    {
                        rec.DestinationId = entry.FileId;
                    }
                }
            }
            else if (timesListed)
            {
                scan.Files[key] = FileVersion.FromEntry(entry);
            }
            else
            {
                (untimed ??= new List<KeyValuePair<string, StorageEntry>>()).Add(new KeyValuePair<string, StorageEntry>(key, entry));
            }

            if (progress is not null && (count & 1023) == 0 && unchecked(Environment.TickCount - lastReport) > 250)
            {
                lastReport = Environment.TickCount;
                progress(new SyncProgressEvent { Type = SyncEventType.ScanProgress, Side = side, FilesDone = count });
            }
        }

        // A name seen twice (NFC twin found after its first twin was marked seen) must not count as unchanged.
        if (records is not null)
        {
            foreach (var key in scan.BlockedKeys)
            {
                if (records.TryGetValue(key, out var rec))
                {
                    if (side == SyncSide.Source)
                    {
                        rec.SourceSeen = 0;
                    }
                    else
                    {
                        rec.DestinationSeen = 0;
                    }
                }
            }
        }

        if (untimed is not null)
        {
            AddWithOwnTimes(provider, side, scan, untimed, onIssue, ct);
        }

        scan.Count = count;
        progress?.Invoke(new SyncProgressEvent { Type = SyncEventType.ScanComplete, Side = side, FilesDone = count });
        return scan;
    }

    /// <summary>How many look-ups of files' own times run at once on a side that does not list them.</summary>
    internal const int TimeLookups = 16;

    /// <summary>
    /// Adds the listed files whose own modification time the listing did not give (new or changed since the last
    /// sync on a store like S3), each with the time <see cref="IStorageProvider.Stat"/> gives, looked up
    /// <see cref="TimeLookups"/> at a time. A file gone meanwhile is left out (it is gone); one that cannot be looked
    /// up is reported and left alone on both sides this run.
    /// </summary>
    private static void AddWithOwnTimes(IStorageProvider provider, SyncSide side, SideScan scan, List<KeyValuePair<string, StorageEntry>> untimed,
                                        Action<ScanIssue> onIssue, CancellationToken ct)
    {
        var found = new FileVersion?[untimed.Count];
        var failed = new string?[untimed.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = TimeLookups, CancellationToken = ct };
        Parallel.For(0, untimed.Count, options, i =>
        {
            var listed = untimed[i].Value;
            try
            {
                var entry = provider.Stat(listed.Path);
                if (entry is not null)
                {
                    var v = FileVersion.FromEntry(entry);
                    v.VersionTag ??= listed.VersionTag;
                    if (v.OtherHashes is null && listed.Hashes.Count > 0)
                    {
                        v.LearnHashes(FileVersion.FromEntry(listed));
                    }

                    found[i] = v;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TimeoutException)
            {
                failed[i] = ex.Message;
            }
        });

        for (var i = 0; i < untimed.Count; i++)
        {
            var key = untimed[i].Key;
            if (failed[i] is { } reason)
            {
                scan.BlockedKeys.Add(key);
                onIssue(new ScanIssue(side, untimed[i].Value.Path, "its modification time could not be read: " + reason));
            }
            else if (found[i] is { } v && !scan.BlockedKeys.Contains(key))
            {
                scan.Files[key] = v;
            }
        }
    }

    private static bool IsAscii(string s)
    {
        foreach (var c in s)
        {
            if (c > 0x7f)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="key"/> lies in (or is) a folder that could not be read.</summary>
    public static bool UnderBlockedFolder(SideScan scan, string key)
    {
        foreach (var folder in scan.BlockedFolders)
        {
            if (folder.Length == 0 || (key.Length > folder.Length && key[folder.Length] == '/' && key.StartsWith(folder, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }
}
