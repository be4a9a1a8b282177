using System;
using System.Collections.Generic;
using SyncEngine.Control;
using SyncEngine.Execution;

namespace SyncEngine.Watch;

/// <summary>How a watch debounces, rescans and reports (DESIGN.md, "Watch").</summary>
public sealed class WatchOptions
{
    /// <summary>The default quiet period: 2 s.</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromSeconds(2);

    /// <summary>The default longest wait for a burst that never pauses: 10 s.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>The default interval of full rescans: 10 min.</summary>
    public static readonly TimeSpan DefaultRescanInterval = TimeSpan.FromMinutes(10);

    /// <summary>The default interval at which a side without change events (remote) is listed: 30 s.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(30);

    /// <summary>The default window the delete guard counts over: 1 h.</summary>
    public static readonly TimeSpan DefaultDeleteWindow = TimeSpan.FromHours(1);

    /// <summary>A batch starts once no change was reported for this long.</summary>
    public TimeSpan Debounce { get; init; } = DefaultDebounce;

    /// <summary>A batch starts at the latest this long after the first change it holds (a burst that never pauses).</summary>
    public TimeSpan MaxDelay { get; init; } = DefaultMaxDelay;

    /// <summary>Both sides are listed in full this often, whatever the feeds said.</summary>
    public TimeSpan RescanInterval { get; init; } = DefaultRescanInterval;

    /// <summary>How often a side without change events (a remote side, or a local one past the system's watch limit) is listed.</summary>
    public TimeSpan PollInterval { get; init; } = DefaultPollInterval;

    /// <summary>The delete guard counts the deletions of every batch within this window.</summary>
    public TimeSpan DeleteWindow { get; init; } = DefaultDeleteWindow;

    /// <summary>Poll local sides too, instead of using the system's change events.</summary>
    public bool PollLocalSides { get; init; }

    /// <summary>Pass the safety guards (every batch).</summary>
    public bool Force { get; init; }

    /// <summary>The first full sync plans as a first sync that merges (<see cref="PlanOptions.Reseed"/>).</summary>
    public bool Reseed { get; init; }

    /// <summary>Pauses, resumes and ends the watch in this process (the front end's Ctrl+C); one is made when null.</summary>
    public SyncController? Controller { get; init; }

    /// <summary>Every event of every batch, as a sync raises them (worker threads).</summary>
    public Action<SyncProgressEvent>? Progress { get; init; }

    /// <summary>What the watch itself does: batches, rescans, refusals, sides lost and back (the watch's thread).</summary>
    public Action<WatchEvent>? Events { get; init; }

    /// <summary>The clock debouncing and scheduling read (tests give a <see cref="ManualWatchClock"/>).</summary>
    public WatchClock Clock { get; init; } = WatchClock.System;

    /// <summary>Test hook: makes the change feeds.</summary>
    internal ChangeFeedFactory? FeedFactory { get; init; }

    /// <summary>Throws <see cref="SyncEngineException"/> (InvalidArgument, <c>SyncInvalidDuration</c>) for a duration out of range.</summary>
    public void Validate()
    {
        Check(Debounce, "Debounce", TimeSpan.Zero);
        Check(MaxDelay, "MaxDelay", TimeSpan.Zero);
        Check(RescanInterval, "RescanInterval", TimeSpan.FromSeconds(1));
        Check(PollInterval, "PollInterval", TimeSpan.FromMilliseconds(100));
        Check(DeleteWindow, "DeleteWindow", TimeSpan.Zero);
        if (MaxDelay < Debounce)
        {
            throw new SyncEngineException("SyncInvalidDuration", SyncErrorKind.InvalidArgument,
                $"MaxDelay ({WatchDurations.Format(MaxDelay)}) is shorter than Debounce ({WatchDurations.Format(Debounce)}): a burst would be flushed before its quiet period could end. Give a maximum delay at least as long as the quiet period.", "MaxDelay");
        }
    }

