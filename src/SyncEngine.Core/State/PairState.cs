using System;
using System.Collections.Generic;

namespace SyncEngine.State;

/// <summary>The last-known state of one path: both sides' versions when they were last in sync.</summary>
internal sealed class StateRecord
{
    public StateRecord(FileVersion source, FileVersion destination)
    {
        Source = source;
        Destination = destination;
    }

    public FileVersion Source { get; }

    public FileVersion Destination { get; }
}

/// <summary>The last-known state of a pair: one record per NFC path key.</summary>
internal sealed class PairState
{
    public const int FormatVersion = 1;

    public PairState(string pairId, string source, string destination)
    {
        PairId = pairId;
        Source = source;
        Destination = destination;
    }

    public string PairId { get; }

    public string Source { get; }

    public string Destination { get; }

    public string PairName { get; set; } = "";

    public long Generation { get; set; }

    public Dictionary<string, StateRecord> Records { get; } = new(StringComparer.Ordinal);

    public DateTime? LastRunUtc { get; set; }

    public string? LastOutcome { get; set; }

    public int LastSucceeded { get; set; }

    public int LastFailed { get; set; }

    public int LastSkipped { get; set; }

    public void Set(string key, FileVersion source, FileVersion destination) => Records[key] = new StateRecord(source, destination);

    public void Remove(string key) => Records.Remove(key);
}
