using System;
using System.IO;
using System.Linq;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using SyncEngine.Storage.Compression;
using SyncEngine.Storage.Crypt;
using Xunit;

namespace SyncEngine.Core.Tests.Crypt;

/// <summary>Whole runs with an encrypted (and compressed) destination: plaintext plans, wrong key, damaged files.</summary>
public sealed class EncryptedSyncTests
{
    private static IStorageProvider Encrypted(TestPair t, string password = "run-password", bool compress = false)
    {
        IStorageProvider side = new CryptStorageProvider(new LocalStorageProvider(t.Destination), password);
        return compress ? new ZstdStorageProvider(side) : side;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_two_way_pair_plans_plaintext_paths_and_a_second_run_has_nothing_to_do(bool compress)
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "docs/a.txt", string.Concat(Enumerable.Repeat("compressible ", 500)));
        t.Write(SyncSide.Source, "b.txt", "b");
        var pair = Sync.PairOf(t);
        var first = Sync.Run(pair, destination: Encrypted(t, compress: compress));
        Assert.Equal(new[] { "b.txt", "docs/a.txt" }, first.Plan.Actions.Select(a => a.RelativePath).OrderBy(p => p, StringComparer.Ordinal));
        Assert.Equal(2, first.Summary.Succeeded);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(t.Destination, "*", SearchOption.AllDirectories), p => p.Contains("docs", StringComparison.Ordinal) || p.EndsWith("b.txt", StringComparison.Ordinal));

        var second = Sync.Run(pair, destination: Encrypted(t, compress: compress));
        Assert.Empty(second.Plan.Actions);

        // A change made through the encrypted side comes back as plaintext.
        using (var dst = Encrypted(t, compress: compress))
        using (var write = dst.BeginWrite("b.txt"))
        {
            write.Stream.Write("changed on the destination"u8);
            write.Commit(t.NextTime(), overwrite: true);
        }

        var third = Sync.Run(pair, destination: Encrypted(t, compress: compress));
        Assert.Equal(1, third.Summary.Succeeded);
        Assert.Equal("changed on the destination", t.Read(SyncSide.Source, "b.txt"));
    }

    [Fact]
    public void A_wrong_password_fails_the_run_before_anything_is_written_on_either_side()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        var pair = Sync.PairOf(t);
        Sync.Run(pair, destination: Encrypted(t));
        t.Write(SyncSide.Source, "new.txt", "new");
        t.Delete(SyncSide.Source, "a.txt");
        var before = Directory.EnumerateFiles(t.Root, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(t.StateDir, StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal).Select(f => f + File.ReadAllText(f)).ToList();

        var ex = Assert.Throws<SyncEngineException>(() => Sync.Run(pair, destination: Encrypted(t, "wrong")));
        Assert.Equal("SyncCryptWrongKey", ex.ErrorId);
        var after = Directory.EnumerateFiles(t.Root, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(t.StateDir, StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal).Select(f => f + File.ReadAllText(f)).ToList();
        Assert.Equal(before, after);
    }

    [Fact]
    public void A_damaged_file_fails_its_action_alone_and_is_not_recorded_as_done()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "good.txt", "good");
        t.Write(SyncSide.Source, "bad.txt", "bad");
        var pair = Sync.PairOf(t);
        Sync.Run(pair, destination: Encrypted(t));

        // Both change on the destination; one of them is then damaged (same size, a newer time).
        foreach (var name in new[] { "good.txt", "bad.txt" })
        {
            using var dst = Encrypted(t);
            using var write = dst.BeginWrite(name);
            write.Stream.Write(System.Text.Encoding.UTF8.GetBytes("new " + name));
            write.Commit(t.NextTime(), overwrite: true);
        }

        string stored;
        using (var probe = new CryptStorageProvider(new LocalStorageProvider(t.Destination), "run-password"))
        {
            stored = Path.Combine(t.Destination, probe.StoredPath("bad.txt"));
        }

        var bytes = File.ReadAllBytes(stored);
        bytes[40] ^= 1;
        var mtime = File.GetLastWriteTimeUtc(stored);
        File.WriteAllBytes(stored, bytes);
        File.SetLastWriteTimeUtc(stored, mtime);

        var run = Sync.Run(pair, destination: Encrypted(t));
        Assert.Equal(SyncResultStatus.Succeeded, run.ResultFor("good.txt").Status);
        var bad = run.ResultFor("bad.txt");
        Assert.Equal(SyncResultStatus.Failed, bad.Status);
        Assert.Equal("SyncCryptDamaged", bad.ErrorId);
        Assert.Contains("bad.txt", bad.Error, StringComparison.Ordinal);
        Assert.Equal("new good.txt", t.Read(SyncSide.Source, "good.txt"));
        Assert.Equal("bad", t.Read(SyncSide.Source, "bad.txt"));

        // Not recorded as done: the next run tries again (and fails again), it does not think the pair is in sync.
        var again = Sync.Run(pair, destination: Encrypted(t));
        Assert.Equal(SyncResultStatus.Failed, again.ResultFor("bad.txt").Status);
    }

    [Fact]
    public void A_damaged_file_the_plan_must_read_is_left_out_of_that_plan_alone()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "good.txt", "good");
        t.Write(SyncSide.Source, "bad.txt", "bad");
        var pair = Sync.PairOf(t, compare: CompareMode.HashOnly);
        Sync.Run(pair, destination: Encrypted(t));

        string stored;
        using (var probe = new CryptStorageProvider(new LocalStorageProvider(t.Destination), "run-password"))
        {
            stored = Path.Combine(t.Destination, probe.StoredPath("bad.txt"));
        }

        // Same size, a newer time: comparing by hash means reading it while planning, and it does not decrypt.
        var bytes = File.ReadAllBytes(stored);
        bytes[40] ^= 1;
        File.WriteAllBytes(stored, bytes);
        File.SetLastWriteTimeUtc(stored, t.NextTime());
        t.Write(SyncSide.Source, "good.txt", "good, changed");

        var run = Sync.Run(pair, destination: Encrypted(t));
        Assert.Contains(run.Plan.ScanIssues, i => i.Path == "bad.txt" && i.Reason.Contains("bad.txt", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Plan.Actions, a => a.RelativePath == "bad.txt");
        Assert.Equal(SyncResultStatus.Succeeded, run.ResultFor("good.txt").Status);
        Assert.Equal("bad", t.Read(SyncSide.Source, "bad.txt"));
    }
}
