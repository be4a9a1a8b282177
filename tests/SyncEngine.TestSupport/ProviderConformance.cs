using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using SyncEngine.Storage;
using Xunit;

namespace SyncEngine.TestSupport;

/// <summary>
/// What every storage provider must do, checked through the interface alone (so a remote provider is tested the
/// same way): derive, create a fresh empty side in <see cref="CreateProvider"/>, and every test here runs against it.
/// </summary>
public abstract class ProviderConformance : IDisposable
{
    private static readonly DateTime BaseTime = new(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc);
    private readonly List<IStorageProvider> _made = new();

    /// <summary>A new, empty side whose root exists.</summary>
    protected abstract IStorageProvider CreateProvider();

    /// <summary>Releases what <see cref="CreateProvider"/> made (folders, connections).</summary>
    public void Dispose()
    {
        foreach (var provider in _made)
        {
            provider.Dispose();
        }

        DisposeSides();
        GC.SuppressFinalize(this);
    }

    /// <summary>Removes what the derived class made for its sides (folders, servers).</summary>
    protected virtual void DisposeSides()
    {
    }

    private IStorageProvider Side()
    {
        var provider = CreateProvider();
        _made.Add(provider);
        return provider;
    }

    private static StorageEntry Write(IStorageProvider side, string path, string content, DateTime? mtime = null, bool overwrite = false)
    {
        using var write = side.BeginWrite(path);
        var bytes = Encoding.UTF8.GetBytes(content);
        write.Stream.Write(bytes, 0, bytes.Length);
        return write.Commit(mtime ?? BaseTime, overwrite);
    }

