using System;
using System.Runtime;

namespace SyncEngine.Watch;

/// <summary>
/// Returns the memory of a finished large piece of work (a full listing of both sides) to the system, for a process
/// that then stays idle for a long time (a watch). The garbage collector keeps freed segments committed for reuse;
/// a long-lived watcher would otherwise hold the peak of its first full sync for as long as it runs.
/// </summary>
internal static class MemoryRelease
{
    // GCCollectionMode.Aggressive (.NET 7 and later; not in netstandard2.0's enum): a full compacting collection
    // that also decommits the freed memory.
    private const GCCollectionMode Aggressive = (GCCollectionMode)3;

    /// <summary>True where <see cref="Aggressive"/> exists (.NET 7+); .NET Framework reports version 4.</summary>
    internal static bool HasAggressiveMode { get; } = Environment.Version.Major >= 7;

    /// <summary>A blocking, compacting full collection, the large-object heap included.</summary>
    public static void AfterLargeWork()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        try
        {
            GC.Collect(GC.MaxGeneration, HasAggressiveMode ? Aggressive : GCCollectionMode.Forced, blocking: true, compacting: true);
        }
        catch (ArgumentOutOfRangeException)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true); // a runtime without the mode
        }
    }
}
