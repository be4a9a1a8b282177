using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using SyncEngine.Core.Tests.Support;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>The pair's state: location, snapshot, journal and lock (DESIGN.md "State").</summary>
public class StateTests
{
    private static readonly string[] SnapshotFiles = { "source_tree.json", "destination_tree.json", "sync_metadata.json" };

    [Fact]
    public void The_default_state_path_is_a_per_pair_folder_under_the_state_root()
    {
        using var t = new TestPair();
        var pair = new SyncPair(t.Source, t.Destination);
        var id = SyncPair.ComputeId(t.Source, t.Destination);

        Assert.Equal(Path.Combine(SyncPair.StateRoot(), "pairs", id), SyncPair.DefaultStatePath(t.Source, t.Destination));
        Assert.Equal(SyncPair.DefaultStatePath(t.Source, t.Destination), pair.ResolvedStatePath);
        Assert.Equal(id, pair.Id);
        Assert.Equal(t.StateDir, PairOf(t).ResolvedStatePath);

        // Stable, and one folder per pair.
        Assert.Equal(id, SyncPair.ComputeId(t.Source + Path.DirectorySeparatorChar, t.Destination));
        Assert.Equal(id, SyncPair.ComputeId(Path.Combine(t.Root, "x", "..", "src"), t.Destination));
        Assert.NotEqual(id, SyncPair.ComputeId(t.Destination, t.Source));
        Assert.NotEqual(id, SyncPair.ComputeId(t.Source, t.Destination + "2"));
        Assert.Matches("^[0-9a-f]+$", id);
    }

    [Fact]
    public void A_sync_writes_the_snapshot_atomically_and_leaves_no_temporary_files()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        t.Write(SyncSide.Destination, "b/c.txt", "c");
        var pair = PairOf(t);

        Run(pair);

        foreach (var f in SnapshotFiles)
        {
            var path = Path.Combine(t.StateDir, f);
            Assert.True(File.Exists(path), f);
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }

        var leftovers = Directory.EnumerateFiles(t.StateDir).Select(Path.GetFileName).Where(n => n!.Contains(".tmp", StringComparison.Ordinal)).ToList();
        Assert.Empty(leftovers);
        using (var meta = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t.StateDir, "sync_metadata.json"))))
        {
            Assert.Equal(pair.Id, meta.RootElement.GetProperty("pairId").GetString());
            Assert.True(meta.RootElement.GetProperty("format").GetInt32() >= 1);
        }

        Assert.Equal(new[] { "a.txt", "b/c.txt" }, StateKeys(t.StateDir, SyncSide.Source));
        Assert.Equal(new[] { "a.txt", "b/c.txt" }, StateKeys(t.StateDir, SyncSide.Destination));
        var journal = Path.Combine(t.StateDir, "journal.jsonl");
        Assert.True(!File.Exists(journal) || new FileInfo(journal).Length == 0, "the snapshot absorbed the journal");
    }

    [Fact]
    public void A_second_session_on_the_same_pair_is_refused_while_the_first_holds_it()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        var pair = PairOf(t);

        using (SyncSession.Open(pair))
        {
            var ex = ThrowsSync(() => SyncSession.Open(pair).Dispose(), "SyncPairLocked");
            Assert.Equal(SyncErrorKind.ResourceBusy, ex.Kind);

            // Another pair object for the same roots and state folder is the same pair.
            ThrowsSync(() => SyncSession.Open(PairOf(t, SyncMode.SourceToDestination)).Dispose(), "SyncPairLocked");

            // Planning takes no lock and changes nothing.
            Assert.Equal(new[] { "UploadNew a.txt" }, Describe(t.Plan(pair).Visible()));
        }

        using (var again = SyncSession.Open(pair))
        {
            Assert.NotNull(again);
        }
    }

    [Fact]
    public void Executing_only_part_of_a_plan_loses_nothing_and_the_next_plan_does_the_rest()
    {
        using var t = new TestPair();
        foreach (var n in new[] { "a", "b", "c", "d", "e" })
        {
            t.Write(SyncSide.Source, n + ".txt", n);
        }

        var pair = PairOf(t);
        Run(pair);
        for (var i = 1; i <= 4; i++)
        {
            t.Write(SyncSide.Source, $"n{i}.txt", "new " + i);
        }

        t.Delete(SyncSide.Source, "a.txt");
        t.Write(SyncSide.Destination, "b.txt", "b edited at destination");

        using (var done = new CountdownEvent(2))
        using (var session = SyncSession.Open(pair))
        {
            var plan = session.Plan();
            Assert.Equal(new[] { "DeleteDestination a.txt", "DownloadUpdate b.txt", "UploadNew n1.txt", "UploadNew n2.txt", "UploadNew n3.txt", "UploadNew n4.txt" }, VisibleSorted(plan));
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
            exec.Post(plan.Actions.Single(a => a.RelativePath == "n1.txt"));
            exec.Post(plan.Actions.Single(a => a.RelativePath == "b.txt"));
            Assert.True(done.Wait(TimeSpan.FromSeconds(30)), "the two posted actions finished");
        } // disposed without posting the rest

        Assert.Equal("new 1", t.Read(SyncSide.Destination, "n1.txt"));
        Assert.Equal("b edited at destination", t.Read(SyncSide.Source, "b.txt"));
        Assert.Equal(new[] { "DeleteDestination a.txt", "UploadNew n2.txt", "UploadNew n3.txt", "UploadNew n4.txt" }, VisibleSorted(t.Plan(pair)));

        Run(pair);

        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Equal(new[] { "b.txt", "c.txt", "d.txt", "e.txt", "n1.txt", "n2.txt", "n3.txt", "n4.txt" }, t.Tree(SyncSide.Source).Keys);
        Assert.Equal(new[] { "a", "b" }, Trash(t, SyncSide.Source).Concat(Trash(t, SyncSide.Destination)).OrderBy(s => s, StringComparer.Ordinal));
        NoVisibleActions(t.Plan(pair));
    }

    [Fact]
    public void After_a_crash_the_journal_keeps_what_finished_so_a_later_deletion_is_not_undone()
    {
        using var t = new TestPair();
        foreach (var n in new[] { "a", "b", "c" })
        {
            t.Write(SyncSide.Source, n + ".txt", n);
        }

        var pair = PairOf(t);
        Run(pair);
        for (var i = 1; i <= 4; i++)
        {
            t.Write(SyncSide.Source, $"n{i}.txt", "new " + i);
        }

        // The snapshot as it was before the interrupted run.
        var saved = SnapshotFiles.ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(t.StateDir, f)));
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
            exec.Post(plan.Actions.Single(a => a.RelativePath == "n1.txt"));
            Assert.True(done.Wait(TimeSpan.FromSeconds(30)));
            using var fs = new FileStream(Path.Combine(t.StateDir, "journal.jsonl"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var ms = new MemoryStream();
            fs.CopyTo(ms);
            journal = ms.ToArray();
        }

        Assert.Contains("n1.txt", System.Text.Encoding.UTF8.GetString(journal), StringComparison.Ordinal);

        // The process "died" before writing its snapshot: old snapshot + journal, with a torn last line.
        foreach (var kv in saved)
        {
            File.WriteAllBytes(Path.Combine(t.StateDir, kv.Key), kv.Value);
        }

        File.WriteAllBytes(Path.Combine(t.StateDir, "journal.jsonl"), journal.Concat(System.Text.Encoding.UTF8.GetBytes("{\"op\":\"set\",\"key\":\"n2.t")).ToArray());

        // The user deletes the copy that the interrupted run made.
        t.Delete(SyncSide.Destination, "n1.txt");

        var next = t.Plan(pair);

        Assert.False(next.StateWasUnreadable);
        Assert.Equal(new[] { "DeleteSource n1.txt", "UploadNew n2.txt", "UploadNew n3.txt", "UploadNew n4.txt" }, VisibleSorted(next));
        Run(pair);
        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Equal(new[] { "new 1" }, Trash(t, SyncSide.Source));
        NoVisibleActions(t.Plan(pair));
    }

    [Fact]
    public void A_crash_between_the_snapshot_files_is_repaired_by_the_journal()
    {
        using var t = new TestPair();
        foreach (var n in new[] { "a", "b", "c" })
        {
            t.Write(SyncSide.Source, n + ".txt", n);
        }

        var pair = PairOf(t);
        Run(pair);
        var s1 = SnapshotFiles.ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(t.StateDir, f)));
        t.Write(SyncSide.Source, "n.txt", "new");
        t.Delete(SyncSide.Source, "a.txt");
        t.Write(SyncSide.Source, "b.txt", "b edited");

        byte[] journal;
        using (var done = new CountdownEvent(3))
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
            foreach (var a in plan.Actions)
            {
                exec.Post(a);
            }

            Assert.True(done.Wait(TimeSpan.FromSeconds(30)));
            exec.Complete();
            exec.Wait();
            using var fs = new FileStream(Path.Combine(t.StateDir, "journal.jsonl"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var ms = new MemoryStream();
            fs.CopyTo(ms);
            journal = ms.ToArray();
        }

        // Killed after the new source tree was in place but before the destination tree and metadata were.
        File.WriteAllBytes(Path.Combine(t.StateDir, "destination_tree.json"), s1["destination_tree.json"]);
        File.WriteAllBytes(Path.Combine(t.StateDir, "sync_metadata.json"), s1["sync_metadata.json"]);
        File.WriteAllBytes(Path.Combine(t.StateDir, "journal.jsonl"), journal);
        t.Delete(SyncSide.Destination, "n.txt"); // a deletion the next run must propagate, not undo

        var next = t.Plan(pair);

        Assert.False(next.StateWasUnreadable);
        Assert.Equal(new[] { "DeleteSource n.txt" }, VisibleSorted(next));
    }

    [Fact]
    public void State_from_a_newer_format_is_refused_with_its_error_id()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        var pair = PairOf(t);
        Run(pair);
        var meta = Path.Combine(t.StateDir, "sync_metadata.json");
        var text = File.ReadAllText(meta);
        var json = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        json["format"] = 99;
        File.WriteAllText(meta, json.ToJsonString());
        t.Delete(SyncSide.Source, "a.txt");

        var fromPlan = ThrowsSync(() => t.Plan(pair), "SyncStateFromNewerVersion");
        var fromOpen = ThrowsSync(() => SyncSession.Open(pair).Dispose(), "SyncStateFromNewerVersion");

        Assert.Equal(SyncErrorKind.InvalidState, fromPlan.Kind);
        Assert.Equal(SyncErrorKind.InvalidState, fromOpen.Kind);
        Assert.Equal("a", t.Read(SyncSide.Destination, "a.txt"));
        Assert.Contains("99", File.ReadAllText(meta), StringComparison.Ordinal); // not overwritten by this older engine
    }

    [Fact]
    public void State_of_another_pair_is_refused_with_its_error_id()
    {
        using var t = new TestPair();
        using var other = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        other.Write(SyncSide.Source, "b.txt", "b");
        Run(PairOf(t));
        var borrowed = PairOf(other, statePath: t.StateDir);

        var ex = ThrowsSync(() => Run(borrowed), "SyncStateForAnotherPair");

        Assert.Equal(SyncErrorKind.InvalidState, ex.Kind);
        ThrowsSync(() => SyncPlanner.Plan(borrowed), "SyncStateForAnotherPair");
        Assert.Empty(other.Tree(SyncSide.Destination));
        Assert.Equal(new[] { "a.txt" }, StateKeys(t.StateDir));
    }
}

