using System;
using System.Collections.Generic;
using SyncEngine.Storage;

namespace SyncEngine.Watch;

/// <summary>
/// The dirty paths of one watch batch: each stands for itself and for everything below it (a path reported by a
/// change feed may be a file or a folder). Paths are compared by their keys (NFC) without regard to case, so a side
/// that ignores case is never left out; taking in too much only plans more, never less.
/// </summary>
internal sealed class WatchScope
{
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ancestors = new(StringComparer.Ordinal);

    public WatchScope(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            var folded = Fold(path);
            if (folded.Length == 0)
            {
                continue;
            }

            _dirty.Add(folded);
            for (var slash = folded.LastIndexOf('/'); slash > 0; slash = folded.LastIndexOf('/', slash - 1))
            {
                _ancestors.Add(folded.Substring(0, slash));
            }
        }
    }

    /// <summary>The dirty paths, folded (upper case NFC keys).</summary>
    public IReadOnlyCollection<string> Paths => _dirty;

    /// <summary>Number of dirty paths.</summary>
    public int Count => _dirty.Count;

    /// <summary>Whether the key is a dirty path or lies below one.</summary>
    public bool Covers(string key)
    {
        var folded = Fold(key);
        if (folded.Length == 0)
        {
            return false;
        }

        for (var end = folded.Length; end > 0; end = folded.LastIndexOf('/', end - 1))
        {
            if (_dirty.Contains(end == folded.Length ? folded : folded.Substring(0, end)))
            {
                return true;
            }

            if (end == 0)
            {
                break;
            }
        }

        return false;
    }

    /// <summary>Whether the key is a folder on the way to a dirty path (the root always is).</summary>
    public bool LeadsTo(string key)
    {
        var folded = Fold(key);
        return folded.Length == 0 || _ancestors.Contains(folded);
    }

    /// <summary>Whether a listing walks into this folder: it leads to a dirty path or lies in one.</summary>
    public bool IncludeFolder(string key) => LeadsTo(key) || Covers(key);

    private static string Fold(string path)
    {
        var key = PathRules.Key(path).Trim('/');
        return key == "." ? "" : key.ToUpperInvariant();
    }
}