    private static void Check(TimeSpan value, string name, TimeSpan least)
    {
        var most = TimeSpan.FromDays(30);
        if (value < least || value > most)
        {
            throw new SyncEngineException("SyncInvalidDuration", SyncErrorKind.InvalidArgument,
                $"{name} is {WatchDurations.Format(value)}; it must be between {WatchDurations.Format(least)} and {WatchDurations.Format(most)}.", name);
        }
    }
}

/// <summary>What a watch is doing.</summary>
public enum WatchState
{
    /// <summary>Setting up the change feeds and running the first full sync.</summary>
    Starting,
    /// <summary>Nothing pending: waiting for changes.</summary>
    Idle,
    /// <summary>Changes are pending; the batch starts once the quiet period ends.</summary>
    Pending,
    /// <summary>A batch is being planned or executed.</summary>
    Syncing,
    /// <summary>Paused: changes are collected, no batch starts.</summary>
    Paused,
    /// <summary>A side's root is missing: nothing is synchronized until it is back.</summary>
    SideUnavailable,
    /// <summary>The watch ended.</summary>
    Stopped,
}

/// <summary>The kinds of <see cref="WatchEvent"/>.</summary>
public enum WatchEventType
{
    /// <summary>The change feeds are set up (<see cref="WatchEvent.Message"/> says how each side is watched).</summary>
    Started,
    /// <summary>A batch starts (<see cref="WatchEvent.Paths"/> dirty paths, or a full rescan).</summary>
    BatchStarted,
    /// <summary>A batch that had work ended; <see cref="WatchEvent.Summary"/> has its totals.</summary>
    BatchCompleted,
    /// <summary>A safety guard refused a batch; nothing of it was applied; the watch goes on.</summary>
    BatchRefused,
    /// <summary>A batch could not be planned (a side could not be listed); its paths wait for the next one.</summary>
    BatchFailed,
    /// <summary>A full rescan was asked for (<see cref="WatchEvent.Message"/> says why).</summary>
    RescanRequested,
    /// <summary>A side's root is missing: syncing stopped until it is back.</summary>
    SideUnavailable,
    /// <summary>A side's root is back: a full rescan follows.</summary>
    SideAvailable,
    /// <summary>Something the user should know (a side falls back to polling, a feed failed and was restarted).</summary>
    Warning,
    /// <summary>The watch's state changed (<see cref="WatchEvent.State"/>, <see cref="WatchEvent.Pending"/>).</summary>
    StateChanged,
    /// <summary>The watch ended.</summary>
    Stopped,
}

/// <summary>One thing a watch did or noticed.</summary>
public sealed class WatchEvent
{
    /// <summary>What happened.</summary>
    public WatchEventType Type { get; init; }

    /// <summary>The watch's state after it.</summary>
    public WatchState State { get; init; }

    /// <summary>The batch's number (counting batches that had work).</summary>
    public int Batch { get; init; }

    /// <summary>Paths waiting for the next batch.</summary>
    public int Pending { get; init; }

    /// <summary>The dirty paths of the batch (BatchStarted); 0 for a full rescan.</summary>
    public int Paths { get; init; }

    /// <summary>True when the batch listed both sides in full.</summary>
    public bool FullRescan { get; init; }

    /// <summary>The side concerned, if one.</summary>
    public SyncSide? Side { get; init; }

    /// <summary>The batch's totals (BatchCompleted).</summary>
    public SyncSummary? Summary { get; init; }

    /// <summary>Why a batch was refused (BatchRefused).</summary>
    public IReadOnlyList<GuardViolation> Violations { get; init; } = Array.Empty<GuardViolation>();

    /// <summary>Stable identifier of a refusal or failure (<c>SyncMassDeleteGuard</c>, <c>SyncRootEmptied</c>, …), if any.</summary>
    public string? ErrorId { get; init; }

    /// <summary>Text for people.</summary>
    public string? Message { get; init; }

    /// <summary>When (UTC).</summary>
    public DateTime TimeUtc { get; init; } = DateTime.UtcNow;
}