    private static string Read(IStorageProvider side, string path)
    {
        using var stream = side.OpenRead(path);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static List<StorageEntry> List(IStorageProvider side, Func<string, bool>? includeFolder = null)
    {
        var issues = new List<ScanIssue>();
        var entries = side.Enumerate(includeFolder ?? (_ => true), issues.Add, CancellationToken.None)
            .Where(e => e.Kind == EntryKind.File)
            .ToList();
        Assert.Empty(issues);
        return entries;
    }

    private static bool Same(DateTime expected, StorageEntry entry, TimeSpan precision) =>
        Math.Abs(expected.Ticks - entry.MtimeTicks) < Math.Max(precision.Ticks, 1);

    /// <summary>A listed entry's own time: the listing's where it carries it, else the side's Stat (an object store).</summary>
    private static StorageEntry Own(IStorageProvider side, StorageEntry listed) =>
        side.Capabilities.MtimeInListing ? listed : side.Stat(listed.Path)!;

    [SkippableFact]
    public void A_new_side_lists_nothing_and_a_committed_file_lists_with_its_size_and_time()
    {
        var side = Side();
        Assert.True(side.RootExists());
        Assert.Empty(List(side));

        var when = BaseTime.AddHours(3);
        Write(side, "a.txt", "hello", when);
        Write(side, "docs/deep/b.txt", "world!", when);

        var listed = List(side).OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "a.txt", "docs/deep/b.txt" }, listed.Select(e => e.Path));
        Assert.Equal(new long[] { 5, 6 }, listed.Select(e => e.Size));
        Assert.All(listed, e => Assert.True(Same(when, Own(side, e), side.Capabilities.MtimePrecision), $"{e.Path}: {Own(side, e).LastWriteTimeUtc:o}"));
    }

    [SkippableFact]
    public void A_pruned_folder_is_not_listed_below()
    {
        var side = Side();
        Write(side, "keep/a.txt", "a");
        Write(side, "skip/b.txt", "b");
        Write(side, "skip/inner/c.txt", "c");

        var listed = List(side, folder => folder != "skip").Select(e => e.Path).ToList();
        Assert.Equal(new[] { "keep/a.txt" }, listed);
    }

    [SkippableTheory]
    [InlineData("with space.txt")]
    [InlineData("-leading-dash")]
    [InlineData("percent%20and#hash?.txt")]
    [InlineData("ünïcödé/日本語.txt")]
    [InlineData("emoji-\U0001F600.bin")]
    [InlineData("trailing.dots..x")]
    [InlineData("a:colon-on-posix")]
    public void Unusual_names_round_trip_exactly(string name)
    {
        var side = Side();
        if (name.Contains(':') && Path.DirectorySeparatorChar == '\\')
        {
            return; // Windows cannot hold ':' in a name; the hostile-name tests cover the refusal.
        }

        Write(side, name, "content of " + name);
        Assert.Equal(new[] { name }, List(side).Select(e => e.Path));
        Assert.Equal("content of " + name, Read(side, name));
        Assert.NotNull(side.Stat(name));
    }

    [SkippableTheory]
    [InlineData("../escape.txt")]
    [InlineData("a/../../escape.txt")]
    [InlineData("/absolute.txt")]
    [InlineData("a//b.txt")]
    [InlineData("nul\0name")]
    public void A_path_that_would_leave_the_root_is_refused_by_every_operation(string path)
    {
        var side = Side();
        Write(side, "inside.txt", "x");
        Assert.ThrowsAny<Exception>(() => side.BeginWrite(path).Dispose());
        Assert.ThrowsAny<Exception>(() => side.Stat(path));
        Assert.ThrowsAny<Exception>(() => side.Move("inside.txt", path, overwrite: false));
        Assert.ThrowsAny<Exception>(() => side.PreserveCopy("inside.txt", path));
        Assert.Equal("x", Read(side, "inside.txt"));
    }

    [SkippableFact]
    public void Stat_gives_the_file_and_null_for_a_missing_path_or_a_folder()
    {
        var side = Side();
        var committed = Write(side, "folder/file.txt", "12345");
        var stat = side.Stat("folder/file.txt");
        Assert.NotNull(stat);
        Assert.Equal(5, stat!.Size);
        Assert.Equal(committed.MtimeTicks, stat.MtimeTicks);
        Assert.Null(side.Stat("missing.txt"));
        Assert.Null(side.Stat("folder"));
    }

    [SkippableFact]
    public void A_staged_write_is_invisible_until_committed_and_leaves_nothing_when_abandoned()
    {
        var side = Side();
        using (var write = side.BeginWrite("new.txt"))
        {
            write.Stream.Write(new byte[] { 1, 2, 3 }, 0, 3);
            write.Stream.Flush();
            Assert.Null(side.Stat("new.txt"));
            Assert.DoesNotContain(List(side), e => e.Path == "new.txt");
        }

        // Abandoned: neither the target nor a temporary file is listed.
        Assert.Null(side.Stat("new.txt"));
        Assert.Empty(List(side));

        Write(side, "new.txt", "now");
        Assert.Equal(new[] { "new.txt" }, List(side).Select(e => e.Path));
    }

    [SkippableFact]
    public void A_commit_without_overwrite_refuses_an_existing_target_and_keeps_it()
    {
        var side = Side();
        Write(side, "taken.txt", "first");
        Assert.ThrowsAny<IOException>(() => Write(side, "taken.txt", "second"));
        Assert.Equal("first", Read(side, "taken.txt"));
        Assert.Equal(new[] { "taken.txt" }, List(side).Select(e => e.Path));

        Write(side, "taken.txt", "third", overwrite: true);
        Assert.Equal("third", Read(side, "taken.txt"));
    }

    [SkippableFact]
    public void A_reader_opened_before_a_replace_reads_the_old_content_whole()
    {
        var side = Side();
        Write(side, "doc.txt", "old content");
        using var reader = side.OpenRead("doc.txt");
        Write(side, "doc.txt", "new content, longer", overwrite: true);
        using var text = new StreamReader(reader, Encoding.UTF8);
        Assert.Equal("old content", text.ReadToEnd());
        Assert.Equal("new content, longer", Read(side, "doc.txt"));
    }

    [SkippableFact]
    public void Move_renames_keeps_content_and_identity_and_creates_the_target_folder()
    {
        var side = Side();
        var before = Write(side, "a.txt", "moving");
        side.Move("a.txt", "new/folder/b.txt", overwrite: false);
        Assert.Null(side.Stat("a.txt"));
        var after = side.Stat("new/folder/b.txt");
        Assert.NotNull(after);
        Assert.Equal("moving", Read(side, "new/folder/b.txt"));
        Assert.Equal(before.MtimeTicks, after!.MtimeTicks);
        if (before.FileId != 0)
        {
            Assert.Equal(before.FileId, after.FileId);
        }
    }

    [SkippableFact]
    public void Move_without_overwrite_refuses_an_existing_target_and_keeps_both()
    {
        var side = Side();
        Write(side, "from.txt", "from");
        Write(side, "to.txt", "to");
        Assert.ThrowsAny<IOException>(() => side.Move("from.txt", "to.txt", overwrite: false));
        Assert.Equal("from", Read(side, "from.txt"));
        Assert.Equal("to", Read(side, "to.txt"));

        side.Move("from.txt", "to.txt", overwrite: true);
        Assert.Null(side.Stat("from.txt"));
        Assert.Equal("from", Read(side, "to.txt"));
    }

    [SkippableFact]
    public void A_preserved_copy_keeps_the_old_content_when_the_original_is_replaced()
    {
        var side = Side();
        Write(side, "doc.txt", "version 1", BaseTime.AddDays(1));
        side.PreserveCopy("doc.txt", ".syncengine/trash/run-1/doc.txt");
        Write(side, "doc.txt", "version 2", BaseTime.AddDays(2), overwrite: true);
        Assert.Equal("version 1", Read(side, ".syncengine/trash/run-1/doc.txt"));
        Assert.Equal("version 2", Read(side, "doc.txt"));
        var copy = side.Stat(".syncengine/trash/run-1/doc.txt");
        Assert.True(Same(BaseTime.AddDays(1), copy!, side.Capabilities.MtimePrecision));
    }

    [SkippableFact]
    public void Delete_removes_the_file_and_empty_parents_go_but_never_the_root_or_a_folder_in_use()
    {
        var side = Side();
        Write(side, "a/b/c/file.txt", "x");
        Write(side, "a/other.txt", "y");
        side.Delete("a/b/c/file.txt");
        Assert.Null(side.Stat("a/b/c/file.txt"));
        side.RemoveEmptyParents("a/b/c/file.txt");
        Assert.Equal(new[] { "a/other.txt" }, List(side).Select(e => e.Path));
        Assert.Equal("y", Read(side, "a/other.txt"));
        side.Delete("a/other.txt");
        side.RemoveEmptyParents("a/other.txt");
        Assert.True(side.RootExists());
        Assert.Empty(List(side));
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65_537)]
    [InlineData(1_048_576 + 3)]
    public void Content_of_any_size_round_trips_and_hashes_as_sha256(int size)
    {
        var side = Side();
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        using (var write = side.BeginWrite("blob.bin"))
        {
            write.Stream.Write(bytes, 0, bytes.Length);
            var entry = write.Commit(BaseTime, overwrite: false);
            Assert.Equal(size, entry.Size);
        }

        using (var stream = side.OpenRead("blob.bin"))
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            Assert.Equal(bytes, copy.ToArray());
        }

        using var sha = SHA256.Create();
        var expected = string.Concat(sha.ComputeHash(bytes).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(expected, side.ComputeHash("blob.bin", CancellationToken.None));
    }

    [SkippableTheory]
    [InlineData("2024-05-01T10:00:00.0000000Z")]
    [InlineData("2024-05-01T10:00:00.1234567Z")]
    [InlineData("1971-01-01T00:00:01.5000000Z")]
    [InlineData("2099-12-31T23:59:58.9990000Z")]
    public void Modification_time_round_trips_within_the_declared_precision(string iso)
    {
        var side = Side();
        var when = DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
        var committed = Write(side, "t.txt", "time");
        Assert.True(Same(BaseTime, committed, side.Capabilities.MtimePrecision));
        Write(side, "t.txt", "time", when, overwrite: true);
        var stat = side.Stat("t.txt")!;
        Assert.True(Same(when, stat, side.Capabilities.MtimePrecision), $"wrote {when:o}, read {stat.LastWriteTimeUtc:o}, precision {side.Capabilities.MtimePrecision}");
        Assert.True(Same(when, Own(side, List(side).Single()), side.Capabilities.MtimePrecision));
    }

    [SkippableFact]
    public void Names_differing_only_in_case_behave_as_the_side_declares()
    {
        var side = Side();
        Write(side, "Report.txt", "upper");
        if (side.Capabilities.CaseSensitive)
        {
            Write(side, "report.txt", "lower");
            Assert.Equal(2, List(side).Count);
            Assert.Equal("upper", Read(side, "Report.txt"));
            Assert.Equal("lower", Read(side, "report.txt"));
        }
        else
        {
            Assert.ThrowsAny<IOException>(() => Write(side, "report.txt", "lower"));
            Assert.NotNull(side.Stat("report.txt"));
            Assert.Equal("upper", Read(side, "report.txt"));
            side.Move("Report.txt", "REPORT.txt", overwrite: false); // a case-only rename
            Assert.Equal(new[] { "REPORT.txt" }, List(side).Select(e => e.Path));
        }
    }

    [SkippableFact]
    public void Concurrent_writes_to_different_paths_all_land()
    {
        var side = Side();
        System.Threading.Tasks.Parallel.For(0, 64, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 8 },
            i => Write(side, $"f{i % 4}/file{i}.txt", "content " + i));
        var listed = List(side);
        Assert.Equal(64, listed.Count);
        Assert.All(Enumerable.Range(0, 64), i => Assert.Equal("content " + i, Read(side, $"f{i % 4}/file{i}.txt")));
    }
}
