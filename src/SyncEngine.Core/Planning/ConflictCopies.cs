using System;
using System.Collections.Generic;
using System.Globalization;
using SyncEngine.Scanning;
using SyncEngine.State;
using SyncEngine.Storage;

namespace SyncEngine.Planning;

/// <summary>
/// Settles the names that keep-both resolutions keep their losing versions under, once every path is planned.
/// A conflict name can already be in use: by the loser itself, kept there by an earlier run of the same resolution
/// that was interrupted before it finished (the name derives from the loser's time, so it comes out the same), or by
/// an unrelated file. In the first case the resolution resumes: it takes the kept copy as its own and the separate
/// "new file" action the listing produced for it is dropped (the resolution carries the copy to the other side
/// itself). In the second case the loser is kept under a numbered name that nothing uses, so no file is overwritten.
/// </summary>
internal static class ConflictCopies
{
    public static void Settle(List<SyncAction> actions, SideScan s, SideScan d, PairState? state, long tolerance)
    {
        List<int>? resolutions = null;
        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i].ConflictCopyPath is not null)
            {
                (resolutions ??= new List<int>()).Add(i);
            }
        }

        if (resolutions is null)
        {
            return;
        }

        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in actions)
        {
            taken.Add(a.RelativePath);
            if (a.PreviousPath is not null)
            {
                taken.Add(a.PreviousPath);
            }
        }

        var resumed = new HashSet<string>(StringComparer.Ordinal);
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in resolutions)
        {
            var a = actions[i];
            var loserSide = a.Action == SyncActionType.DownloadUpdate ? SyncSide.Source : SyncSide.Destination;
            var loser = loserSide == SyncSide.Source ? a.Source : a.Destination;
            var original = PathRules.Key(a.ConflictCopyPath!);
            var name = original;
            for (var n = 2; ; n++)
            {
                if (!chosen.Contains(name))
                {
                    var onLoser = Find(loserSide == SyncSide.Source ? s : d, name, state);
                    var onWinner = Find(loserSide == SyncSide.Source ? d : s, name, state);
                    var blocked = s.BlockedKeys.Contains(name) || d.BlockedKeys.Contains(name) || Scanner.UnderBlockedFolder(s, name) || Scanner.UnderBlockedFolder(d, name);
                    if (!blocked && onLoser is null && onWinner is null && !taken.Contains(name))
                    {
                        break;
                    }

                    if (!blocked && loser is not null && (onLoser is not null || onWinner is not null)
                        && (onLoser is null || IsKeptLoser(onLoser, loser, tolerance)) && (onWinner is null || IsKeptLoser(onWinner, loser, tolerance)))
                    {
                        resumed.Add(name);
                        break;
                    }
                }

                name = Numbered(original, n);
            }

            chosen.Add(name);
            if (!string.Equals(name, original, StringComparison.Ordinal))
            {
                actions[i] = new SyncAction(a.Action, a.RelativePath, a.Reason.Replace("'" + a.ConflictCopyPath + "'", "'" + name + "'"), a.Source, a.Destination, a.Plan, a.PreviousPath)
                {
                    IsConflict = a.IsConflict,
                    ConflictCopyPath = name,
                };
            }
        }

        if (resumed.Count > 0)
        {
            // The resolution that resumes owns the kept copy: it records it, and carries it to the side that lacks it.
            actions.RemoveAll(a => a.ConflictCopyPath is null && a.PreviousPath is null && resumed.Contains(a.RelativePath)
                                   && a.Action is SyncActionType.UploadNew or SyncActionType.DownloadNew or SyncActionType.NoAction);
        }
    }

    private static FileVersion? Find(SideScan side, string key, PairState? state)
    {
        StateRecord? rec = null;
        state?.Records.TryGetValue(key, out rec);
        return side.Current(key, rec);
    }

    /// <summary>
    /// Whether a file found under the conflict name is the loser kept by an earlier, interrupted run: kept by hard
    /// link or by a copy that carries the loser's time. The executor checks the content before it relies on it.
    /// </summary>
    private static bool IsKeptLoser(FileVersion found, FileVersion loser, long tolerance) =>
        found.Size == loser.Size
        && Math.Abs(found.MtimeTicks - loser.MtimeTicks) <= tolerance
        && (found.Hash is null || loser.Hash is null || string.Equals(found.Hash, loser.Hash, StringComparison.Ordinal));

    /// <summary><c>name (conflict source 2026-11-22 101500) 2.ext</c>.</summary>
    private static string Numbered(string copyKey, int n)
    {
        var parent = PathRules.Parent(copyKey);
        var file = PathRules.FileName(copyKey);
        var close = file.LastIndexOf(')');
        var numbered = close >= 0
            ? file.Substring(0, close + 1) + " " + n.ToString(CultureInfo.InvariantCulture) + file.Substring(close + 1)
            : file + " " + n.ToString(CultureInfo.InvariantCulture);
        return parent.Length == 0 ? numbered : parent + "/" + numbered;
    }
}
