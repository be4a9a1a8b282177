using System;
using System.IO;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Trash retention ages trash by the time the engine saw pass from run to run (the side's ledger), checked against the
/// time the trash folder's name records: a jump of the clock, forward or back, never makes trash old by itself.
/// </summary>
public class TrashRetentionTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(30);
    private static readonly DateTime Right = new(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>One whole run with both sides and the run id reading <paramref name="now"/>.</summary>
    private static RunRecord RunAt(TestPair t, DateTime now)
    {
        var pair = new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, Mode = SyncMode.SourceToDestination, TrashRetention = Retention };
        var src = new LocalStorageProvider(t.Source);
        var dst = new LocalStorageProvider(t.Destination);
        var record = new RunRecord();
        using var session = SyncSession.Open(pair, src, dst, () => now);
        record.Plan = session.Plan();
        var exec = session.BeginExecute(record.Plan.Actions, new ExecuteOptions { Progress = record.Events.Enqueue });
        foreach (var a in record.Plan.Actions)
        {
            exec.Post(a);
        }

        exec.Complete();
        record.Summary = exec.Wait();
        return record;
    }

    /// <summary>Syncs a.txt, then overwrites it, so the destination's trash holds "old" in a folder named after <paramref name="when"/>.</summary>
    private static void TrashOneVersionAt(TestPair t, DateTime when)
    {
        t.Write(SyncSide.Source, "a.txt", "old", when.AddHours(-2));
        RunAt(t, when.AddHours(-1));
        t.Write(SyncSide.Source, "a.txt", "new", when);
        RunAt(t, when);
        Assert.Equal(new[] { "old" }, t.TrashContents(SyncSide.Destination));
        Assert.StartsWith(when.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), Directory.GetDirectories(t.TrashFolder(SyncSide.Destination)).Select(Path.GetFileName).Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Trash_made_while_the_clock_was_years_behind_is_kept_once_the_clock_is_right()
    {
        using var t = new TestPair();
        TrashOneVersionAt(t, Right.AddYears(-7));

        RunAt(t, Right); // the clock is put right: seven years in one step
        Assert.Equal(new[] { "old" }, t.TrashContents(SyncSide.Destination));

        for (var day = 1; day < 15; day++)
        {
            RunAt(t, Right.AddDays(day));
            Assert.Equal(new[] { "old" }, t.TrashContents(SyncSide.Destination));
        }
    }

    [Fact]
    public void A_clock_that_jumps_years_ahead_does_not_make_todays_trash_old()
    {
        using var t = new TestPair();
        TrashOneVersionAt(t, Right);

        RunAt(t, Right.AddYears(5));
        RunAt(t, Right.AddYears(5).AddDays(1));

        Assert.Equal(new[] { "old" }, t.TrashContents(SyncSide.Destination));
    }

    [Fact]
    public void Trash_named_after_a_time_the_clock_has_gone_back_before_is_never_old()
    {
        using var t = new TestPair();
        TrashOneVersionAt(t, Right);

        for (var day = 0; day <= 60; day += 5)
        {
            RunAt(t, Right.AddYears(-1).AddDays(day));
        }

        Assert.Equal(new[] { "old" }, t.TrashContents(SyncSide.Destination));
    }

    [Fact]
    public void Trash_seen_for_the_retention_by_runs_is_purged_and_newer_trash_is_kept()
    {
        using var t = new TestPair();
        TrashOneVersionAt(t, Right);
        for (var day = 1; day < 30; day++)
        {
            RunAt(t, Right.AddDays(day));
        }

        Assert.Equal(new[] { "old" }, t.TrashContents(SyncSide.Destination));
        t.Write(SyncSide.Source, "a.txt", "newer", Right.AddDays(30).AddHours(-1));
        RunAt(t, Right.AddDays(30).AddHours(-1)); // trashes "new" in a second folder

        RunAt(t, Right.AddDays(30).AddHours(1));

        Assert.Equal(new[] { "new" }, t.TrashContents(SyncSide.Destination));
    }

    [Fact]
    public void Trash_of_a_pair_run_rarely_is_purged_after_runs_that_saw_the_retention_pass()
    {
        using var t = new TestPair();
        TrashOneVersionAt(t, Right);

        RunAt(t, Right.AddDays(31)); // one long gap counts for half the retention at most
        Assert.Equal(new[] { "old" }, t.TrashContents(SyncSide.Destination));
        RunAt(t, Right.AddDays(62));

        Assert.Empty(t.TrashContents(SyncSide.Destination));
    }

    [Fact]
    public void A_damaged_ledger_starts_the_ages_again_and_purges_nothing()
    {
        using var t = new TestPair();
        TrashOneVersionAt(t, Right);
        RunAt(t, Right.AddDays(14));
        File.WriteAllText(Path.Combine(t.Destination, ".syncengine", "trash-ages.json"), "{");

        RunAt(t, Right.AddDays(31));
        RunAt(t, Right.AddDays(32));

        Assert.Equal(new[] { "old" }, t.TrashContents(SyncSide.Destination));
    }
}
