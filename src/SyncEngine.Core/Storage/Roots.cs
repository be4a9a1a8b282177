using System;
using System.IO;

namespace SyncEngine.Storage;

/// <summary>Checks on the two roots of a local pair, made before anything is touched.</summary>
public static class Roots
{
    /// <summary>
    /// Throws when the source is missing or not a folder, the destination is a file, or one root equals or lies
    /// inside the other.
    /// </summary>
    public static void ValidatePair(string source, string destination)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            throw new SyncEngineException("SyncRootInvalid", SyncErrorKind.InvalidArgument, "The source path is empty.", "Source");
        }

        if (string.IsNullOrWhiteSpace(destination))
        {
            throw new SyncEngineException("SyncRootInvalid", SyncErrorKind.InvalidArgument, "The destination path is empty.", "Destination");
        }

        var src = Full(source);
        var dst = Full(destination);
        if (File.Exists(src))
        {
            throw new SyncEngineException("SyncRootNotFolder", SyncErrorKind.InvalidArgument, $"The source '{source}' is a file, not a folder.", source);
        }

        if (!Directory.Exists(src))
        {
            throw new SyncEngineException("SyncRootNotFound", SyncErrorKind.NotFound, $"The source folder '{source}' does not exist.", source);
        }

        if (File.Exists(dst))
        {
            throw new SyncEngineException("SyncRootNotFolder", SyncErrorKind.InvalidArgument, $"The destination '{destination}' is a file, not a folder.", destination);
        }

        var cmp = Cmp();
        if (string.Equals(src, dst, cmp))
        {
            throw new SyncEngineException("SyncRootsOverlap", SyncErrorKind.InvalidArgument, $"The source and the destination are the same folder ('{source}').", destination);
        }

        if (IsInside(dst, src, cmp))
        {
            throw new SyncEngineException("SyncRootsOverlap", SyncErrorKind.InvalidArgument, $"The destination '{destination}' lies inside the source '{source}'.", destination);
        }

        if (IsInside(src, dst, cmp))
        {
            throw new SyncEngineException("SyncRootsOverlap", SyncErrorKind.InvalidArgument, $"The source '{source}' lies inside the destination '{destination}'.", source);
        }
    }

    /// <summary>
    /// Throws when a state folder given for the pair is a root or lies inside one (issue 9 case 11): its lock and
    /// journal would be synced as user files, or deleted by a mirror. The engine's own folder of a side
    /// (<c>&lt;root&gt;/.syncengine</c>, never listed or synced) is allowed, except its trash, which retention purges.
    /// Paths are compared as the roots are: full, normalised, with the platform's case rule.
    /// </summary>
    public static void ValidateStateFolder(string source, string destination, string? statePath)
    {
        if (string.IsNullOrEmpty(statePath))
        {
            return;
        }

        var state = Full(statePath!);
        var cmp = Cmp();
        foreach (var (root, side) in new[] { (Full(source), "source"), (Full(destination), "destination") })
        {
            var engine = Path.Combine(root, PathRules.EngineFolder);
            var trash = Path.Combine(engine, "trash");
            var inEngineFolder = string.Equals(state, engine, cmp) || IsInside(state, engine, cmp);
            var inTrash = string.Equals(state, trash, StringComparison.OrdinalIgnoreCase) || IsInside(state, trash, StringComparison.OrdinalIgnoreCase);
            if ((string.Equals(state, root, cmp) || IsInside(state, root, cmp)) && (!inEngineFolder || inTrash))
            {
                throw new SyncEngineException("SyncStateFolderInsideRoot", SyncErrorKind.InvalidArgument,
                    $"The state folder '{statePath}' lies inside the {side} '{root}': it would be synced as user files, or deleted by a mirror. " +
                    $"Give a state folder outside both roots (or leave it out for the per-user default).", statePath);
            }
        }
    }

    private static StringComparison Cmp() => Path.DirectorySeparatorChar == '\\' || IsMac() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static bool IsMac() => System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.OSX);

    private static string Full(string path) => Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);

    private static bool IsInside(string inner, string outer, StringComparison cmp) =>
        inner.Length > outer.Length + 1
        && inner.StartsWith(outer, cmp)
        && (inner[outer.Length] == Path.DirectorySeparatorChar || inner[outer.Length] == Path.AltDirectorySeparatorChar);
}
