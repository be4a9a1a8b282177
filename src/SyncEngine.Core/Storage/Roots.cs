using System;
using System.IO;

namespace SyncEngine.Storage;

/// <summary>Checks on the two roots of a pair, made before anything is touched.</summary>
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
        CheckSource(src, source);
        CheckDestination(dst, destination);
        switch (LocalOverlap(src, dst, out var realSource, out var realDestination))
        {
            case RootOverlap.Same:
                throw new SyncEngineException("SyncRootsOverlap", SyncErrorKind.InvalidArgument, string.Equals(source, destination, StringComparison.Ordinal)
                    ? $"The source and the destination are the same folder ('{source}')."
                    : $"The source '{source}'{Via(source, realSource)} and the destination '{destination}'{Via(destination, realDestination)} are the same folder.", destination);
            case RootOverlap.DestinationInsideSource:
                throw new SyncEngineException("SyncRootsOverlap", SyncErrorKind.InvalidArgument, $"The destination '{destination}'{Via(destination, realDestination)} lies inside the source '{source}'{Via(source, realSource)}.", destination);
            case RootOverlap.SourceInsideDestination:
                throw new SyncEngineException("SyncRootsOverlap", SyncErrorKind.InvalidArgument, $"The source '{source}'{Via(source, realSource)} lies inside the destination '{destination}'{Via(destination, realDestination)}.", source);
        }
    }

    /// <summary>
    /// <see cref="ValidatePair(string, string)"/> for roots of any kind: two local roots are checked as there; a local
    /// source must be an existing folder and a local destination must not be a file; two remote roots must not
    /// overlap (<see cref="ProviderSpec.Overlaps"/>). Whether a remote root exists is for its provider to say.
    /// </summary>
    public static void ValidatePair(ProviderSpec source, ProviderSpec destination)
    {
        if (source is null)
        {
            throw new ArgumentNullException(nameof(source));
        }

        if (destination is null)
        {
            throw new ArgumentNullException(nameof(destination));
        }

        if (source.IsLocal && destination.IsLocal)
        {
            ValidatePair(source.Path, destination.Path);
            return;
        }

        if (source.IsLocal)
        {
            CheckSource(source.Path, source.Path);
        }

        if (destination.IsLocal)
        {
            CheckDestination(destination.Path, destination.Path);
        }

        string s = source.Display, d = destination.Display;
        var users = source.Kind == ProviderKind.Sftp && !string.Equals(source.User, destination.User, StringComparison.Ordinal)
            ? " (the user does not matter: two users of one server reach the same files)"
            : "";
        switch (ProviderSpec.Relation(source, destination))
        {
            case RootOverlap.Same:
                throw new SyncEngineException("SyncRootsOverlap", SyncErrorKind.InvalidArgument, $"The source '{s}' and the destination '{d}' are the same folder{users}.", d);
            case RootOverlap.DestinationInsideSource:
                throw new SyncEngineException("SyncRootsOverlap", SyncErrorKind.InvalidArgument, $"The destination '{d}' lies inside the source '{s}'{users}.", d);
            case RootOverlap.SourceInsideDestination:
                throw new SyncEngineException("SyncRootsOverlap", SyncErrorKind.InvalidArgument, $"The source '{s}' lies inside the destination '{d}'{users}.", s);
        }
    }

    /// <summary>
    /// How two local roots (full paths) overlap: compared as real paths (links resolved: a source that is a link to
    /// a folder inside the destination is inside it), then by device and inode up the folders (two names of one
    /// folder that no link explains: a bind mount).
    /// </summary>
    internal static RootOverlap LocalOverlap(string source, string destination, out string realSource, out string realDestination)
    {
        var cmp = Cmp();
        realSource = RealPaths.Resolve(source);
        realDestination = RealPaths.Resolve(destination);
        if (string.Equals(realSource, realDestination, cmp) || SameFolder(realSource, realDestination))
        {
            return RootOverlap.Same;
        }

        if (IsInside(realDestination, realSource, cmp) || HasAncestor(realDestination, realSource))
        {
            return RootOverlap.DestinationInsideSource;
        }

        return IsInside(realSource, realDestination, cmp) || HasAncestor(realSource, realDestination)
            ? RootOverlap.SourceInsideDestination
            : RootOverlap.None;
    }

    private static void CheckSource(string full, string source)
    {
        if (File.Exists(full))
        {
            throw new SyncEngineException("SyncRootNotFolder", SyncErrorKind.InvalidArgument, $"The source '{source}' is a file, not a folder.", source);
        }

        if (!Directory.Exists(full))
        {
            throw new SyncEngineException("SyncRootNotFound", SyncErrorKind.NotFound, $"The source folder '{source}' does not exist.", source);
        }
    }

    private static void CheckDestination(string full, string destination)
    {
        if (File.Exists(full))
        {
            throw new SyncEngineException("SyncRootNotFolder", SyncErrorKind.InvalidArgument, $"The destination '{destination}' is a file, not a folder.", destination);
        }
    }

    /// <summary>" (really 'x')" where a name leads elsewhere through a link, so the message explains the overlap.</summary>
    private static string Via(string given, string real) =>
        string.Equals(Full(given), real, Cmp()) ? "" : $" (really '{real}')";

    private static bool SameFolder(string a, string b) =>
        RealPaths.Identity(a) is { } x && RealPaths.Identity(b) is { } y && x == y;

    /// <summary>Whether a folder above <paramref name="inner"/> (by name) is <paramref name="outer"/> (by device and inode).</summary>
    private static bool HasAncestor(string inner, string outer)
    {
        if (RealPaths.Identity(outer) is not { } target)
        {
            return false;
        }

        for (var p = Path.GetDirectoryName(inner); !string.IsNullOrEmpty(p); p = Path.GetDirectoryName(p))
        {
            if (RealPaths.Identity(p!) is { } id && id == target)
            {
                return true;
            }
        }

        return false;
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

        CheckStateFolder(source, "source", statePath);
        CheckStateFolder(destination, "destination", statePath);
    }

    /// <summary>
    /// <see cref="ValidateStateFolder(string, string, string?)"/> for one local root (<paramref name="side"/> is
    /// "source" or "destination"): a pair with a remote side checks its local root only.
    /// </summary>
    internal static void CheckStateFolder(string localRoot, string side, string? statePath)
    {
        if (string.IsNullOrEmpty(statePath))
        {
            return;
        }

        var state = RealPaths.Resolve(statePath!);
        var cmp = Cmp();
        var root = RealPaths.Resolve(localRoot);
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

    private static StringComparison Cmp() => Path.DirectorySeparatorChar == '\\' || IsMac() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static bool IsMac() => System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.OSX);

    private static string Full(string path) => Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);

    private static bool IsInside(string inner, string outer, StringComparison cmp) =>
        inner.Length > outer.Length + 1
        && inner.StartsWith(outer, cmp)
        && (inner[outer.Length] == Path.DirectorySeparatorChar || inner[outer.Length] == Path.AltDirectorySeparatorChar);
}
