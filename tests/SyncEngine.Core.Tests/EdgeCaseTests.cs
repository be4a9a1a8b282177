using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Control;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>Paths, identity, retention and interruption cases around the main semantics.</summary>
public class EdgeCaseTests
{
    private static readonly DateTime T0 = new(2024, 8, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Replaces a file's content through a new file renamed over it (a new identity), keeping a given time.</summary>
    private static void ReplaceKeepingTime(TestPair t, SyncSide side, string relative, string content, DateTime mtime)
    {
        var full = Full(t, side, relative);
        var temp = full + ".new";
        File.WriteAllText(temp, content);
        File.SetLastWriteTimeUtc(temp, mtime);
        File.Move(temp, full, overwrite: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_file_replaced_by_other_content_of_the_same_size_and_time_is_still_seen_as_changed(bool hashKnown)
    {
        // The hash cache is keyed by (size, mtime, file id): a new identity means the content must be looked at.
        using var t = new TestPair();
        if (hashKnown)
        {
            // Equal content hours apart: the first sync hashes both sides.
            t.Write(SyncSide.Source, "f.txt", "abc", T0);
            t.Write(SyncSide.Destination, "f.txt", "abc", T0.AddHours(2));
        }
        else
        {
            t.Write(SyncSide.Source, "f.txt", "abc", T0); // copied by the first sync
        }

        t.Write(SyncSide.Source, "keep.txt", "keep");
        var pair = PairOf(t);
        Run(pair);
        var before = FileId(t, SyncSide.Source, "f.txt");
        ReplaceKeepingTime(t, SyncSide.Source, "f.txt", "xyz", Mtime(t, SyncSide.Source, "f.txt"));
        Assert.NotEqual(before, FileId(t, SyncSide.Source, "f.txt"));

        var run = Run(pair);

        Assert.Equal(new[] { "UploadUpdate f.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal("xyz", t.Read(SyncSide.Destination, "f.txt"));
    }

    [Fact]
    public void A_same_size_edit_saved_a_second_after_the_last_copy_is_not_missed()
    {
        // HASH_THEN_MTIME: "files with matching hash are identical even if mtime differs"; the ±2 s tolerance is for
        // comparing times when no hash can be had, and a local file's hash can always be had.
        using var t = new TestPair();
        t.Write(SyncSide.Source, "f.txt", "version 1", T0);
        t.Write(SyncSide.Source, "keep.txt", "keep");
        var pair = PairOf(t);
        Run(pair); // the destination copy has mtime T0
        t.Write(SyncSide.Source, "f.txt", "version 2", T0.AddSeconds(1)); // same size, saved a second later

        var run = Run(pair);

        Assert.Equal(new[] { "UploadUpdate f.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal("version 2", t.Read(SyncSide.Destination, "f.txt"));
    }

    [Fact]
    public void Names_are_compared_after_NFC_normalization_and_each_side_keeps_its_own_spelling()
    {
        using var t = new TestPair();
        var nfd = "cafe\u0301.txt";
        var nfc = "caf\u00e9.txt";
        t.Write(SyncSide.Source, nfd, "menu", T0);
        t.Write(SyncSide.Destination, nfc, "menu", T0);
        var pair = PairOf(t);

        var first = Run(pair);

        NoVisibleActions(first.Plan);
        Assert.Equal(new[] { nfd }, t.Tree(SyncSide.Source).Keys);
        Assert.Equal(new[] { nfc }, t.Tree(SyncSide.Destination).Keys);

        t.Write(SyncSide.Source, nfd, "new menu!");
        var second = Run(pair);

        var a = Assert.Single(second.Plan.Visible());
        Assert.Equal(SyncActionType.UploadUpdate, a.Action);
        Assert.Equal(nfc, a.RelativePath);
        Assert.Equal(new[] { nfc }, t.Tree(SyncSide.Destination).Keys);
        Assert.Equal("new menu!", t.Read(SyncSide.Destination, nfc));
        NoVisibleActions(t.Plan(pair));
    }

    [Fact]
    public void Names_differing_only_in_case_never_overwrite_each_other_on_a_case_insensitive_side()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "README.txt", "source readme");
        t.Write(SyncSide.Source, "Notes.md", "notes one");
        t.Write(SyncSide.Source, "notes.md", "notes two");
        t.Write(SyncSide.Destination, "readme.txt", "destination readme");
        t.Write(SyncSide.Source, "plain.txt", "plain");
        var pair = PairOf(t);

        var run = Run(pair, new LocalStorageProvider(t.Source, caseSensitive: true), new LocalStorageProvider(t.Destination, caseSensitive: false));

        Assert.Equal(new[] { "UploadNew plain.txt" }, VisibleSorted(run.Plan).Where(a => !a.StartsWith("Conflict ", StringComparison.Ordinal)));
        Assert.Equal(new[] { "Notes.md", "README.txt", "notes.md", "readme.txt" },
            run.Plan.Actions.Where(a => a.Action == SyncActionType.Conflict && a.IsCaseConflict).Select(a => a.RelativePath).OrderBy(p => p, StringComparer.Ordinal));
        Assert.Equal(4, run.Summary.Conflicts);
        Assert.Equal(Tree(("plain.txt", "plain"), ("readme.txt", "destination readme")), t.Tree(SyncSide.Destination));
        Assert.Empty(t.TrashContents(SyncSide.Destination));
    }

    [SkippableFact]
    public void Names_that_are_not_portable_relative_paths_are_reported_and_left_alone()
    {
        // Legal on Linux, but a backslash is a separator on Windows and a control character cannot be shown safely.
        Skip.If(OperatingSystem.IsWindows(), "such names cannot be created on Windows");

        using var t = new TestPair();
        t.Write(SyncSide.Source, "ok.txt", "ok");
        File.WriteAllText(Path.Combine(t.Source, "back\\slash.txt"), "b");
        File.WriteAllText(Path.Combine(t.Source, "tab\tname.txt"), "c");
        File.WriteAllText(Path.Combine(t.Destination, "dest\\only.txt"), "d");
        var pair = PairOf(t, SyncMode.SourceToDestination);

        var run = Run(pair);

        Assert.Equal(new[] { "UploadNew ok.txt" }, VisibleSorted(run.Plan));
        Assert.True(run.Plan.ScanIssues.Count(i => i.Side == SyncSide.Source) >= 2);
        Assert.Contains(run.Plan.ScanIssues, i => i.Side == SyncSide.Destination);
        Assert.True(File.Exists(Path.Combine(t.Destination, "dest\\only.txt")), "a mirror does not delete what it cannot name");
        Assert.Equal(new[] { "dest\\only.txt", "ok.txt" }, Directory.GetFiles(t.Destination).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void A_file_on_one_side_where_the_other_has_a_folder_of_that_name_loses_nothing()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "x", "a file called x");
        t.Write(SyncSide.Destination, "x/y.txt", "a file inside a folder called x");
        t.Write(SyncSide.Source, "ok.txt", "ok");
        var pair = PairOf(t);

        var run = Run(pair);

        Assert.Equal("a file called x", t.Read(SyncSide.Source, "x"));
        Assert.Equal("a file inside a folder called x", t.Read(SyncSide.Destination, "x/y.txt"));
        Assert.Equal("ok", t.Read(SyncSide.Destination, "ok.txt"));
        Assert.Empty(TempFiles(t.Source));
        Assert.Empty(TempFiles(t.Destination));
        Assert.NotEqual("Succeeded", run.Summary.Outcome); // it cannot be done; it must say so
        Run(pair); // and a second attempt is just as harmless
        Assert.Equal("a file called x", t.Read(SyncSide.Source, "x"));
        Assert.Equal("a file inside a folder called x", t.Read(SyncSide.Destination, "x/y.txt"));
    }

    [Fact]
    public void A_first_run_interrupted_before_its_first_snapshot_resumes_from_the_journal()
    {
        using var t = new TestPair();
        foreach (var n in new[] { "a", "b", "c" })
        {
            t.Write(SyncSide.Source, n + ".txt", n);
        }

        var pair = PairOf(t);
        byte[] journal;
        using (var done = new CountdownEvent(1))
        using (var session = SyncSession.Open(pair))
        {
            var plan = session.Plan();
            var exec = session.BeginExecute(plan.Actions, new ExecuteOptions
            {
                Progress = e =>
                {
                    if (e.Type == SyncEventType.FileComplete)
                    {
                        done.Signal();
                    }
                },
            });
            exec.Post(plan.Actions.Single(x => x.RelativePath == "a.txt"));
            Assert.True(done.Wait(TimeSpan.FromSeconds(30)));
            using var fs = new FileStream(Path.Combine(t.StateDir, "journal.jsonl"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var ms = new MemoryStream();
            fs.CopyTo(ms);
            journal = ms.ToArray();
        }

        // Killed before any snapshot: only the journal exists.
        foreach (var f in new[] { "source_tree.json", "destination_tree.json", "sync_metadata.json" })
        {
            File.Delete(Path.Combine(t.StateDir, f));
        }

        File.WriteAllBytes(Path.Combine(t.StateDir, "journal.jsonl"), journal);
        t.Delete(SyncSide.Destination, "a.txt"); // the user removes the copy the interrupted run made

        var next = t.Plan(pair);

        Assert.Equal(new[] { "DeleteSource a.txt", "UploadNew b.txt", "UploadNew c.txt" }, VisibleSorted(next));
    }

    [Fact]
    public void Plan_warnings_reach_the_run_as_warning_events()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        var pair = PairOf(t);
        Run(pair);
        File.WriteAllText(Path.Combine(t.StateDir, "sync_metadata.json"), "{");
        var events = new List<SyncProgressEvent>();

        using (var session = SyncSession.Open(pair))
        {
            session.Run(null, new ExecuteOptions
            {
                Progress = e =>
                {
                    lock (events)
                    {
                        events.Add(e);
                    }
                },
            });
        }

        var warning = Assert.Single(events, e => e.Type == SyncEventType.Warning);
        Assert.Contains(t.StateDir, warning.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 9 case 3: where a side has no hard links the replaced version is kept by a copy, which takes time. An
    /// edit saved during that copy (here: saved the way editors do, a new file renamed over the old) is in no copy;
    /// the replacement must not go ahead over it.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_edit_saved_while_the_replaced_version_is_kept_is_never_overwritten(bool keepBoth)
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "doc.txt", "v1");
        var pair = keepBoth ? PairOf(t, SyncMode.TwoWay, conflicts: ConflictResolution.KeepBoth) : PairOf(t, SyncMode.SourceToDestination);
        Run(pair);
        if (keepBoth)
        {
            // The older edit loses, so the destination's version is the one kept under the conflict name.
            t.Write(SyncSide.Destination, "doc.txt", "v2 from the destination");
        }

        t.Write(SyncSide.Source, "doc.txt", "v2 from the source");
        SetMtime(t, SyncSide.Destination, "doc.txt", Mtime(t, SyncSide.Source, "doc.txt").AddMinutes(-5));

        var target = Full(t, SyncSide.Destination, "doc.txt");
        var dst = new HookedProvider(t.Destination);
        var saved = 0;
        dst.OnPreserveCopy = (path, _) =>
        {
            if (path == "doc.txt" && Interlocked.Exchange(ref saved, 1) == 0)
            {
                File.WriteAllText(target + ".saving", "the edit saved meanwhile");
                File.Move(target + ".saving", target, overwrite: true);
            }
        };

        var run = Run(pair, destination: dst);
        Assert.Equal(1, saved);
        Assert.Equal("the edit saved meanwhile", t.Read(SyncSide.Destination, "doc.txt"));
        Assert.Equal(SyncResultStatus.Stale, run.ResultFor("doc.txt").Status);

        // The next run sees the edit as an edit: a mirror keeps it before replacing it, keep-both keeps it beside.
        Run(pair);
        var kept = keepBoth ? t.Tree(SyncSide.Destination).Values : (IEnumerable<string>)t.TrashContents(SyncSide.Destination);
        Assert.Contains("the edit saved meanwhile", kept);
    }

    [Fact]
    public void Abort_stops_a_running_copy_and_leaves_its_target_as_it_was()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "big.bin", new string('1', 4_000_000));
        t.Write(SyncSide.Source, "small.txt", "small");
        var pair = PairOf(t, SyncMode.SourceToDestination, transferLimit: 1);
        Run(pair);
        t.Write(SyncSide.Source, "big.bin", new string('2', 4_000_000));
        t.Write(SyncSide.Source, "small.txt", "small v2");
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var reads = 0;
        var src = new HookedProvider(t.Source) { HideLocalPaths = true };
        var dst = new HookedProvider(t.Destination) { HideLocalPaths = true };
        using var controller = new SyncController();
        var record = new RunRecord();

        using (var session = SyncSession.Open(pair, new ThrottledRead(src, () =>
        {
            if (Interlocked.Increment(ref reads) == 2)
            {
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }
        }), dst))
        {
            var plan = session.Plan();
            var exec = session.BeginExecute(plan.Actions, new ExecuteOptions { Controller = controller, Progress = record.Events.Enqueue });
            foreach (var a in plan.Actions)
            {
                exec.Post(a);
            }

            exec.Complete();
            Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
            controller.Abort();
            release.Set();
            record.Summary = exec.Wait();
        }

        Assert.True(record.Summary.Cancelled);
        Assert.Equal(0, record.Summary.Succeeded);
        Assert.All(record.Results, r => Assert.Equal(SyncErrorKind.Cancelled, r.ErrorKind));
        Assert.Equal(new string('1', 4_000_000), t.Read(SyncSide.Destination, "big.bin"));
        Assert.Equal("small", t.Read(SyncSide.Destination, "small.txt"));
        Assert.Empty(TempFiles(t.Destination));

        Run(pair);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
    }

    [Fact]
    public void A_copy_cut_off_when_its_session_is_disposed_is_copied_again_never_taken_for_a_deletion()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "keep.txt", "keep");
        var pair = PairOf(t, transferLimit: 1);
        Run(pair);
        t.Write(SyncSide.Source, "big.bin", new string('b', 5_000_000));
        using var entered = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        var reads = 0;
        var src = new ThrottledRead(new HookedProvider(t.Source) { HideLocalPaths = true }, () =>
        {
            if (Interlocked.Increment(ref reads) == 2)
            {
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }
        });
        var dst = new HookedProvider(t.Destination) { HideLocalPaths = true };

        using var controller = new SyncController();
        var session = SyncSession.Open(pair, src, dst);
        var plan = session.Plan();
        var exec = session.BeginExecute(plan.Actions, new ExecuteOptions { Controller = controller });
        foreach (var a in plan.Actions)
        {
            exec.Post(a);
        }

        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
        var disposer = new Thread(session.Dispose); // the front end goes away mid-copy
        disposer.Start();
        Assert.True(SpinWait.SpinUntil(() => controller.IsAborted, TimeSpan.FromSeconds(30)));
        release.Set();
        Assert.True(disposer.Join(TimeSpan.FromSeconds(30)));

        Assert.Null(t.Read(SyncSide.Destination, "big.bin"));
        Assert.Empty(TempFiles(t.Destination));
        Assert.Equal(new[] { "UploadNew big.bin" }, VisibleSorted(t.Plan(pair)));
        Run(pair);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
    }

    /// <summary>A provider whose read streams call a hook on every read (to hold a copy mid-way).</summary>
    private sealed class ThrottledRead : IStorageProvider
    {
        private readonly IStorageProvider _inner;
        private readonly Action _onRead;

        public ThrottledRead(IStorageProvider inner, Action onRead)
        {
            _inner = inner;
            _onRead = onRead;
        }

        public string Root => _inner.Root;

        public StorageCapabilities Capabilities => _inner.Capabilities;

        public bool RootExists() => _inner.RootExists();

        public void CreateRoot() => _inner.CreateRoot();

        public IEnumerable<StorageEntry> Enumerate(Func<string, bool> includeFolder, Action<ScanIssue> onIssue, CancellationToken cancellationToken) => _inner.Enumerate(includeFolder, onIssue, cancellationToken);

        public StorageEntry? Stat(string path) => _inner.Stat(path);

        public Stream OpenRead(string path) => new HookStream(_inner.OpenRead(path), _onRead);

        public IStagedWrite BeginWrite(string path) => _inner.BeginWrite(path);

        public void Move(string fromPath, string toPath, bool overwrite) => _inner.Move(fromPath, toPath, overwrite);

        public void PreserveCopy(string path, string copyPath) => _inner.PreserveCopy(path, copyPath);

        public void Delete(string path) => _inner.Delete(path);

        public void RemoveEmptyParents(string path) => _inner.RemoveEmptyParents(path);

        public string ComputeHash(string path, CancellationToken cancellationToken) => _inner.ComputeHash(path, cancellationToken);


        public void CleanUp(System.Threading.CancellationToken cancellationToken) => _inner.CleanUp(cancellationToken);

        public System.Collections.Generic.IReadOnlyList<string> ListEngineFolders(string engineFolder) => _inner.ListEngineFolders(engineFolder);

        public void DeleteEngineFolder(string engineFolder, System.Threading.CancellationToken cancellationToken) => _inner.DeleteEngineFolder(engineFolder, cancellationToken);

        public void Dispose() => _inner.Dispose();

        private sealed class HookStream : Stream
        {
            private readonly Stream _inner;
            private readonly Action _onRead;

            public HookStream(Stream inner, Action onRead)
            {
                _inner = inner;
                _onRead = onRead;
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => _inner.Length;

            public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count)
            {
                _onRead();
                return _inner.Read(buffer, offset, Math.Min(count, 1 << 20));
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _inner.Dispose();
                }

                base.Dispose(disposing);
            }
        }
    }
}
