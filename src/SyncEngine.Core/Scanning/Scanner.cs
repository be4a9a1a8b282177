using System;
using System.Collections.Generic;
using System.Threading;
using SyncEngine.Ignore;
using SyncEngine.Storage;

namespace SyncEngine.Scanning;

/// <summary>One side's listing, keyed by NFC path.</summary>
internal sealed class SideScan
{
    public SideScan(SyncSide side) => Side = side;

    public SyncSide Side { get; }

    public bool RootExists { get; set; }

    public Dictionary<string, FileVersion> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Keys that exist but could not be used (name collisions, unreadable): the planner leaves them alone.</summary>
    public HashSet<string> BlockedKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>Folders that could not be read: nothing below them may be treated as deleted.</summary>
    public List<string> BlockedFolders { get; } = new();
}

/// <summary>Lists a side through the ignore rules, reporting what it leaves out.</summary>
internal static class Scanner
{
    public static SideScan Scan(IStorageProvider provider, SyncSide side, IgnoreRules rules, Action<ScanIssue> onIssue,
                                Action<SyncProgressEvent>? progress, CancellationToken ct)
    {
        var scan = new SideScan(side);
        progress?.Invoke(new SyncProgressEvent { Type = SyncEventType.ScanStart, Side = side });
        scan.RootExists = provider.RootExists();
        if (!scan.RootExists)
        {
            progress?.Invoke(new SyncProgressEvent { Type = SyncEventType.ScanComplete, Side = side });
            return scan;
        }

        var rawByKey = new Dictionary<string, string>(StringComparer.Ordinal);
        var count = 0;
        var lastReport = Environment.TickCount;
        void Issue(ScanIssue i)
        {
            var fixedIssue = new ScanIssue(side, i.Path, i.Reason);
            if (i.Reason.StartsWith("folder cannot be read", StringComparison.Ordinal))
            {
                lock (scan.BlockedFolders)
                {
                    scan.BlockedFolders.Add(i.Path == "." ? "" : i.Path);
                }
            }
            else if (PathRules.ValidateRelative(i.Path) is null)
            {
                scan.BlockedKeys.Add(PathRules.Key(i.Path));
            }

            onIssue(fixedIssue);
        }

        foreach (var entry in provider.Enumerate(folder => !rules.IsIgnored(folder, isDirectory: true), Issue, ct))
        {
            if (rules.IsIgnored(entry.Path, isDirectory: false))
            {
                continue;
            }

            var key = PathRules.Key(entry.Path);
            if (scan.BlockedKeys.Contains(key))
            {
                continue;
            }

            if (rawByKey.TryGetValue(key, out var otherRaw))
            {
                // Two names that are the same after NFC normalization (one NFC, one NFD): neither is safe to sync.
                scan.Files.Remove(key);
                scan.BlockedKeys.Add(key);
                onIssue(new ScanIssue(side, entry.Path, $"same name as '{otherRaw}' after Unicode normalization: neither is synchronized"));
                continue;
            }

            rawByKey[key] = entry.Path;
            scan.Files[key] = new FileVersion(ReferenceEquals(key, entry.Path) ? key : entry.Path, entry.Size, entry.MtimeTicks, entry.FileId, entry.NativeHash);
            count++;
            if (progress is not null && (count & 1023) == 0 && unchecked(Environment.TickCount - lastReport) > 250)
            {
                lastReport = Environment.TickCount;
                progress(new SyncProgressEvent { Type = SyncEventType.ScanProgress, Side = side, FilesDone = count });
            }
        }

        progress?.Invoke(new SyncProgressEvent { Type = SyncEventType.ScanComplete, Side = side, FilesDone = scan.Files.Count });
        return scan;
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
