using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Storage;
using SyncEngine.TestSupport;
using SyncEngine.Watch;

namespace SyncEngine.Core.Tests.Watch;

/// <summary>
/// A watch with one side on a real OpenSSH server (the test sshd): the sftp:// side is listed at the poll interval,
/// the local side reports through the file-system watcher, and changes on either arrive on the other.
/// </summary>
public sealed class WatchSftpTests : IClassFixture<SshdServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly SshdServer _server;

    public WatchSftpTests(SshdServer server)
    {
        _server = server;
    }

    private static bool WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return condition();
    }

    private SyncPair RemoteDestinationPair(TestPair t) =>
        new(t.Source, $"sftp://{_server.User}@{_server.Host}:{_server.Port}{t.Destination}")
        {
            Mode = SyncMode.TwoWay,
            StatePath = t.StateDir,
            DestinationOptions = new SideOptions { KeyFiles = new[] { _server.ClientKeyPath }, KnownHostsFile = _server.KnownHostsPath },
        };

    [SkippableFact]
    public void Remote_changes_arrive_by_polling_and_local_changes_by_events()
    {
        Skip.If(_server.SkipReason is not null, _server.SkipReason);
        using var t = new TestPair();
        t.Write(SyncSide.Source, "old.txt", "from the start");
        var events = new ConcurrentQueue<WatchEvent>();
        var options = new WatchOptions
        {
            Debounce = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(1),
            PollInterval = TimeSpan.FromMilliseconds(300),
            Events = events.Enqueue,
        };
        using var cancel = new CancellationTokenSource();
        using var w = WatchSession.Open(RemoteDestinationPair(t), options);
        var run = new Thread(() => w.Run(cancel.Token)) { IsBackground = true };
        run.Start();
        try
        {
            Assert.True(WaitFor(() => w.State == WatchState.Idle), "the first full sync did not end");
            Assert.Equal("from the start", t.Read(SyncSide.Destination, "old.txt"));
            Assert.False(w.IsPolling(SyncSide.Source));
            Assert.True(w.IsPolling(SyncSide.Destination));
            var started = Assert.Single(events, e => e.Type == WatchEventType.Started);
            Assert.Contains("source: change events", started.Message, StringComparison.Ordinal);
            Assert.Contains("destination: listed every 300ms", started.Message, StringComparison.Ordinal);

            // A local change: only the file-system watcher can report it (the source is not listed, and the next
            // full rescan is ten minutes away).
            File.WriteAllText(Path.Combine(t.Source, "local.txt"), "written here");
            Assert.True(WaitFor(() => t.Read(SyncSide.Destination, "local.txt") == "written here"), "the local change did not reach the server");

            // Changes on the server (made in the folder the sshd serves): only the listing at the poll interval finds them.
            Directory.CreateDirectory(Path.Combine(t.Destination, "remote"));
            File.WriteAllText(Path.Combine(t.Destination, "remote", "new.txt"), "written on the server");
            Assert.True(WaitFor(() => t.Read(SyncSide.Source, "remote/new.txt") == "written on the server"), "the remote file did not come down");

            File.WriteAllText(Path.Combine(t.Destination, "old.txt"), "edited on the server, longer");
            Assert.True(WaitFor(() => t.Read(SyncSide.Source, "old.txt") == "edited on the server, longer"), "the remote edit did not come down");

            File.Delete(Path.Combine(t.Destination, "local.txt"));
            Assert.True(WaitFor(() => !t.Exists(SyncSide.Source, "local.txt")), "the remote deletion did not reach the local side");
            Assert.Contains("written here", t.TrashContents(SyncSide.Source)); // the deleted file's version is kept

            // Every one of those was a batch over its dirty paths, none a full rescan, and none failed.
            // (the last batch's event comes once its execution has ended, a moment after its file is gone)
            Assert.True(WaitFor(() => events.Count(e => e.Type == WatchEventType.BatchCompleted) >= 5));
            var batches = events.Where(e => e.Type == WatchEventType.BatchCompleted).ToList();
            Assert.All(batches.Skip(1), b => Assert.False(b.FullRescan));
            Assert.All(batches, b => Assert.Equal(0, b.Summary!.Failed));
            Assert.DoesNotContain(events, e => e.Type is WatchEventType.BatchFailed or WatchEventType.BatchRefused);
        }
        finally
        {
            cancel.Cancel();
            Assert.True(run.Join(Patience));
        }

        Assert.Equal(WatchState.Stopped, w.State);
    }
}
