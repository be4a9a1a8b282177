using System;
using System.Collections.Generic;
using System.IO;
using SyncEngine.Storage;

namespace SyncEngine;

/// <summary>
/// The subtrees a sync is limited to (<see cref="PlanOptions.Paths"/>; <c>syncengine sync --path</c>,
/// <c>Invoke-Sync -Path</c>): relative paths inside the pair's roots, each naming a file or a folder. Such a sync is
/// planned through the watch's dirty-path machinery: both sides are listed only there, and every other tracked file
/// counts as unchanged, so the state of the rest of the tree is kept as it was.
/// </summary>
public static class SubtreePaths
{
    /// <summary>The error id of a path that cannot name a subtree of the pair.</summary>
    public const string InvalidPathId = "SyncInvalidPath";

    /// <summary>The error id of a re-seed limited to some paths (a re-seed starts the whole state afresh).</summary>
    public const string ReseedId = "SyncPathWithReseed";

    /// <summary>
    /// The paths in the engine's form ('/'-separated, no leading <c>./</c>, no trailing separator), each once. Throws
    /// <see cref="SyncEngineException"/> (InvalidArgument, <see cref="InvalidPathId"/>, the path as typed as its
    /// target) naming the first path that is empty, absolute, leaves the root (<c>..</c>), names the root
    /// itself, or lies inside the engine's own folder <c>.syncengine</c>.
    /// </summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string?> paths)
    {
        if (paths is null)
        {
            throw new ArgumentNullException(nameof(paths));
        }

        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var typed in paths)
        {
            var path = NormalizeOne(typed);
            if (seen.Add(PathRules.Key(path)))
            {
                result.Add(path);
            }
        }

        if (result.Count == 0)
        {
            throw Invalid("", "no path was given");
        }

        return result;
    }

    private static string NormalizeOne(string? typed)
    {
        if (string.IsNullOrWhiteSpace(typed))
        {
            throw Invalid(typed ?? "", "it is empty");
        }

        var path = typed!;
        if (Path.DirectorySeparatorChar != '/')
        {
            path = path.Replace(Path.DirectorySeparatorChar, '/');
        }

        if (path[0] == '/' || Path.IsPathRooted(typed))
        {
            throw Invalid(typed!, "it is absolute; give it relative to the roots of the pair (for example docs/reports)");
        }

        while (path.StartsWith("./", StringComparison.Ordinal))
        {
            path = path.Substring(2).TrimStart('/');
        }

        path = path.TrimEnd('/');
        if (path.Length == 0 || path == ".")
        {
            throw Invalid(typed!, "it names the whole tree; leave the path out to sync everything");
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment == "..")
            {
                throw Invalid(typed!, "'..' would leave the roots of the pair");
            }
        }

        var problem = PathRules.ValidateRelative(path);
        if (problem is not null)
        {
            throw Invalid(typed!, problem);
        }

        var slash = path.IndexOf('/');
        var first = slash < 0 ? path : path.Substring(0, slash);
        if (string.Equals(first, PathRules.EngineFolder, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(typed!, $"it lies inside the engine's own folder '{PathRules.EngineFolder}' (trash, temporary files), which is never synchronized");
        }

        return path;
    }

    /// <summary>Throws <see cref="SyncEngineException"/> (<see cref="ReseedId"/>) when a re-seed is limited to paths.</summary>
    internal static void CheckOptions(PlanOptions options)
    {
        if (options.Paths is null)
        {
            return;
        }

        Normalize(options.Paths);
        if (options.Reseed)
        {
            throw new SyncEngineException(ReseedId, SyncErrorKind.InvalidArgument,
                "A re-seed cannot be limited to some paths: it starts the state of the whole pair afresh. Re-seed without a path.", nameof(PlanOptions.Paths));
        }
    }

    private static SyncEngineException Invalid(string typed, string why) =>
        new(InvalidPathId, SyncErrorKind.InvalidArgument, $"The path '{PathRules.Printable(typed)}' cannot be synchronized on its own: {why}.", typed);
}
