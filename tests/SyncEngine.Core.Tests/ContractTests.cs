using System;
using System.IO;
using System.Linq;
using System.Text;
using SyncEngine.State;
using SyncEngine.Storage;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Issue 11, the redesigned provider contract as the engine reads it: hashes keyed by algorithm and compared only on
/// a shared one, stores that keep file times in metadata, rename kinds, implied folders, plans never changed by the
/// workers that carry them out.
/// </summary>
public class ContractTests
{
    private static readonly DateTime At = new(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc);
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string Md5 = "098f6bcd4621d373cade4e832627b4f6";

    private static StorageCapabilities ObjectStore(RenameSupport rename = RenameSupport.ServerSideCopy) =>
        new() { MtimeInListing = false, HasFolders = false, Rename = rename, MtimePrecision = TimeSpan.FromMilliseconds(1) };

    [Fact]
    public void A_hash_set_holds_one_value_per_algorithm_and_refuses_malformed_digests()
    {
        var h = ContentHashes.Of(HashAlgorithms.Sha256, Sha).With(HashAlgorithms.Md5, Md5);
        Assert.Equal(new[] { "md5", "sha256" }, h.Algorithms);
        Assert.Equal(Md5, h.Get(HashAlgorithms.Md5));
        Assert.Equal(Sha, h.Without(HashAlgorithms.Md5).Get(HashAlgorithms.Sha256));
        Assert.Null(h.Without(HashAlgorithms.Md5).Get(HashAlgorithms.Md5));
        Assert.Throws<ArgumentException>(() => ContentHashes.Of(HashAlgorithms.Md5, Sha)); // a SHA-256 is no MD5
        Assert.Throws<ArgumentException>(() => ContentHashes.Of(HashAlgorithms.Sha256, Sha.ToUpperInvariant()));
        Assert.Throws<ArgumentException>(() => ContentHashes.Of("crc32", "00000000"));
    }

    [Fact]
    public void Hashes_of_different_algorithms_are_never_compared()
    {
        var md5Only = ContentHashes.Of(HashAlgorithms.Md5, Md5);
        var shaOnly = ContentHashes.Of(HashAlgorithms.Sha256, Sha);
        Assert.False(ContentHashes.TryCompare(md5Only, shaOnly, out _));
        Assert.True(ContentHashes.TryCompare(md5Only, md5Only.With(HashAlgorithms.Sha256, Sha), out var equal));
        Assert.True(equal);
        Assert.True(ContentHashes.TryCompare(md5Only, ContentHashes.Of(HashAlgorithms.Md5, new string('0', 32)), out equal));
        Assert.False(equal);
    }

    [Fact]
    public void Two_stores_that_list_the_same_md5_are_equal_without_reading_either_side()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://a", ObjectStore()) { ListsMd5 = true };
        var dst = new InMemoryStorageProvider("memory://b", ObjectStore()) { ListsMd5 = true };
        var content = Encoding.UTF8.GetBytes("test");
        src.Put("same.txt", content, At);
        dst.Put("same.txt", content, At.AddHours(3)); // far apart in time: only the hash can say "same"
        src.Put("differs.txt", content, At);
        dst.Put("differs.txt", Encoding.UTF8.GetBytes("TEST"), At);

        var plan = Run(PairOf(t, SyncMode.TwoWay), src, dst).Plan;

