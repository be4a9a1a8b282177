using System;
using System.IO;
using System.Linq;
using System.Text;
using SyncEngine.Reliability.Tests.Infrastructure;
using SyncEngine.Storage;
using Xunit.Abstractions;

namespace SyncEngine.Reliability.Tests;

/// <summary>
/// Damaged or foreign state, concurrent runs, unusable state folders, bad ignore files, roots that are files, roots that
/// vanished or appear empty, ignored files on the far side, and a really full disk.
/// </summary>
public class StateAndSetupTests
{
    private readonly ITestOutputHelper _out;

    public StateAndSetupTests(ITestOutputHelper output) => _out = output;

    /// <summary>A synced pair of five files, then "b.txt" deleted on the source: a normal run would delete it on the destination.</summary>
    private static (Sandbox T, SyncPair Pair) SyncedWithOneDeletion(SyncMode mode = SyncMode.TwoWay)
    {
        var t = new Sandbox();
        foreach (var n in new[] { "a.txt", "b.txt", "c.txt", "d/e.txt", "d/f.txt" })
        {
            t.Write(SyncSide.Source, n, "content " + n);
        }

        var pair = t.Pair(mode);
        Sandbox.Run(pair);
        t.Delete(SyncSide.Source, "b.txt");
        Assert.Contains(Sandbox.PlanOnly(pair).Actions, a => a.Action == SyncActionType.DeleteDestination && a.RelativePath == "b.txt");
        return (t, pair);
    }

    private static void AssertTreatedAsFirstSyncWithoutDeletions(Sandbox t, SyncPair pair)
    {
        var plan = Sandbox.PlanOnly(pair);
        Assert.True(plan.StateWasUnreadable);
        Assert.Contains(plan.Warnings, w => w.Contains(pair.StatePath!, StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Actions, a => ActionFacts.IsDelete(a.Action));
        var run = Sandbox.Run(pair);
        Assert.DoesNotContain(run.Results, r => ActionFacts.IsDelete(r.Action));
        Assert.Equal("content b.txt", t.Read(SyncSide.Destination, "b.txt"));
        Assert.Equal("content b.txt", t.Read(SyncSide.Source, "b.txt")); // merged back: nothing lost
    }

    [Theory]
    [InlineData("source_tree.json")]
    [InlineData("destination_tree.json")]
    [InlineData("sync_metadata.json")]
    public void Truncated_state_file_reads_as_no_state_and_deletes_nothing(string file)
    {
        var (t, pair) = SyncedWithOneDeletion();
        using (t)
        {
            var path = Path.Combine(t.StateDir, file);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes.Take(bytes.Length / 2).ToArray());
            AssertTreatedAsFirstSyncWithoutDeletions(t, pair);
        }
    }

    [Theory]
    [InlineData("source_tree.json", "garbage")]
    [InlineData("destination_tree.json", "garbage")]
    [InlineData("sync_metadata.json", "garbage")]
    [InlineData("sync_metadata.json", "empty")]
    [InlineData("source_tree.json", "empty")]
    [InlineData("destination_tree.json", "nul")]
    [InlineData("source_tree.json", "wrong-shape")]
    public void Corrupt_state_file_reads_as_no_state_and_deletes_nothing(string file, string damage)
    {
        var (t, pair) = SyncedWithOneDeletion();
        using (t)
        {
            var path = Path.Combine(t.StateDir, file);
            var content = damage switch
            {
                "garbage" => Encoding.UTF8.GetBytes("{\"format\":1,\"files\":{\"a.txt\":{\"size\":\"x\"}} ]]]]"),
                "empty" => Array.Empty<byte>(),
                "nul" => new byte[4096],
                _ => Encoding.UTF8.GetBytes("[1,2,3]"),
            };
            File.WriteAllBytes(path, content);
            AssertTreatedAsFirstSyncWithoutDeletions(t, pair);
        }
    }

