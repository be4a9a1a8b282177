using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using SyncEngine.Core.Tests.Support;
using SyncEngine.History;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests.History;

/// <summary>
/// Restore as a plan: versions the change log lists are found (kept on either side, or live) and copied back through
/// the executor, what-if changes nothing, the guards apply, and what a restore replaces is kept so it can be undone.
/// </summary>
public class RestoreTests
{
    private static readonly DateTime H0 = new(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    private static DateTime Hour(int n) => H0.AddHours(n);

    /// <summary>Half an hour after run <paramref name="n"/>: a time between two runs.</summary>
    private static DateTime After(int n) => H0.AddHours(n).AddMinutes(30);

    private static SyncPair PairFor(TestPair t, SyncMode mode = SyncMode.TwoWay, bool useTrash = true, double maxDeletePercent = SyncPair.DefaultMaxDeletePercent) =>
        PairOf(t, mode: mode, useTrash: useTrash, maxDeletePercent: maxDeletePercent);

    /// <summary>A whole sync whose log times, run id and trash retention read <paramref name="now"/>.</summary>
    private static RunRecord RunAt(SyncPair pair, DateTime now)
    {
        var record = new RunRecord();
        using var session = SyncSession.Open(pair, null, null, () => now);
        record.Plan = session.Plan();
        var exec = session.BeginExecute(record.Plan.Actions, new ExecuteOptions { Progress = record.Events.Enqueue });
        foreach (var a in record.Plan.Actions)
        {
            exec.Post(a);
        }

        exec.Complete();
        record.Summary = exec.Wait();
        Assert.Equal(0, record.Summary.Failed);
        return record;
    }

    /// <summary>Plans a restore and (unless <paramref name="whatIf"/>) executes every action of it at <paramref name="now"/>.</summary>
    private static RunRecord RestoreAt(SyncPair pair, DateTime now, RestoreOptions options, bool whatIf = false, bool force = false)
    {
        var record = new RunRecord();
        if (whatIf)
        {
            record.Plan = SyncRestore.Preview(pair, options);
            return record;
        }

        using var session = SyncSession.Open(pair, null, null, () => now);
        record.Plan = SyncRestore.Plan(session, options);

        var exec = session.BeginExecute(record.Plan.Actions, new ExecuteOptions { Progress = record.Events.Enqueue, Force = force });
        foreach (var a in record.Plan.Actions)
        {
            exec.Post(a);
        }

        exec.Complete();
        record.Summary = exec.Wait();
        return record;
    }

    private static byte[] Random(int size, int seed)
    {
        var b = new byte[size];
        new System.Random(seed).NextBytes(b);
        return b;
    }

    private static byte[] Bytes(TestPair t, SyncSide side, string path) => File.ReadAllBytes(Full(t, side, path));

    /// <summary>Every file of a side with its SHA-256 (the engine folder left out): a snapshot to compare with.</summary>
    private static SortedDictionary<string, string> Snapshot(TestPair t, SyncSide side)
    {
        var root = t.SideRoot(side);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in AllFiles(root).Where(p => !p.StartsWith(".syncengine/", StringComparison.Ordinal)))
        {
            result[f] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(root, f))));
        }

        return result;
    }

    /// <summary>Everything a plan must not change: both sides' files (the engine folders included) and the state folder.</summary>
    private static SortedDictionary<string, string> Everything(TestPair t)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, root) in new[] { ("src", t.Source), ("dst", t.Destination), ("state", t.StateDir) })
        {
            // Of the state folder, the change log (a session that ends saves the state again, a new generation of
            // the same records: those are compared by key below).
            foreach (var f in AllFiles(root).Where(p => name != "state" || p == ChangeLog.FileName))
            {
                var full = Path.Combine(root, f);
                result[name + "/" + f] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(full))) + "@" + File.GetLastWriteTimeUtc(full).Ticks;
            }
        }

        result["state keys"] = string.Join("|", StateKeys(t.StateDir));
        return result;
    }

    private static SyncEngineException Refused(Action act) => Assert.Throws<SyncEngineException>(act);

    [Fact]
    public void A_file_edited_in_five_runs_is_restored_byte_equal_to_each_version_by_date_and_by_version()
    {
        using var t = new TestPair();
        var pair = PairFor(t);
        var versions = new List<byte[]>();
        for (var i = 0; i <= 5; i++)
        {
            // The same size every time: only the content (and the time) tells the versions apart.
            versions.Add(Random(4096, i));
            t.WriteBytes(SyncSide.Source, "docs/report.bin", versions[i]);
            RunAt(pair, Hour(i));
            Assert.Equal(versions[i], Bytes(t, SyncSide.Destination, "docs/report.bin"));
        }

        // By date, on the side the user edits: its versions were kept on the other side (the one the syncs replaced).
        var run = 10;
        foreach (var i in new[] { 2, 0, 4, 1, 3, 5 })
        {
            var r = RestoreAt(pair, Hour(run++), new RestoreOptions { Side = SyncSide.Source, Path = "docs/report.bin", AsOf = After(i) });
            Assert.Equal(0, r.Summary.Failed);
            Assert.Equal(versions[i], Bytes(t, SyncSide.Source, "docs/report.bin"));
        }

        // By version, into another folder on the destination: each update's id names the version it replaced.
        var updates = SyncHistory.Read(pair, "docs/report.bin").Where(e => e.Action == ChangeKind.Update && e.Side == SyncSide.Destination).ToList();
        Assert.Equal(5, updates.Count);
        foreach (var e in updates)
        {
            var r = RestoreAt(pair, Hour(run++), new RestoreOptions { VersionId = e.Id, To = "restored" });
            Assert.Equal(0, r.Summary.Failed);
            var i = versions.FindIndex(v => v.AsSpan().SequenceEqual(Bytes(t, SyncSide.Destination, "restored/docs/report.bin")));
            Assert.Equal(e.OldVersion!.MtimeTicks, Mtime(t, SyncSide.Destination, "restored/docs/report.bin").Ticks);
            Assert.InRange(i, 0, 4);
        }

        // The destination itself was never touched by those restores.
        Assert.Equal(versions[5], Bytes(t, SyncSide.Destination, "docs/report.bin"));
    }

    [Fact]
    public void A_deleted_folder_is_restored_as_it_was_and_the_next_sync_brings_it_back_to_the_other_side()
    {
        using var t = new TestPair();
        var pair = PairFor(t, maxDeletePercent: 100);
        t.Write(SyncSide.Source, "docs/a.txt", "alpha");
        t.Write(SyncSide.Source, "docs/sub/b.txt", "beta");
        t.Write(SyncSide.Source, "other.txt", "other");
        RunAt(pair, Hour(0));
        var before = Snapshot(t, SyncSide.Source);

        Directory.Delete(Path.Combine(t.Source, "docs"), recursive: true);
        RunAt(pair, Hour(1));
        Assert.False(t.Exists(SyncSide.Destination, "docs/a.txt"));

        // Into another folder first: nothing in place changes, and nothing is deleted.
        var into = RestoreAt(pair, Hour(2), new RestoreOptions { Side = SyncSide.Source, Path = "docs", AsOf = After(0), To = "recovered" });
        Assert.Equal(0, into.Summary.Failed);
        Assert.Equal("alpha", t.Read(SyncSide.Source, "recovered/docs/a.txt"));
        Assert.Equal("beta", t.Read(SyncSide.Source, "recovered/docs/sub/b.txt"));
        Assert.False(t.Exists(SyncSide.Source, "docs/a.txt"));
        Directory.Delete(Path.Combine(t.Source, "recovered"), recursive: true);

        var r = RestoreAt(pair, Hour(3), new RestoreOptions { Side = SyncSide.Source, Path = "docs/", AsOf = After(0) });
        Assert.Equal(new[] { "RestoreSource docs/a.txt", "RestoreSource docs/sub/b.txt" }, VisibleSorted(r.Plan));
        Assert.Equal(0, r.Summary.Failed);
        Assert.Equal(before, Snapshot(t, SyncSide.Source));

        RunAt(pair, Hour(4));
        Assert.Equal(before, Snapshot(t, SyncSide.Destination));
        NoVisibleActions(SyncPlanner.Plan(pair));
    }

    [Fact]
    public void A_whole_side_restored_to_a_date_equals_the_snapshot_taken_then_and_the_other_side_follows()
    {
        using var t = new TestPair();
        var pair = PairFor(t, maxDeletePercent: 100);
        t.Write(SyncSide.Source, "a.txt", "a0");
        t.Write(SyncSide.Source, "b.txt", "b0");
        t.Write(SyncSide.Source, "d.txt", "d0");
        t.Write(SyncSide.Destination, "x/y.txt", "y0"); // made on the other side
        RunAt(pair, Hour(0));

        t.Write(SyncSide.Source, "a.txt", "a1");
        t.Delete(SyncSide.Source, "b.txt");
        t.Write(SyncSide.Source, "c.txt", "c1");
        t.Rename(SyncSide.Source, "d.txt", "e.txt");
        t.Write(SyncSide.Destination, "x/y.txt", "y1 edited on the destination");
        RunAt(pair, Hour(1));
        var snapshot = Snapshot(t, SyncSide.Source);
        Assert.Equal(snapshot, Snapshot(t, SyncSide.Destination));

        t.Write(SyncSide.Source, "a.txt", "a2");
        t.Write(SyncSide.Source, "c.txt", "c2 longer");
        t.Delete(SyncSide.Source, "e.txt");
        t.Write(SyncSide.Source, "f.txt", "f2");
        t.Write(SyncSide.Source, "b.txt", "b2 again");
        t.Delete(SyncSide.Source, "x/y.txt");
        RunAt(pair, Hour(2));
        Assert.NotEqual(snapshot, Snapshot(t, SyncSide.Source));

        var r = RestoreAt(pair, Hour(3), new RestoreOptions { Side = SyncSide.Source, AsOf = After(1) });
        Assert.Equal(0, r.Summary.Failed);
        Assert.Contains("DeleteSource f.txt", VisibleSorted(r.Plan));
        Assert.Contains("DeleteSource b.txt", VisibleSorted(r.Plan));
        Assert.Equal(snapshot, Snapshot(t, SyncSide.Source));

        // The next sync carries the restore over: restored files as edits, the files it removed as deletions.
        RunAt(pair, Hour(4));
        Assert.Equal(snapshot, Snapshot(t, SyncSide.Destination));
        Assert.Equal(snapshot, Snapshot(t, SyncSide.Source));
        NoVisibleActions(SyncPlanner.Plan(pair));

        // Nothing was lost on the way: the versions the restore replaced or removed are kept on the source.
        Assert.Contains("a2", t.TrashContents(SyncSide.Source));
        Assert.Contains("f2", t.TrashContents(SyncSide.Source));
        Assert.Contains("b2 again", t.TrashContents(SyncSide.Source));
    }

    [Fact]
    public void Planning_a_restore_changes_nothing()
    {
        using var t = new TestPair();
        var pair = PairFor(t);
        t.Write(SyncSide.Source, "a.txt", "one");
        t.Write(SyncSide.Source, "gone.txt", "gone");
        RunAt(pair, Hour(0));
        t.Write(SyncSide.Source, "a.txt", "two");
        t.Delete(SyncSide.Source, "gone.txt");
        t.Write(SyncSide.Source, "new.txt", "new");
        RunAt(pair, Hour(1));
        var everything = Everything(t);

        var r = RestoreAt(pair, Hour(2), new RestoreOptions { Side = SyncSide.Source, AsOf = After(0) }, whatIf: true);
        Assert.Equal(new[] { "DeleteSource new.txt", "RestoreSource a.txt", "RestoreSource gone.txt" }, VisibleSorted(r.Plan));
        Assert.Equal(everything, Everything(t));
        Assert.Equal("two", t.Read(SyncSide.Source, "a.txt"));
    }

    [Fact]
    public void A_restore_that_would_delete_too_much_is_refused_by_the_guard_and_runs_with_force()
    {
        using var t = new TestPair();
        var pair = PairFor(t, maxDeletePercent: 50);
        t.Write(SyncSide.Source, "keep.txt", "keep");
        RunAt(pair, Hour(0));
        for (var i = 0; i < 4; i++)
        {
            t.Write(SyncSide.Source, $"later{i}.txt", "later" + i);
        }

        RunAt(pair, Hour(1));
        var everything = Everything(t);

        var refused = Refused(() => RestoreAt(pair, Hour(2), new RestoreOptions { Side = SyncSide.Source, AsOf = After(0) }));
        Assert.Equal("SyncMassDeleteGuard", refused.ErrorId);
        Assert.Equal(SyncErrorKind.SafetyGuard, refused.Kind);
        Assert.Equal(everything.Where(kv => !kv.Key.StartsWith("state/", StringComparison.Ordinal)), Everything(t).Where(kv => !kv.Key.StartsWith("state/", StringComparison.Ordinal)));

        var forced = RestoreAt(pair, Hour(3), new RestoreOptions { Side = SyncSide.Source, AsOf = After(0) }, force: true);
        Assert.Equal(4, forced.Summary.Succeeded);
        Assert.Equal(new[] { "keep.txt" }, t.Tree(SyncSide.Source).Keys.ToArray());
        Assert.Equal(4, t.TrashContents(SyncSide.Source).Count(c => c.StartsWith("later", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_version_a_restore_replaces_is_kept_and_logged_so_the_restore_can_be_undone()
    {
        using var t = new TestPair();
        var pair = PairFor(t);
        t.Write(SyncSide.Source, "a.txt", "first");
        RunAt(pair, Hour(0));
        t.Write(SyncSide.Source, "a.txt", "second, unsynced edit");
        var edited = Mtime(t, SyncSide.Source, "a.txt");

        // The source holds an edit no sync saw yet: the restore keeps it before replacing it.
        RestoreAt(pair, Hour(1), new RestoreOptions { Side = SyncSide.Source, Path = "a.txt", AsOf = After(0) });
        Assert.Equal("first", t.Read(SyncSide.Source, "a.txt"));
        var restore = SyncHistory.Read(pair, "a.txt")[0];
        Assert.Equal(ChangeKind.Restore, restore.Action);
        Assert.Equal(SyncSide.Source, restore.Side);
        Assert.True(restore.HasKeptVersion);
        Assert.Equal(edited.Ticks, restore.OldVersion!.MtimeTicks);
        Assert.Equal("second, unsynced edit", File.ReadAllText(Full(t, SyncSide.Source, restore.KeptPath!)));

        // Undo: restore the version the restore replaced.
        RestoreAt(pair, Hour(2), new RestoreOptions { VersionId = restore.Id });
        Assert.Equal("second, unsynced edit", t.Read(SyncSide.Source, "a.txt"));
        Assert.Equal(edited, Mtime(t, SyncSide.Source, "a.txt"));
    }

    [Fact]
    public void A_restore_of_a_version_already_there_plans_nothing()
    {
        using var t = new TestPair();
        var pair = PairFor(t);
        t.Write(SyncSide.Source, "a.txt", "one");
        RunAt(pair, Hour(0));
        t.Write(SyncSide.Source, "a.txt", "two");
        RunAt(pair, Hour(1));

        var r = RestoreAt(pair, Hour(2), new RestoreOptions { Side = SyncSide.Destination, AsOf = After(1) }, whatIf: true);
        NoVisibleActions(r.Plan);
    }

    [Fact]
    public void A_kept_version_whose_content_is_not_what_the_log_recorded_is_not_restored()
    {
        using var t = new TestPair();
        var pair = PairFor(t);
        t.Write(SyncSide.Source, "a.txt", "one");
        RunAt(pair, Hour(0));
        t.Write(SyncSide.Source, "a.txt", "two");
        RunAt(pair, Hour(1));
        var update = SyncHistory.Read(pair, "a.txt")[0];
        var kept = Full(t, SyncSide.Destination, update.KeptPath!);
        var time = File.GetLastWriteTimeUtc(kept);
        File.WriteAllText(kept, "One"); // same size and time, other bytes: bit rot
        File.SetLastWriteTimeUtc(kept, time);

        var r = RestoreAt(pair, Hour(2), new RestoreOptions { VersionId = update.Id });
        var result = Assert.Single(r.Results);
        Assert.Equal(SyncResultStatus.Failed, result.Status);
        Assert.Equal("SyncHistoryVersionDamaged", result.ErrorId);
        Assert.Equal("two", t.Read(SyncSide.Destination, "a.txt"));
    }

    [Fact]
    public void Bad_requests_are_clear_errors_that_change_nothing()
    {
        using var t = new TestPair();
        var pair = PairFor(t);
        Assert.Equal("SyncHistoryEmpty", Refused(() => RestoreAt(pair, Hour(0), new RestoreOptions { Side = SyncSide.Source, AsOf = Hour(0) })).ErrorId);

        t.Write(SyncSide.Source, "a.txt", "one");
        RunAt(pair, Hour(1));
        t.Write(SyncSide.Source, "a.txt", "two");
        RunAt(pair, Hour(2));
        var everything = Everything(t);

        var early = Refused(() => RestoreAt(pair, Hour(3), new RestoreOptions { Side = SyncSide.Source, AsOf = Hour(0) }));
        Assert.Equal("SyncHistoryDateBeforeFirstSync", early.ErrorId);
        Assert.Equal(SyncErrorKind.NotFound, early.Kind);

        var never = Refused(() => RestoreAt(pair, Hour(3), new RestoreOptions { Side = SyncSide.Source, Path = "nope/b.txt", AsOf = After(1) }));
        Assert.Equal("SyncHistoryPathNotFound", never.ErrorId);
        Assert.Contains("nope/b.txt", never.Message, StringComparison.Ordinal);

        var unknown = Refused(() => RestoreAt(pair, Hour(3), new RestoreOptions { VersionId = "20260101T000000Z-000000.1" }));
        Assert.Equal("SyncHistoryVersionNotFound", unknown.ErrorId);

        var create = SyncHistory.Read(pair, "a.txt")[^1];
        Assert.Equal(ChangeKind.Create, create.Action);
        Assert.Equal("SyncHistoryVersionNotKept", Refused(() => RestoreAt(pair, Hour(3), new RestoreOptions { VersionId = create.Id })).ErrorId);

        Assert.Equal("SyncRestoreInvalidArgument", Refused(() => RestoreAt(pair, Hour(3), new RestoreOptions { Side = SyncSide.Source, AsOf = After(1), VersionId = create.Id })).ErrorId);
        Assert.Equal("SyncRestoreInvalidArgument", Refused(() => RestoreAt(pair, Hour(3), new RestoreOptions { Side = SyncSide.Source })).ErrorId);
        Assert.Equal("SyncRestoreInvalidArgument", Refused(() => RestoreAt(pair, Hour(3), new RestoreOptions { AsOf = After(1) })).ErrorId);
        Assert.Equal("SyncRestoreInvalidArgument", Refused(() => RestoreAt(pair, Hour(3), new RestoreOptions { Side = SyncSide.Source, AsOf = After(1), To = ".syncengine/x" })).ErrorId);
        Assert.Equal("SyncRestoreInvalidArgument", Refused(() => RestoreAt(pair, Hour(3), new RestoreOptions { Side = SyncSide.Source, AsOf = After(1), To = "../out" })).ErrorId);
        var after = Everything(t);
        Assert.Equal(string.Join("\n", everything.Keys), string.Join("\n", after.Keys));
        Assert.Empty(everything.Where(kv => after[kv.Key] != kv.Value).Select(kv => kv.Key));
    }

    [Fact]
    public void A_version_removed_by_trash_retention_is_an_error_naming_it_for_a_file_and_a_warning_for_a_folder()
    {
        using var t = new TestPair();
        var pair = PairFor(t);
        t.Write(SyncSide.Source, "docs/a.txt", "one");
        t.Write(SyncSide.Source, "docs/b.txt", "bee");
        RunAt(pair, Hour(0));
        t.Write(SyncSide.Source, "docs/a.txt", "two");
        RunAt(pair, Hour(1));
        Assert.Contains("one", t.TrashContents(SyncSide.Destination));

        // Retention (30 days) ages the trash by the time runs see pass, at most half of it per run.
        for (var day = 16; day <= 48; day += 16)
        {
            RunAt(pair, Hour(1).AddDays(day));
        }

        Assert.DoesNotContain("one", t.TrashContents(SyncSide.Destination));
        t.Delete(SyncSide.Source, "docs/b.txt"); // b's version at the date is still live on the destination

        var pruned = Refused(() => RestoreAt(pair, Hour(1).AddDays(49), new RestoreOptions { Side = SyncSide.Source, Path = "docs/a.txt", AsOf = After(0) }));
        Assert.Equal("SyncHistoryVersionPruned", pruned.ErrorId);
        Assert.Contains("docs/a.txt", pruned.Message, StringComparison.Ordinal);
        Assert.Contains(".syncengine/trash/", pruned.Message, StringComparison.Ordinal);

        var folder = RestoreAt(pair, Hour(1).AddDays(50), new RestoreOptions { Side = SyncSide.Source, Path = "docs", AsOf = After(0) });
        Assert.Equal(new[] { "RestoreSource docs/b.txt" }, VisibleSorted(folder.Plan));
        Assert.Contains(folder.Plan.Warnings, w => w.Contains("docs/a.txt", StringComparison.Ordinal) && w.Contains("no longer there", StringComparison.Ordinal));
        Assert.Equal("bee", t.Read(SyncSide.Source, "docs/b.txt"));
    }
}
