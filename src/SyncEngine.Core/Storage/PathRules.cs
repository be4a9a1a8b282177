using System;
using System.IO;
using System.Text;

namespace SyncEngine.Storage;

/// <summary>Rules every relative path obeys: '/'-separated, inside the root, NFC for comparison.</summary>
public static class PathRules
{
    /// <summary>The engine's own folder at the top of each root (trash, temporary files); never synchronized.</summary>
    public const string EngineFolder = ".syncengine";

    /// <summary>
    /// Why a top-level folder named like the engine's folder in another case (<c>.SyncEngine</c>) is not synchronized
    /// with a side that ignores case: there it is the engine's own folder.
    /// </summary>
    /// <param name="name">The folder's name as listed.</param>
    /// <param name="side">Which side ignores case, for the message ("this side", "the destination").</param>
    public static string EngineFolderCaseProblem(string name, string side) =>
        $"{side} ignores case, so '{name}' there is the engine's own folder '{EngineFolder}' (trash, temporary files): not synchronized; rename the folder to synchronize it";

    /// <summary>Whether a relative path lies in a top-level folder named like the engine's folder in another case.</summary>
    public static bool InEngineFolderOtherCase(string path)
    {
        var slash = path.IndexOf('/');
        var first = slash < 0 ? path : path.Substring(0, slash);
        return string.Equals(first, EngineFolder, StringComparison.OrdinalIgnoreCase) && !string.Equals(first, EngineFolder, StringComparison.Ordinal);
    }

    /// <summary>Prefix of temporary files written beside their targets.</summary>
    public const string TempPrefix = ".syncengine-tmp-";

    private static readonly bool IsWindows = Path.DirectorySeparatorChar == '\\';

    /// <summary>
    /// Returns null when <paramref name="path"/> is a safe relative path, else the reason it is not:
    /// empty, absolute, containing '..' or '.' segments, empty segments, NUL or control characters, or backslashes.
    /// </summary>
    public static string? ValidateRelative(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "empty path";
        }

        // "C:name" and "C:/x" leave the root only where drive letters exist; elsewhere ':' is an ordinary character.
        if (path![0] == '/' || (IsWindows && path.Length >= 2 && path[1] == ':' && char.IsLetter(path[0])))
        {
            return "absolute path";
        }

        var segmentStart = 0;
        for (var i = 0; i <= path.Length; i++)
        {
            if (i == path.Length || path[i] == '/')
            {
                var len = i - segmentStart;
                if (len == 0)
                {
                    return "empty path segment";
                }

                if ((len == 1 && path[segmentStart] == '.') || (len == 2 && path[segmentStart] == '.' && path[segmentStart + 1] == '.'))
                {
                    return "'.' or '..' segment would leave the root";
                }

                segmentStart = i + 1;
                continue;
            }

            var c = path[i];
            if (c == '\0')
            {
                return "NUL character in name";
            }

            if (c < 0x20 || c == 0x7f)
            {
                return "control character in name";
            }

            if (c == '\\')
            {
                return "backslash in name";
            }
        }

        return null;
    }

    /// <summary>Throws when a relative path is unsafe (used by providers before touching the disk).</summary>
    public static void EnsureRelative(string path)
    {
        var problem = ValidateRelative(path);
        if (problem is not null)
        {
            throw new SyncEngineException("SyncUnsafePath", SyncErrorKind.InvalidArgument, $"Refusing path '{Printable(path)}': {problem}.", path);
        }
    }

    /// <summary>
    /// The comparison key of a relative path: Unicode NFC, by Core's own <see cref="UnicodeNfc"/> so that every host
    /// (the CLI runs with invariant globalization, the module with the host's) keys a tree the same way.
    /// </summary>
    public static string Key(string path) => UnicodeNfc.Normalize(path);

    /// <summary>Returns null when a side that follows Windows naming rules can hold the name, else the reason it cannot.</summary>
    public static string? WindowsNameProblem(string path)
    {
        foreach (var segment in path.Split('/'))
        {
            if (segment.EndsWith(".", StringComparison.Ordinal) || segment.EndsWith(" ", StringComparison.Ordinal))
            {
                return $"name '{segment}' ends with a dot or space";
            }

            foreach (var c in segment)
            {
                if (c is ':' or '*' or '?' or '"' or '<' or '>' or '|' || c < 0x20)
                {
                    return $"name '{segment}' contains '{Printable(c.ToString())}'";
                }
            }

            var stem = segment;
            var dot = stem.IndexOf('.');
            if (dot >= 0)
            {
                stem = stem.Substring(0, dot);
            }

            stem = stem.TrimEnd(' ').ToUpperInvariant();
            if (stem is "CON" or "PRN" or "AUX" or "NUL" || ((stem.StartsWith("COM", StringComparison.Ordinal) || stem.StartsWith("LPT", StringComparison.Ordinal)) && stem.Length == 4 && stem[3] >= '1' && stem[3] <= '9'))
            {
                return $"name '{segment}' is reserved on Windows";
            }
        }

        return null;
    }

    /// <summary>Joins a root and a relative '/'-path into a local path, refusing anything that would escape the root.</summary>
    public static string ToLocal(string root, string relative)
    {
        EnsureRelative(relative);
        return Path.Combine(root, Path.DirectorySeparatorChar == '/' ? relative : relative.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>The parent of a relative path, or "" at the top.</summary>
    public static string Parent(string relative)
    {
        var i = relative.LastIndexOf('/');
        return i < 0 ? "" : relative.Substring(0, i);
    }

    /// <summary>The last segment of a relative path.</summary>
    public static string FileName(string relative)
    {
        var i = relative.LastIndexOf('/');
        return i < 0 ? relative : relative.Substring(i + 1);
    }

    /// <summary>Replaces control characters so a hostile name can be shown safely.</summary>
    public static string Printable(string? s)
    {
        if (s is null)
        {
            return "";
        }

        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            sb.Append(c < 0x20 || c == 0x7f ? $"\\x{(int)c:x2}" : c.ToString());
        }

        return sb.ToString();
    }
}