    [Theory]
    [InlineData("source_tree.json")]
    [InlineData("source_tree.json", "destination_tree.json")]
    public void First_snapshot_killed_between_its_files_still_knows_what_the_journal_recorded(params string[] written)
    {
        // Found by the crash harness (seed 729473977): a first run killed while writing its first snapshot leaves
        // source_tree.json (and maybe destination_tree.json) but no sync_metadata.json, plus a full journal. The
        // journal alone would be a complete state; it must not be thrown away as "unreadable".
        using var t = new Sandbox();
        foreach (var n in new[] { "a.txt", "b.txt", "c.txt", "d/e.txt" })
        {
            t.Write(SyncSide.Source, n, "content " + n);
        }

        var pair = t.Pair();
        var journal = Path.Combine(t.StateDir, "journal.jsonl");
        byte[] journalBytes;
        using (var session = SyncSession.Open(pair))
        {
            session.Run(null, new ExecuteOptions());
            journalBytes = File.ReadAllBytes(journal);
        }

        Assert.NotEmpty(journalBytes);
        File.WriteAllBytes(journal, journalBytes);
        foreach (var f in new[] { "source_tree.json", "destination_tree.json", "sync_metadata.json" }.Except(written))
        {
            File.Delete(Path.Combine(t.StateDir, f));
        }

        t.Delete(SyncSide.Source, "b.txt");

        var plan = Sandbox.PlanOnly(pair);

        Assert.False(plan.StateWasUnreadable, "the interrupted first snapshot made the state read as unreadable: " + string.Join(" | ", plan.Warnings));
        Assert.Equal(4, plan.Info.TrackedFileCount);
        var action = Assert.Single(plan.Visible());
        Assert.Equal(SyncActionType.DeleteDestination, action.Action);
    }

    [Fact]
    public void State_file_missing_among_the_three_reads_as_no_state()
    {
        var (t, pair) = SyncedWithOneDeletion();
        using (t)
        {
            File.Delete(Path.Combine(t.StateDir, "destination_tree.json"));
            AssertTreatedAsFirstSyncWithoutDeletions(t, pair);
        }
    }

    [Fact]
    public void State_from_a_future_format_version_is_refused_with_a_clear_error_and_left_untouched()
    {
        var (t, pair) = SyncedWithOneDeletion();
        using (t)
        {
            var meta = Path.Combine(t.StateDir, "sync_metadata.json");
            var text = File.ReadAllText(meta);
            var future = System.Text.RegularExpressions.Regex.Replace(text, "\"format\":\\s*\\d+", "\"format\":99");
            Assert.NotEqual(text, future);
            File.WriteAllText(meta, future);
            var stateBefore = Directory.GetFiles(t.StateDir).ToDictionary(f => f, File.ReadAllBytes);

            var ex = Assert.Throws<SyncEngineException>(() => Sandbox.Run(pair));

            Assert.Equal("SyncStateFromNewerVersion", ex.ErrorId);
            Assert.Equal(SyncErrorKind.InvalidState, ex.Kind);
            Assert.Contains("99", ex.Message);
            Assert.True(t.Exists(SyncSide.Destination, "b.txt"));
            foreach (var kv in stateBefore.Where(kv => !kv.Key.EndsWith("lock", StringComparison.Ordinal)))
            {
                Assert.Equal(kv.Value, File.ReadAllBytes(kv.Key));
            }

            Assert.Throws<SyncEngineException>(() => SyncPlanner.Plan(pair));
        }
    }

    [Fact]
    public void State_of_another_pair_is_refused_with_a_clear_error()
    {
        var (t, pair) = SyncedWithOneDeletion();
        using (t)
        using (var other = new Sandbox())
        {
            other.Write(SyncSide.Source, "x.txt", "x");
            Sandbox.Run(other.Pair());
            var foreignPair = Sandbox.With(pair, statePath: other.StateDir);

            var ex = Assert.Throws<SyncEngineException>(() => Sandbox.Run(foreignPair));

            Assert.Equal("SyncStateForAnotherPair", ex.ErrorId);
            Assert.Contains(other.Source, ex.Message);
            Assert.True(t.Exists(SyncSide.Destination, "b.txt"));
            Assert.False(t.Exists(SyncSide.Destination, "x.txt"));
        }
    }

