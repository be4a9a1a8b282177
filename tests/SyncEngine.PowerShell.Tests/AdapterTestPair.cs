using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

using SyncEngine.TestSupport;

namespace SyncEngine.PowerShell.Tests;

/// <summary>The shared temporary pair (<see cref="TempSyncFolders"/>) for the cmdlet adapters' tests.</summary>
internal sealed class AdapterTestPair : TempSyncFolders
{
    public AdapterTestPair()
        : base("se-ps-", new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc))
    {
    }

    public SyncPair Pair(SyncMode mode = SyncMode.TwoWay, ConflictResolution conflicts = ConflictResolution.NewestWins, string? name = null, int retryCount = 0) =>
        new(Source, Destination)
        {
            Mode = mode,
            ConflictResolution = conflicts,
            StatePath = StateDir,
            Name = name!,
            RetryCount = retryCount,
            RetryDelay = TimeSpan.FromMilliseconds(1),
        };

    /// <summary>Syncs with the engine directly (to set up a state), everything approved.</summary>
    public SyncSummary SyncDirect(SyncPair pair)
    {
        using var session = SyncSession.Open(pair);
        return session.Run(null, new ExecuteOptions());
    }
}