[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment
{
}

/// <summary>Tests that set SYNCENGINE_STATE_HOME; they run alone so no parallel test sees the variable.</summary>
[Collection(nameof(ProcessEnvironment))]
public class StateHomeTests
{
    [Fact]
    public void SYNCENGINE_STATE_HOME_moves_the_default_state_folder()
    {
        using var t = new TestPair();
        var home = Path.Combine(t.Root, "state-home");
        var before = Environment.GetEnvironmentVariable("SYNCENGINE_STATE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("SYNCENGINE_STATE_HOME", home);
            var pair = new SyncPair(t.Source, t.Destination);
            t.Write(SyncSide.Source, "a.txt", "a");

            Assert.Equal(home, SyncPair.StateRoot());
            Assert.Equal(Path.Combine(home, "pairs", pair.Id), pair.ResolvedStatePath);
            t.Sync(pair);

            Assert.True(File.Exists(Path.Combine(home, "pairs", pair.Id, "sync_metadata.json")));
            Assert.Equal(new[] { "a.txt" }, StateKeys(Path.Combine(home, "pairs", pair.Id)));
            NoVisibleActions(t.Plan(pair));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SYNCENGINE_STATE_HOME", before);
        }
    }
    [Fact]
    public void Without_the_override_the_state_root_is_the_users_local_state_folder()
    {
        var savedHome = Environment.GetEnvironmentVariable("SYNCENGINE_STATE_HOME");
        var savedXdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("SYNCENGINE_STATE_HOME", null);
            if (OperatingSystem.IsWindows())
            {
                Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "SyncEngine"), SyncPair.StateRoot());
                return;
            }

            var xdg = Path.Combine(Path.GetTempPath(), "xdg-" + Guid.NewGuid().ToString("N"));
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", xdg);
            Assert.Equal(Path.Combine(xdg, "syncengine"), SyncPair.StateRoot());

            Environment.SetEnvironmentVariable("XDG_STATE_HOME", null);
            Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "syncengine"), SyncPair.StateRoot());
        }
        finally
        {
            Environment.SetEnvironmentVariable("SYNCENGINE_STATE_HOME", savedHome);
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", savedXdg);
        }
    }
}
