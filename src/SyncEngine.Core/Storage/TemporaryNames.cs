using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace SyncEngine.Storage;

/// <summary>
/// How a side names the temporary files it writes beside their targets, and which such names are its own leftovers:
/// <c>.syncengine-tmp-&lt;pair&gt;-&lt;run&gt;-&lt;n&gt;</c>. The pair tag comes from the pair's id; the run tag is
/// random per run and is recorded in the pair's state folder before the run writes any temporary file. A name is a
/// leftover of an interrupted run only when it carries this pair's tag and a run tag that record lists; any other
/// name, however much it looks like a temporary file, is a user file: listed, synchronized, never deleted by clean-up.
/// </summary>
public sealed class TemporaryNames
{
    private readonly HashSet<string> _leftoverRuns;
    private readonly string _pairPrefix;
    private readonly string _prefix;
    private int _counter;

    /// <summary>Creates the names of one run of one pair.</summary>
    /// <param name="pairTag">The pair's tag (<see cref="PairTagOf"/>).</param>
    /// <param name="runTag">This run's tag (<see cref="NewRunTag"/>).</param>
    /// <param name="leftoverRunTags">Tags of earlier runs of this pair that the pair's record says may have left temporary files.</param>
    public TemporaryNames(string pairTag, string runTag, IEnumerable<string> leftoverRunTags)
    {
        PairTag = pairTag;
        RunTag = runTag;
        _leftoverRuns = new HashSet<string>(leftoverRunTags, StringComparer.Ordinal);
        _leftoverRuns.Remove(runTag);
        _pairPrefix = PathRules.TempPrefix + pairTag + "-";
        _prefix = _pairPrefix + runTag + "-";
    }

    /// <summary>The pair's tag, from its id.</summary>
    public string PairTag { get; }

    /// <summary>This run's tag.</summary>
    public string RunTag { get; }

    /// <summary>Tags of earlier runs whose temporary files count as leftovers.</summary>
    public IReadOnlyCollection<string> LeftoverRunTags => _leftoverRuns;

    /// <summary>
    /// Names for a side used outside a pair's run: a random pair tag and no leftovers, so nothing it lists is ever
    /// taken for a leftover.
    /// </summary>
    public static TemporaryNames Unrecorded() => new(NewRunTag(), NewRunTag(), Array.Empty<string>());

    /// <summary>The tag of a pair: the first 8 characters of its id.</summary>
    public static string PairTagOf(string pairId) => pairId.Length > 8 ? pairId.Substring(0, 8) : pairId;

    /// <summary>A new random run tag (8 lowercase hex digits).</summary>
    public static string NewRunTag() => Guid.NewGuid().ToString("N").Substring(0, 8);

    /// <summary>A new temporary name for this run (a counter, no random read per file).</summary>
    public string NewName() => _prefix + Interlocked.Increment(ref _counter).ToString("x6", CultureInfo.InvariantCulture);

    /// <summary>Whether a file name is a temporary file this pair's record says an interrupted run created.</summary>
    public bool IsLeftover(string name)
    {
        if (_leftoverRuns.Count == 0 || !name.StartsWith(_pairPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var end = name.IndexOf('-', _pairPrefix.Length);
        return end > _pairPrefix.Length && _leftoverRuns.Contains(name.Substring(_pairPrefix.Length, end - _pairPrefix.Length));
    }
}

/// <summary>A side that names its temporary files as a pair's run tells it (<see cref="TemporaryNames"/>).</summary>
public interface ITemporaryFileNaming
{
    /// <summary>
    /// Sets the names this side gives its temporary files and the leftovers it may leave out of listings and remove in
    /// <see cref="IStorageProvider.CleanUp"/>. Called before the side is listed or written.
    /// </summary>
    void UseTemporaryNames(TemporaryNames names);
}
