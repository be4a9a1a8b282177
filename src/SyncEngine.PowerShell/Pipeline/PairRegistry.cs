using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using SyncEngine.Control;

namespace SyncEngine.PowerShell.Pipeline;

/// <summary>
/// Pairs made with New-SyncPair -Name in this process, by name (case-insensitive; the latest wins), so -Name can be
/// completed and Get-SyncStatus/Suspend-Sync -Name find them.
/// </summary>
internal static class PairRegistry
{
    private static readonly ConcurrentDictionary<string, SyncPair> Pairs = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Remembers a named pair.</summary>
    public static void Register(SyncPair pair) => Pairs[pair.Name] = pair;

    /// <summary>Forgets a name (tests).</summary>
    public static bool Unregister(string name) => Pairs.TryRemove(name, out _);

    /// <summary>The pair registered under a name.</summary>
    public static bool TryGet(string name, out SyncPair pair) => Pairs.TryGetValue(name, out pair!);

    /// <summary>Every registered pair.</summary>
    public static IReadOnlyList<SyncPair> All => new List<SyncPair>(Pairs.Values);
}

/// <summary>A pair known by name: registered in this process, or found by its recorded name in the per-user state folder.</summary>
internal sealed class KnownPair
{
    public KnownPair(string name, string statePath, SyncPair? pair)
    {
        Name = name;
        StatePath = statePath;
        Pair = pair;
    }

    /// <summary>The pair's name.</summary>
    public string Name { get; }

    /// <summary>Its state folder.</summary>
    public string StatePath { get; }

    /// <summary>The pair object, when registered in this process.</summary>
    public SyncPair? Pair { get; }
}

/// <summary>Finds pairs by name for -Name parameters and completion.</summary>
internal static class PairDirectory
{
    /// <summary>
    /// Every pair registered in this session, by name (two names for the same folders are two entries that share a
    /// state folder), then pairs whose state lives under the per-user state root (<c>SyncPair.StateRoot()/pairs/*</c>)
    /// and that no registered pair uses, with the name their last run recorded.
    /// </summary>
    public static IReadOnlyList<KnownPair> All()
    {
        var result = new List<KnownPair>();
        var seen = new HashSet<string>(RunRegistry.PathComparer);
        var registered = new List<SyncPair>(PairRegistry.All);
        registered.Sort((a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Name, b.Name));
        foreach (var pair in registered)
        {
            var statePath = RunRegistry.Normalize(pair.ResolvedStatePath);
            seen.Add(statePath);
            result.Add(new KnownPair(pair.Name, statePath, pair));
        }

        string pairsRoot;
        try
        {
            pairsRoot = Path.Combine(SyncPair.StateRoot(), "pairs");
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or System.Security.SecurityException)
        {
            return result;
        }

        if (!Directory.Exists(pairsRoot))
        {
            return result;
        }

        string[] folders;
        try
        {
            folders = Directory.GetDirectories(pairsRoot);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return result;
        }

        Array.Sort(folders, StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            var statePath = RunRegistry.Normalize(folder);
            if (!seen.Add(statePath))
            {
                continue;
            }

            var name = SyncStatusReader.Read(statePath).PairName;
            if (!string.IsNullOrEmpty(name))
            {
                result.Add(new KnownPair(name, statePath, null));
            }
        }

        return result;
    }

    /// <summary>The known pairs whose name matches.</summary>
    public static IReadOnlyList<KnownPair> Find(Func<string, bool> nameMatches)
    {
        var result = new List<KnownPair>();
        foreach (var known in All())
        {
            if (nameMatches(known.Name))
            {
                result.Add(known);
            }
        }

        return result;
    }

    /// <summary>The error for a name that matches no known pair.</summary>
    public static ErrorRecordInfo NameNotFoundError(string name)
    {
        var ex = new SyncEngineException(ModuleErrorIds.PairNameNotFound, SyncErrorKind.NotFound,
            $"No pair named '{name}' is known. Name a pair with New-SyncPair -Name in this session, or give -Pair or -StatePath.", name);
        return new ErrorRecordInfo(ModuleErrorIds.PairNameNotFound, PsErrorCategory.ObjectNotFound, ex, name);
    }
}