    [Theory]
    [InlineData("torn-tail")]
    [InlineData("garbage-line")]
    [InlineData("binary")]
    public void Damaged_journal_lines_are_skipped_and_never_read_as_deletions(string damage)
    {
        using var t = new Sandbox();
        foreach (var n in new[] { "a.txt", "b.txt", "c.txt" })
        {
            t.Write(SyncSide.Source, n, "content " + n);
        }

        var pair = t.Pair();
        Sandbox.Run(pair);
        var journal = Path.Combine(t.StateDir, "journal.jsonl");
        var extra = damage switch
        {
            "torn-tail" => "{\"op\":\"del\",\"key\":\"a.t",
            "garbage-line" => "this is not json\n{\"op\":\"explode\",\"key\":\"b.txt\"}\n{\"op\":\"set\",\"key\":\"c.txt\"}\n",
            _ => "\0\0\0\u0001\u0002\n",
        };
        File.AppendAllText(journal, extra);

        var plan = Sandbox.PlanOnly(pair);

        Assert.DoesNotContain(plan.Actions, a => a.IsMutating);
        Sandbox.Run(pair);
        Assert.Equal(3, t.Tree(SyncSide.Destination).Count);
        Assert.Equal(3, t.Tree(SyncSide.Source).Count);
    }