        Assert.Equal(new[] { "differs.txt" }, plan.Visible().Select(a => a.RelativePath).ToArray());
        Assert.Equal(0, src.ComputeHashCount);
        Assert.Equal(0, dst.ComputeHashCount);
    }

    [Fact]
    public void A_listed_md5_on_one_side_is_not_compared_with_sha256_on_the_other_side()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://a");
        var dst = new InMemoryStorageProvider("memory://b", ObjectStore()) { ListsMd5 = true };
        var content = Encoding.UTF8.GetBytes("test");
        src.Put("same.txt", content, At);
        dst.Put("same.txt", content, At.AddHours(3));

        var plan = Run(PairOf(t, SyncMode.TwoWay), src, dst).Plan;

        NoVisibleActions(plan);
        Assert.Equal(1, src.ComputeHashCount); // SHA-256 on both sides: the one algorithm both can give
        Assert.Equal(1, dst.ComputeHashCount);
    }

    [Fact]
    public void A_no_change_run_on_a_store_that_keeps_times_in_metadata_looks_up_no_file()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://local");
        var dst = new InMemoryStorageProvider("memory://bucket", ObjectStore()) { ListsMd5 = true };
        for (var i = 0; i < 20; i++)
        {
            src.Put($"f{i}.txt", Encoding.UTF8.GetBytes("file " + i), At.AddMinutes(i));
        }

        var pair = PairOf(t, SyncMode.TwoWay);
        var first = Run(pair, src, dst);
        Assert.Equal(20, first.Summary.Succeeded);
        var statsAfterFirst = dst.StatCount;
        var hashesAfterFirst = src.ComputeHashCount + dst.ComputeHashCount;

        var second = Run(pair, src, dst);

        NoVisibleActions(second.Plan);
        Assert.Equal(statsAfterFirst, dst.StatCount); // the listing alone: size and tag as recorded
        Assert.Equal(hashesAfterFirst, src.ComputeHashCount + dst.ComputeHashCount);
    }

    [Fact]
    public void A_file_copied_from_such_a_store_gets_the_files_own_time_not_the_stores()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://bucket", ObjectStore());
        var dst = new InMemoryStorageProvider("memory://local");
        src.Put("photo.jpg", Encoding.UTF8.GetBytes("pixels"), At);

        var run = Run(PairOf(t, SyncMode.SourceToDestination), src, dst);

        Assert.Equal(1, run.Summary.Succeeded);
        Assert.Equal(At, dst.Stat("photo.jpg")!.LastWriteTimeUtc);
        Assert.True(src.StatCount >= 1); // its own time had to be looked up once
    }

    [Fact]
    public void A_file_rewritten_on_such_a_store_is_seen_as_changed_by_its_tag()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://bucket", ObjectStore());
        var dst = new InMemoryStorageProvider("memory://local");
        src.Put("notes.txt", Encoding.UTF8.GetBytes("first"), At);
        var pair = PairOf(t, SyncMode.SourceToDestination);
        Run(pair, src, dst);

        src.Put("notes.txt", Encoding.UTF8.GetBytes("again"), At); // same size, same own time: only the tag moved
        var run = Run(pair, src, dst);

        Assert.Equal(new[] { "UploadUpdate notes.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal("again", Encoding.UTF8.GetString(dst.Get("notes.txt")!));
    }

    [Fact]
    public void A_rename_on_a_side_that_cannot_rename_is_a_copy_and_a_kept_deletion()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://local");
        var dst = new InMemoryStorageProvider("memory://norename", new StorageCapabilities { Rename = RenameSupport.None });
        src.Put("old.txt", Encoding.UTF8.GetBytes("content"), At);
        var pair = PairOf(t, SyncMode.SourceToDestination);
        Run(pair, src, dst);
        src.Move("old.txt", "new.txt", overwrite: false);

        var run = Run(pair, src, dst);

        Assert.Equal(new[] { "DeleteDestination old.txt", "UploadNew new.txt" }, VisibleSorted(run.Plan));
        Assert.Equal(0, run.Summary.Failed);
        Assert.Equal(0, dst.MoveCount);
        Assert.Equal("content", Encoding.UTF8.GetString(dst.Get("new.txt")!));
        Assert.Null(dst.Get("old.txt"));
        Assert.Contains(dst.Paths, p => p.StartsWith(".syncengine/trash/", StringComparison.Ordinal) && p.EndsWith("old.txt", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rename_on_a_store_with_server_side_copy_is_still_replayed_as_a_rename()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://local");
        var dst = new InMemoryStorageProvider("memory://bucket", ObjectStore());
        src.Put("old.txt", Encoding.UTF8.GetBytes("content"), At);
        var pair = PairOf(t, SyncMode.SourceToDestination);
        Run(pair, src, dst);
        src.Move("old.txt", "new.txt", overwrite: false);

        var run = Run(pair, src, dst);

        Assert.Equal(new[] { "RenameDestination old.txt -> new.txt" }, Describe(run.Plan.Visible()));
        Assert.Equal("content", Encoding.UTF8.GetString(dst.Get("new.txt")!));
    }

    [Fact]
    public void A_store_with_implied_folders_is_never_asked_to_remove_empty_folders()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://local");
        var dst = new InMemoryStorageProvider("memory://bucket", ObjectStore());
        src.Put("a/b/c.txt", Encoding.UTF8.GetBytes("c"), At);
        var pair = PairOf(t, SyncMode.SourceToDestination, maxDeletePercent: 100);
        Run(pair, src, dst);
        src.Delete("a/b/c.txt");
        src.Put("keep.txt", Encoding.UTF8.GetBytes("k"), At);

        var run = Run(pair, src, dst, force: true);

        Assert.Contains("DeleteDestination a/b/c.txt", Describe(run.Plan.Visible()));
        Assert.Equal(2, run.Summary.Succeeded);
        Assert.Null(dst.Get("a/b/c.txt"));
        Assert.Equal(0, dst.RemoveEmptyParentsCount);
    }

    [Fact]
    public void Carrying_out_a_plan_does_not_change_the_versions_the_user_holds()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://a");
        var dst = new InMemoryStorageProvider("memory://b");
        src.Put("a.txt", Encoding.UTF8.GetBytes("alpha"), At);

        var run = Run(PairOf(t, SyncMode.SourceToDestination), src, dst);

        var action = Assert.Single(run.Plan.Visible());
        Assert.Null(action.Source!.Hash); // the copy learned the hash; the plan's version is left as planned
        using var session = SyncSession.Open(PairOf(t, SyncMode.SourceToDestination), src, dst);
        var recorded = session.State.Records["a.txt"];
        Assert.Equal(recorded.SourceHash, recorded.DestinationHash);
        Assert.NotNull(recorded.SourceHash);
    }

    [Fact]
    public void Md5_hashes_and_version_tags_survive_a_save_and_load_in_format_2()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://local");
        var dst = new InMemoryStorageProvider("memory://bucket", ObjectStore()) { ListsMd5 = true };
        src.Put("x.txt", Encoding.UTF8.GetBytes("test"), At);
        var pair = PairOf(t, SyncMode.SourceToDestination);
        Run(pair, src, dst);

        var tree = File.ReadAllText(StateFile(t, StateStore.DestinationTreeFile));
        Assert.Contains("\"format\":2", tree);
        Assert.Contains("\"hashes\":{\"md5\":\"" + Md5 + "\",\"sha256\":\"" + Sha + "\"}", tree);
        Assert.Contains("\"tag\":\"" + Md5 + "@", tree);

        using var session = SyncSession.Open(pair, src, dst);
        var rec = session.State.Records["x.txt"];
        Assert.Equal(Md5, rec.OtherHashes(SyncSide.Destination)!.Get(HashAlgorithms.Md5));
        Assert.StartsWith(Md5 + "@", rec.Tag(SyncSide.Destination));
        Assert.Equal(Sha, rec.DestinationHash);
    }

    [Fact]
    public void A_format_1_state_is_read_its_sha256_kept_an_unnamed_hash_dropped_and_upgraded_on_save()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://a");
        var dst = new InMemoryStorageProvider("memory://b");
        src.Put("x.txt", Encoding.UTF8.GetBytes("test"), At);
        src.Put("y.txt", Encoding.UTF8.GetBytes("why"), At);
        var pair = PairOf(t, SyncMode.SourceToDestination);
        Run(pair, src, dst);

        // The same state as format 1 wrote it: one "hash" per version; y.txt's destination an unnamed other hash.
        foreach (var name in new[] { StateStore.SourceTreeFile, StateStore.DestinationTreeFile, StateStore.MetadataFile })
        {
            var file = StateFile(t, name);
            var text = File.ReadAllText(file).Replace("\"format\":2", "\"format\":1");
            text = System.Text.RegularExpressions.Regex.Replace(text, "\"hashes\":\\{\"sha256\":(\"[0-9a-f]{64}\")\\}", "\"hash\":$1");
            if (name == StateStore.DestinationTreeFile)
            {
                var y = text.IndexOf("\"y.txt\"", StringComparison.Ordinal);
                var at = text.IndexOf("\"hash\":\"", y, StringComparison.Ordinal);
                text = text.Substring(0, at) + "\"hash\":\"etag-1234\"" + text.Substring(at + 8 + 65);
            }

            File.WriteAllText(file, text);
        }

        Assert.Contains("\"format\":1", File.ReadAllText(StateFile(t, StateStore.DestinationTreeFile)));
        using (var session = SyncSession.Open(pair, src, dst))
        {
            Assert.Equal(Sha, session.State.Records["x.txt"].DestinationHash);
            Assert.Null(session.State.Records["y.txt"].DestinationHash); // named no algorithm: unknown, never misread
            Assert.NotNull(session.State.Records["y.txt"].SourceHash);
        }

        var run = Run(pair, src, dst);

        NoVisibleActions(run.Plan);
        var upgraded = File.ReadAllText(StateFile(t, StateStore.DestinationTreeFile));
        Assert.Contains("\"format\":2", upgraded);
        Assert.DoesNotContain("\"hash\":", upgraded);
        Assert.DoesNotContain("etag-1234", upgraded);
    }

    private static string StateFile(TestPair t, string name) =>
        Assert.Single(Directory.GetFiles(t.StateDir, name, SearchOption.AllDirectories));

    [Fact]
    public void Trash_retention_is_the_engines_policy_on_any_side_with_its_ledger_kept_on_that_side()
    {
        using var t = new TestPair();
        var src = new InMemoryStorageProvider("memory://a");
        var dst = new InMemoryStorageProvider("memory://bucket", ObjectStore());
        var now = new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);
        var pair = new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, Mode = SyncMode.SourceToDestination, TrashRetention = TimeSpan.FromDays(30) };
        void RunAt(DateTime when)
        {
            using var session = SyncSession.Open(pair, src, dst, () => when);
            var plan = session.Plan();
            var exec = session.BeginExecute(plan.Actions, new ExecuteOptions());
            foreach (var a in plan.Actions)
            {
                exec.Post(a);
            }

            exec.Complete();
            Assert.Equal(0, exec.Wait().Failed);
        }

        src.Put("a.txt", Encoding.UTF8.GetBytes("old"), now.AddHours(-2));
        RunAt(now.AddHours(-1));
        src.Put("a.txt", Encoding.UTF8.GetBytes("new"), now);
        RunAt(now); // "old" goes to the bucket's trash
        Assert.Single(dst.ListEngineFolders(TrashPolicy.Folder));
        Assert.NotNull(dst.Get(TrashPolicy.LedgerPath));

        for (var day = 10; day <= 20; day += 10)
        {
            RunAt(now.AddDays(day));
            Assert.Single(dst.ListEngineFolders(TrashPolicy.Folder)); // not yet as old as the retention
        }

        RunAt(now.AddDays(31));
        Assert.Empty(dst.ListEngineFolders(TrashPolicy.Folder));
        Assert.Equal("new", Encoding.UTF8.GetString(dst.Get("a.txt")!));
    }
}
