using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace SyncEngine.Storage;

/// <summary>
/// What every provider's listing does with a name it finds (engine policy, the same on every side): the engine's
/// own folder at the root is left out, this pair's leftover temporary files are set aside for clean-up, names that
/// could leave the root are reported; folders go on the walk, links and special files are reported.
/// </summary>
internal static class ListingRules
{
    /// <summary>The relative path of <paramref name="name"/> under <paramref name="rel"/>, or null when it is not listed.</summary>
    public static string? Admit(string rel, string name, SyncSide side, bool caseSensitive, TemporaryNames names, ConcurrentQueue<string> leftovers, Action<ScanIssue> onIssue)
    {
        var childRel = rel.Length == 0 ? name : rel + "/" + name;
        if (rel.Length == 0 && string.Equals(name, PathRules.EngineFolder, StringComparison.OrdinalIgnoreCase))
        {
            if (string.Equals(name, PathRules.EngineFolder, StringComparison.Ordinal))
            {
                return null;
            }

            // Another case of the engine's folder is a user's folder where case matters; where it does not, the
            // engine's trash and temporary files live in it, so it is left out, and said so.
            if (!caseSensitive)
            {
                onIssue(new ScanIssue(side, name, PathRules.EngineFolderCaseProblem(name, "this side"), coversSubtree: true));
                return null;
            }
        }

        if (names.IsLeftover(name))
        {
            leftovers.Enqueue(childRel);
            return null;
        }

        var problem = PathRules.ValidateRelative(childRel);
        if (problem is not null)
        {
            onIssue(new ScanIssue(side, PathRules.Printable(childRel), problem));
            return null;
        }

        return childRel;
    }

    /// <summary>Sends a listed entry where it belongs: a folder onto the stack, a link or special file to the issues. True for a file.</summary>
    public static bool Route(StorageEntry entry, SyncSide side, Func<string, bool> includeFolder, Stack<string> stack, Action<ScanIssue> onIssue)
    {
        switch (entry.Kind)
        {
            case EntryKind.Directory:
                if (includeFolder(entry.Path))
                {
                    stack.Push(entry.Path);
                }

                return false;
            case EntryKind.File:
                return true;
            case EntryKind.SymbolicLink:
                onIssue(new ScanIssue(side, entry.Path, "symbolic link: not followed, not synchronized", coversSubtree: true));
                return false;
            default:
                onIssue(new ScanIssue(side, entry.Path, "not a regular file (FIFO, socket or device): not synchronized"));
                return false;
        }
    }
}