    [Fact]
    public void Two_runs_of_one_pair_at_once_the_second_is_refused_until_the_first_ends()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "a.txt", "A");
        var pair = t.Pair();

        using (var first = SyncSession.Open(pair))
        {
            var ex = Assert.Throws<SyncEngineException>(() => SyncSession.Open(pair));
            Assert.Equal("SyncPairLocked", ex.ErrorId);
            Assert.Equal(SyncErrorKind.ResourceBusy, ex.Kind);
            Assert.Contains(t.StateDir, ex.Message);

            // The same pair named differently (another path spelling, the same state folder) is the same lock.
            var alias = new SyncPair(t.Source + Path.DirectorySeparatorChar, t.Destination) { StatePath = t.StateDir };
            Assert.Equal("SyncPairLocked", Assert.Throws<SyncEngineException>(() => SyncSession.Open(alias)).ErrorId);
            first.Run(null, new ExecuteOptions());
        }

        using var second = SyncSession.Open(pair);
        Assert.Empty(second.Plan().Visible());
    }

    [SkippableFact]
    public void Two_runs_of_one_pair_at_once_across_processes()
    {
        // The lock must hold across processes: a child process holds it while this one tries.
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "a.txt", "A");
        var pair = t.Pair();
        using var holder = SyncSession.Open(pair);
        var harness = Path.Combine(AppContext.BaseDirectory, "CrashHarness.dll");
        Skip.IfNot(File.Exists(harness), "CrashHarness.dll is not beside the tests; the in-process lock test covers the lock.");

        var (exit, output) = Native.Run("dotnet", harness, "--child", "--source", t.Source, "--destination", t.Destination, "--state", t.StateDir, "--mode", "two-way");

        Assert.Equal(3, exit);
        Assert.Contains("SyncPairLocked", output);
        Assert.False(t.Exists(SyncSide.Destination, "a.txt"));
    }

    [Fact]
    public void State_folder_that_cannot_be_created_is_a_clear_error_and_nothing_is_synced()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "a.txt", "A");
        var blocker = Path.Combine(t.Root, "state-is-a-file");
        File.WriteAllText(blocker, "a regular file where the state folder's parent should be");
        var pair = Sandbox.With(t.Pair(), statePath: Path.Combine(blocker, "state"));

        var ex = Assert.Throws<SyncEngineException>(() => Sandbox.Run(pair));

        Assert.Equal("SyncStateFolderUnavailable", ex.ErrorId);
        Assert.Contains(blocker, ex.Message);
        Assert.False(t.Exists(SyncSide.Destination, "a.txt"));
    }

    [SkippableFact]
    public void Read_only_state_folder_is_a_clear_error_not_a_lock_and_nothing_is_synced()
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "a.txt", "A");
        var pair = t.Pair();
        Sandbox.Run(pair);
        t.Write(SyncSide.Source, "b.txt", "B");
        Skip.IfNot(Native.IsLinux, "the read-only bind mount needs Linux.");

        var bind = Native.Run("mount", "--bind", t.StateDir, t.StateDir);
        Skip.If(bind.Exit != 0, "bind mount not permitted here: " + bind.Output);

        try
        {
            var ro = Native.Run("mount", "-o", "remount,ro,bind", t.StateDir);
            Assert.True(ro.Exit == 0, "remount read-only failed: " + ro.Output);
            Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(t.StateDir, "probe"), "x"));

            var ex = Assert.Throws<SyncEngineException>(() => Sandbox.Run(pair));

            Assert.False(t.Exists(SyncSide.Destination, "b.txt"));
            Assert.True(ex.ErrorId == "SyncStateFolderUnavailable", $"a read-only state folder was reported as {ex.ErrorId}: {ex.Message}");
        }
        finally
        {
            Native.Unmount(t.StateDir);
        }
    }

    [Theory]
    [InlineData("*.tmp\nbuild/\n[abc\n", 3)]
    [InlineData("ok\n!\n", 2)]
    [InlineData("trailing\\", 1)]
    [InlineData("# comment\n\n***\n", 3)]
    [InlineData("a\tb\n", 1)]
    public void Malformed_syncignore_is_a_clear_error_naming_file_and_line_and_nothing_changes(string content, int line)
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "a.txt", "A");
        t.Write(SyncSide.Destination, "z.txt", "Z");
        var ignoreFile = Path.Combine(t.Source, ".syncignore");
        File.WriteAllText(ignoreFile, content);

        foreach (var mode in new[] { SyncMode.TwoWay, SyncMode.SourceToDestination })
        {
            var ex = Assert.ThrowsAny<SyncEngineException>(() => Sandbox.Run(t.Pair(mode)));
            Assert.Equal("SyncIgnoreRuleInvalid", ex.ErrorId);
            var rule = Assert.IsType<IgnoreRuleException>(ex);
            Assert.Equal(line, rule.Line);
            Assert.Contains(".syncignore", rule.SourceName);
            Assert.Contains(".syncignore", ex.Message);
        }

        Assert.False(t.Exists(SyncSide.Destination, "a.txt"));
        Assert.True(t.Exists(SyncSide.Destination, "z.txt"));
        Assert.False(t.Exists(SyncSide.Source, "z.txt"));
    }

    [Theory]
    [InlineData(SyncSide.Source)]
    [InlineData(SyncSide.Destination)]
    public void A_root_that_is_a_file_is_a_clear_error(SyncSide side)
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "a.txt", "A");
        var file = Path.Combine(t.Root, "root-file");
        File.WriteAllText(file, "I am a file");
        var pair = side == SyncSide.Source
            ? new SyncPair(file, t.Destination) { StatePath = t.StateDir }
            : new SyncPair(t.Source, file) { StatePath = t.StateDir };

        var ex = Assert.Throws<SyncEngineException>(() => SyncSession.Open(pair).Dispose());

        Assert.Equal("SyncRootNotFolder", ex.ErrorId);
        Assert.Contains(file, ex.Message);
        Assert.Equal("I am a file", File.ReadAllText(file));
        Assert.Throws<SyncEngineException>(() => SyncPlanner.Plan(pair));
    }

    [Theory]
    [InlineData(SyncMode.TwoWay, SyncSide.Source)]
    [InlineData(SyncMode.TwoWay, SyncSide.Destination)]
    [InlineData(SyncMode.SourceToDestination, SyncSide.Source)]
    [InlineData(SyncMode.DestinationToSource, SyncSide.Destination)]
    public void A_root_that_now_appears_empty_is_refused_by_the_guard_and_nothing_is_deleted(SyncMode mode, SyncSide emptied)
    {
        using var t = new Sandbox();
        for (var i = 0; i < 10; i++)
        {
            var when = t.NextTime();
            t.Write(SyncSide.Source, $"f{i}.txt", "x" + i, when);
            t.Write(SyncSide.Destination, $"f{i}.txt", "x" + i, when);
        }

        var pair = t.Pair(mode);
        Sandbox.Run(pair);
        var other = emptied == SyncSide.Source ? SyncSide.Destination : SyncSide.Source;

        // An unmounted drive leaves an empty mount point: cover it with an empty tmpfs where we may, else empty the folder
        // by moving its files aside.
        var root = t.SideRoot(emptied);
        var mountProblem = Native.TryMountTmpfs(root, "1m");
        var aside = Path.Combine(t.Root, "aside");
        if (mountProblem is not null)
        {
            _out.WriteLine("tmpfs mount not possible (" + mountProblem + "): emptying the root instead.");
            Directory.Move(root, aside);
            Directory.CreateDirectory(root);
        }

        try
        {
            var ex = Assert.Throws<SyncEngineException>(() => Sandbox.Run(pair));
            Assert.Equal("SyncRootEmptied", ex.ErrorId);
            Assert.Equal(SyncErrorKind.SafetyGuard, ex.Kind);
            Assert.Equal(10, t.Tree(other).Count);
            Assert.Empty(t.TrashContents(other));
        }
        finally
        {
            if (mountProblem is null)
            {
                Native.Unmount(root);
            }
        }

        Assert.Equal(10, t.Tree(emptied).Count + (Directory.Exists(aside) ? Directory.GetFiles(aside).Length : 0));
    }

    [Theory]
    [InlineData(SyncMode.TwoWay, SyncSide.Source)]
    [InlineData(SyncMode.TwoWay, SyncSide.Destination)]
    [InlineData(SyncMode.SourceToDestination, SyncSide.Destination)]
    [InlineData(SyncMode.DestinationToSource, SyncSide.Source)]
    public void A_root_that_is_missing_is_an_error_and_nothing_is_deleted(SyncMode mode, SyncSide missing)
    {
        using var t = new Sandbox();
        for (var i = 0; i < 10; i++)
        {
            var when = t.NextTime();
            t.Write(SyncSide.Source, $"f{i}.txt", "x" + i, when);
            t.Write(SyncSide.Destination, $"f{i}.txt", "x" + i, when);
        }

        var pair = t.Pair(mode);
        Sandbox.Run(pair);
        var other = missing == SyncSide.Source ? SyncSide.Destination : SyncSide.Source;
        Directory.Move(t.SideRoot(missing), Path.Combine(t.Root, "unplugged"));

        var ex = Assert.Throws<SyncEngineException>(() => Sandbox.Run(pair));

        Assert.Contains(ex.ErrorId, new[] { "SyncRootNotFound", "SyncRootEmptied" });
        Assert.Equal(10, t.Tree(other).Count);
        Assert.Empty(t.TrashContents(other));
        Assert.False(Directory.Exists(t.SideRoot(missing)) && Directory.GetFiles(t.SideRoot(missing)).Length > 0);
    }

    [Theory]
    [InlineData(SyncMode.SourceToDestination)]
    [InlineData(SyncMode.TwoWay)]
    public void An_ignored_file_is_never_deleted_on_the_far_side(SyncMode mode)
    {
        using var t = new Sandbox();
        t.Write(SyncSide.Source, "keep.txt", "k");
        t.Write(SyncSide.Source, "app.log", "source log");
        var pair = t.Pair(mode);
        Sandbox.Run(pair);
        Assert.True(t.Exists(SyncSide.Destination, "app.log"));

        // The user starts ignoring logs and removes theirs; the destination's log must stay.
        var ignoring = Sandbox.With(pair, ignore: new[] { "*.log", "build/" });
        t.Delete(SyncSide.Source, "app.log");
        t.Write(SyncSide.Destination, "only-there.log", "destination log");
        t.Write(SyncSide.Destination, "build/out.bin", "built");

        var run = Sandbox.Run(ignoring);

        Assert.DoesNotContain(run.Plan.Actions, a => a.IsMutating);
        Assert.Equal("source log", t.Read(SyncSide.Destination, "app.log"));
        Assert.Equal("destination log", t.Read(SyncSide.Destination, "only-there.log"));
        Assert.Equal("built", t.Read(SyncSide.Destination, "build/out.bin"));
        Assert.False(t.Exists(SyncSide.Source, "only-there.log"));
    }

    [Fact]
    public void An_ignored_file_in_the_ignore_file_itself_is_respected_on_both_sides()
    {
        using var t = new Sandbox();
        File.WriteAllText(Path.Combine(t.Source, ".syncignore"), "secret/\n*.bak\n");
        t.Write(SyncSide.Destination, "secret/keys.txt", "keys");
        t.Write(SyncSide.Destination, "old.bak", "bak");
        t.Write(SyncSide.Source, "normal.txt", "n");

        Sandbox.Run(t.Pair(SyncMode.SourceToDestination));

        Assert.Equal("keys", t.Read(SyncSide.Destination, "secret/keys.txt"));
        Assert.Equal("bak", t.Read(SyncSide.Destination, "old.bak"));
        Assert.Equal("n", t.Read(SyncSide.Destination, "normal.txt"));
    }

    [SkippableFact]
    public void Real_disk_full_on_a_small_tmpfs_fails_the_files_that_do_not_fit_and_keeps_going()
    {
        using var t = new Sandbox();
        var problem = Native.TryMountTmpfs(t.Destination, "2m");
        Skip.If(problem is not null, problem + ". Disk full is covered by the FaultyStorageProvider (FaultTests).");

        try
        {
            t.WriteBytes(SyncSide.Source, "a-small.bin", new byte[100 << 10]);
            t.WriteBytes(SyncSide.Source, "b-huge.bin", new byte[3 << 20]);
            t.WriteBytes(SyncSide.Source, "c-small.bin", Enumerable.Repeat((byte)7, 200 << 10).ToArray());
            var pair = Sandbox.With(t.Pair(), transferLimit: 1, retryCount: 2);

            var run = Sandbox.Run(pair);

            var failed = run.For("b-huge.bin");
            Assert.Equal(SyncResultStatus.Failed, failed.Status);
            Assert.Equal("SyncDiskFull", failed.ErrorId);
            Assert.Contains("b-huge.bin", failed.Error);
            Assert.Equal(SyncResultStatus.Succeeded, run.For("a-small.bin").Status);
            Assert.Equal(SyncResultStatus.Succeeded, run.For("c-small.bin").Status);
            Assert.False(t.Exists(SyncSide.Destination, "b-huge.bin"));
            Assert.Empty(t.TempLeftovers(SyncSide.Destination));
            var again = Sandbox.PlanOnly(pair);
            Assert.Equal(SyncActionType.UploadNew, Assert.Single(again.Visible()).Action);
        }
        finally
        {
            Native.Unmount(t.Destination);
        }
    }

    [SkippableFact]
    public void Real_disk_full_on_the_state_folder_loses_nothing_and_the_next_run_recovers()
    {
        using var t = new Sandbox();
        var problem = Native.TryMountTmpfs(t.StateDir, "64k");
        Skip.If(problem is not null, problem);

        var filler = Path.Combine(t.StateDir, "filler");
        try
        {
            for (var i = 0; i < 300; i++)
            {
                t.Write(SyncSide.Source, $"dir{i % 7}/file-with-a-rather-long-name-{i:000}.txt", "content " + i);
            }

            t.Write(SyncSide.Destination, "only-on-destination.txt", "dest");
            var pair = t.Pair();

            // Fill the state disk so the journal and snapshot cannot be written completely.
            try
            {
                File.WriteAllBytes(filler, new byte[60 << 10]);
            }
            catch (IOException)
            {
            }

            var error = Record.Exception(() => Sandbox.Run(pair));
            _out.WriteLine("run on a full state disk: " + (error?.Message ?? "completed"));
            File.Delete(filler);

            var plan = Sandbox.PlanOnly(pair);
            Assert.DoesNotContain(plan.Actions, a => ActionFacts.IsDelete(a.Action));
            Sandbox.Run(pair);
            Assert.Equal(301, t.Tree(SyncSide.Source).Count);
            Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        }
        finally
        {
            Native.Unmount(t.StateDir);
        }
    }
}
