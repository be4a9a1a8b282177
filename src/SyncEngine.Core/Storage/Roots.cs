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

        var cmp = Path.DirectorySeparatorChar == '\\' || IsMac() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
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

    private static bool IsMac() => System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.OSX);

    private static string Full(string path) => Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);

    private static bool IsInside(string inner, string outer, StringComparison cmp) =>
        inner.Length > outer.Length + 1
        && inner.StartsWith(outer, cmp)
        && (inner[outer.Length] == Path.DirectorySeparatorChar || inner[outer.Length] == Path.AltDirectorySeparatorChar);
}
