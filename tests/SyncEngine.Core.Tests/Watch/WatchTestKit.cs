using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Storage;
using SyncEngine.Watch;

namespace SyncEngine.Core.Tests.Watch;

/// <summary>A change feed the test drives by hand: it reports what the test tells it, or fails to start as told.</summary>
internal sealed class HandFeed : IChangeFeed
{
    public HandFeed(SyncSide side, IChangeSink sink, bool polling, Exception? failOnStart, IStorageProvider provider)
    {
        Side = side;
        Sink = sink;
        IsPolling = polling;
        FailOnStart = failOnStart;
        Inner = polling ? new PollingFeed(side, provider, sink) : null;
    }

    public SyncSide Side { get; }

    public IChangeSink Sink { get; }

    public bool IsPolling { get; }

    public Exception? FailOnStart { get; }

    /// <summary>For a polling feed: the engine's real polling over the side's provider.</summary>
    public PollingFeed? Inner { get; }

    public bool Disposed { get; private set; }

    public void Start()
    {
        if (FailOnStart is not null)
        {
            throw FailOnStart;
        }

        Inner?.Start();
    }

    public void Poll(CancellationToken cancellationToken) => Inner?.Poll(cancellationToken);

    public void Dispose() => Disposed = true;
}

/// <summary>A watch on a <see cref="TestPair"/> with a hand-moved clock and hand-driven feeds.</summary>
internal sealed class WatchRig : IDisposable
{
    private readonly List<HandFeed> _feeds = new();

    public WatchRig(TestPair t, SyncPair pair, Func<SyncSide, bool, Exception?>? failOnStart = null, TimeSpan? deleteWindow = null, bool force = false)
    {
        T = t;
        Options = new WatchOptions
        {
            Clock = Clock,
            Debounce = TimeSpan.FromSeconds(2),
            MaxDelay = TimeSpan.FromSeconds(10),
            DeleteWindow = deleteWindow ?? WatchOptions.DefaultDeleteWindow,
            Force = force,
            Progress = e =>
            {
                if (e.Type == SyncEventType.FileComplete && e.Result is not null)
                {
                    Results.Enqueue(e.Result);
                }
            },
            Events = e => Events.Enqueue(e),
            FeedFactory = (side, provider, localRoot, polling, sink) =>
            {
                var feed = new HandFeed(side, sink, polling, polling ? null : failOnStart?.Invoke(side, polling), provider);
                lock (_feeds)
                {
                    _feeds.Add(feed);
                }

                return feed;
            },
        };
        Session = WatchSession.Open(pair, Options);
    }

    public TestPair T { get; }

    public ManualWatchClock Clock { get; } = new();

    public WatchOptions Options { get; }

    public WatchSession Session { get; }

    public ConcurrentQueue<SyncResult> Results { get; } = new();

    public ConcurrentQueue<WatchEvent> Events { get; } = new();

    public IChangeSink Sink => Feed(SyncSide.Source).Sink;

    public HandFeed Feed(SyncSide side)
    {
        lock (_feeds)
        {
            return _feeds.Last(f => f.Side == side);
        }
    }

    /// <summary>Starts the watch: feeds, then the first full sync.</summary>
    public void Start() => Session.Start();

    /// <summary>Reports a change on a side.</summary>
    public void Changed(SyncSide side, string path) => Feed(side).Sink.Changed(side, path);

    /// <summary>Moves the clock and lets the watch do what is due.</summary>
    public void After(TimeSpan time)
    {
        Clock.Advance(time);
        Session.Step();
    }

    /// <summary>Results since the last call.</summary>
    public List<SyncResult> TakeResults()
    {
        var list = new List<SyncResult>();
        while (Results.TryDequeue(out var r))
        {
            list.Add(r);
        }

        return list;
    }

    public List<WatchEvent> TakeEvents()
    {
        var list = new List<WatchEvent>();
        while (Events.TryDequeue(out var e))
        {
            list.Add(e);
        }

        return list;
    }

    public void Dispose() => Session.Dispose();
}
