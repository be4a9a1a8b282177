using System.Collections.Generic;
using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using SyncEngine.Storage;
using SyncEngine.Storage.Crypt;
using SyncEngine.TestSupport;
using Xunit;

namespace SyncEngine.Core.Tests.Crypt;

/// <summary>Round trips of every size class, the key check, and damaged files, through the crypt decorator on a local folder.</summary>
public sealed class CryptFormatTests : IDisposable
{
    private const string Password = "pa55word";
    private static readonly DateTime When = new(2024, 3, 4, 5, 6, 7, DateTimeKind.Utc);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "se-crypt-" + Guid.NewGuid().ToString("N").Substring(0, 10));

    public CryptFormatTests()
    {
        Directory.CreateDirectory(_root);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private CryptStorageProvider Side(string password = Password, string? salt = null, CryptNameEncryption names = CryptNameEncryption.Standard) =>
        new(new LocalStorageProvider(_root), password, salt, names);

    private static void Put(IStorageProvider side, string path, byte[] content)
    {
        using var write = side.BeginWrite(path);
        write.Stream.Write(content, 0, content.Length);
        var entry = write.Commit(When, overwrite: true);
        Assert.Equal(content.LongLength, entry.Size);
    }

    private static byte[] Get(IStorageProvider side, string path)
    {
        using var stream = side.OpenRead(path);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The one stored file of a plaintext path.</summary>
    private string StoredFile(CryptStorageProvider side, string path) =>
        Path.Combine(_root, side.StoredPath(path).Replace('/', Path.DirectorySeparatorChar));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65536)]
    [InlineData(65537)]
    [InlineData((2 * 65536) + 5)]
    [InlineData(8 * 65536)] // one batch of chunks sealed in parallel, exactly
    [InlineData((8 * 65536) + 1)]
    [InlineData((17 * 65536) + 12345)] // two whole batches and a short one
    public void Every_size_class_round_trips_and_lists_its_plaintext_size(int size)
    {
        var content = new byte[size];
        new Random(size).NextBytes(content);
        using var side = Side();
        Put(side, "f.bin", content);
        Assert.Equal(content, Get(side, "f.bin"));
        Assert.Equal(RcloneCipher.EncryptedSize(size), new FileInfo(StoredFile(side, "f.bin")).Length);
        var listed = Assert.Single(side.Enumerate(_ => true, _ => { }, CancellationToken.None));
        Assert.Equal(size, listed.Size);
        Assert.Equal(0, listed.Hashes.Count);
        Assert.Equal(size, side.Stat("f.bin")!.Size);
        Assert.Equal(Hashing.ToHex(SHA256.HashData(content)), side.ComputeHash("f.bin", CancellationToken.None));
    }

    [Fact]
    public void Writes_of_any_size_seal_the_same_chunks_in_order_whether_sealed_in_parallel_or_one_by_one()
    {
        // 1.3 MiB written in pieces of 1000 bytes, then 300 KiB, then 1 byte: the stream grows into batches part way.
        var content = new byte[(20 * 65536) + 777];
        new Random(7).NextBytes(content);
        using var side = Side();
        using (var write = side.BeginWrite("pieces.bin"))
        {
            var done = 0;
            foreach (var piece in new[] { 1000, 1000, 64 * 1024, 300 * 1024, 1 })
            {
                write.Stream.Write(content, done, piece);
                done += piece;
            }

            while (done < content.Length)
            {
                var n = Math.Min(200 * 1024, content.Length - done);
                write.Stream.Write(content, done, n);
                done += n;
            }

            write.Commit(When, overwrite: false);
        }

        Assert.Equal(content, Get(side, "pieces.bin"));
        var stored = File.ReadAllBytes(StoredFile(side, "pieces.bin"));
        Assert.Equal(RcloneCipher.EncryptedSize(content.Length), stored.Length);

        // The reference: every chunk sealed one by one with the file's nonce, incremented after each.
        var cipher = side.CipherForTests;
        var nonce = stored.AsSpan(RcloneCipher.Magic.Length, RcloneCipher.NonceSize).ToArray();
        var expected = new List<byte>(stored.AsSpan(0, RcloneCipher.HeaderSize).ToArray());
        var buffer = new byte[RcloneCipher.ChunkSize];
        for (var offset = 0; offset < content.Length; offset += RcloneCipher.ChunkData)
        {
            var length = Math.Min(RcloneCipher.ChunkData, content.Length - offset);
            var n = cipher.Seal(content, offset, length, nonce, buffer, 0);
            expected.AddRange(buffer.AsSpan(0, n).ToArray());
            RcloneCipher.Increment(nonce);
        }

        Assert.Equal(expected.ToArray(), stored);
    }

    [Fact]
    public void A_100_MiB_file_streams_through_without_being_held_in_memory()
    {
        const long size = 100L * 1024 * 1024;
        using var side = Side();
        var chunk = new byte[1 << 20];
        new Random(100).NextBytes(chunk);
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        using (var write = side.BeginWrite("big.bin"))
        {
            for (long done = 0; done < size; done += chunk.Length)
            {
                chunk[0] = (byte)(done >> 20); // every MiB differs
                write.Stream.Write(chunk, 0, chunk.Length);
                expected.AppendData(chunk);
            }

            Assert.Equal(size, write.Commit(When, overwrite: false).Size);
        }

        var hash = side.ComputeHash("big.bin", CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.Equal(Hashing.ToHex(expected.GetHashAndReset()), hash);
        Assert.Equal(size, side.Stat("big.bin")!.Size);
        // Writing and reading 100 MiB each way allocates a few MiB of per-chunk state, never the file.
        Assert.True(allocated < 48L * 1024 * 1024, $"allocated {allocated / (1024 * 1024)} MiB for a 100 MiB round trip");
    }

    [Fact]
    public void A_wrong_password_or_salt_is_refused_before_anything_is_listed_or_written()
    {
        using (var side = Side(salt: "salt"))
        {
            Put(side, "a.txt", "a"u8.ToArray());
        }

        var before = Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        foreach (var (password, salt) in new[] { ("wrong", "salt"), (Password, "other salt"), (Password, (string?)null) })
        {
            using var wrong = Side(password, salt);
            var ex = Assert.Throws<SyncEngineException>(() => wrong.Enumerate(_ => true, _ => { }, CancellationToken.None).ToList());
            Assert.Equal("SyncCryptWrongKey", ex.ErrorId);
            Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
            Assert.DoesNotContain(password, ex.Message, StringComparison.Ordinal);
            Assert.Equal("SyncCryptWrongKey", Assert.Throws<SyncEngineException>(() => wrong.BeginWrite("b.txt").Dispose()).ErrorId);
            Assert.Equal("SyncCryptWrongKey", Assert.Throws<SyncEngineException>(() => wrong.Delete("a.txt")).ErrorId);
        }

        var after = Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        Assert.Equal(before, after);
    }

    [Fact]
    public void Another_name_mode_than_the_side_was_written_with_is_refused()
    {
        using (var side = Side())
        {
            Put(side, "a.txt", "a"u8.ToArray());
        }

        using var off = Side(names: CryptNameEncryption.Off);
        Assert.Equal("SyncCryptNamesMismatch", Assert.Throws<SyncEngineException>(() => off.Stat("a.txt")).ErrorId);
    }

    [Fact]
    public void A_folder_of_plain_files_is_refused_as_not_encrypted()
    {
        File.WriteAllText(Path.Combine(_root, "plain.txt.bin"), "not encrypted at all, just named so");
        using var side = Side(names: CryptNameEncryption.Off);
        Assert.Equal("SyncCryptNotEncrypted", Assert.Throws<SyncEngineException>(() => side.Enumerate(_ => true, _ => { }, CancellationToken.None).ToList()).ErrorId);
    }

    public static TheoryData<string, long, byte> Flips() => new()
    {
        { "magic", 0, 0x01 },
        { "nonce", 8 + 5, 0x80 },
        { "first tag", 32, 0x01 },
        { "first chunk data", 32 + 16 + 1000, 0x01 },
        { "second tag", 32 + 65552 + 3, 0x40 },
        { "last byte", -1, 0x01 },
    };

    [Theory]
    [MemberData(nameof(Flips))]
    public void A_flipped_byte_anywhere_is_a_clear_error_naming_the_file(string where, long offset, byte mask)
    {
        using var side = Side();
        var content = new byte[(2 * 65536) + 100];
        new Random(7).NextBytes(content);
        Put(side, "docs/report.pdf", content);
        var stored = StoredFile(side, "docs/report.pdf");
        var bytes = File.ReadAllBytes(stored);
        var at = offset < 0 ? bytes.Length + offset : offset;
        bytes[at] ^= mask;
        File.WriteAllBytes(stored, bytes);

        var ex = Assert.Throws<SyncEngineException>(() => Get(side, "docs/report.pdf"));
        Assert.Equal("SyncCryptDamaged", ex.ErrorId);
        Assert.Contains("docs/report.pdf", ex.Message, StringComparison.Ordinal);
        Assert.Equal("docs/report.pdf", ex.Target);
        _ = where;
    }

    [Theory]
    [InlineData(20)] // inside the header
    [InlineData(32 + 10)] // a chunk cut to less than its tag
    [InlineData(32 + 65552 + 500)] // inside the second chunk
    public void A_truncated_file_is_a_clear_error(int keep)
    {
        using var side = Side();
        var content = new byte[(2 * 65536) + 100];
        new Random(8).NextBytes(content);
        Put(side, "t.bin", content);
        var stored = StoredFile(side, "t.bin");
        using (var f = new FileStream(stored, FileMode.Open))
        {
            f.SetLength(keep);
        }

        Assert.Equal("SyncCryptDamaged", Assert.Throws<SyncEngineException>(() => Get(side, "t.bin")).ErrorId);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_chunk_appended_is_a_clear_error(bool copyOfAnEarlierChunk)
    {
        using var side = Side();
        var content = new byte[2 * 65536]; // whole chunks: an appended one starts where a new chunk would
        new Random(9).NextBytes(content);
        Put(side, "a.bin", content);
        var stored = StoredFile(side, "a.bin");
        var bytes = File.ReadAllBytes(stored);
        var extra = new byte[65552];
        if (copyOfAnEarlierChunk)
        {
            Array.Copy(bytes, 32, extra, 0, extra.Length);
        }
        else
        {
            new Random(10).NextBytes(extra);
        }

        File.WriteAllBytes(stored, bytes.Concat(extra).ToArray());
        Assert.Equal("SyncCryptDamaged", Assert.Throws<SyncEngineException>(() => Get(side, "a.bin")).ErrorId);
    }

    [Fact]
    public void Names_are_stored_encrypted_folders_too_and_the_engine_folder_keeps_its_trash_layout()
    {
        using var side = Side();
        Put(side, "secret folder/secret name.txt", "x"u8.ToArray());
        side.PreserveCopy("secret folder/secret name.txt", ".syncengine/trash/20240101T000000Z-abcdef/secret folder/secret name.txt");
        var onDisk = Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(_root, p)).ToList();
        Assert.DoesNotContain(onDisk, p => p.Contains("secret", StringComparison.Ordinal));
        Assert.Contains(onDisk, p => p.Replace('\\', '/').StartsWith(".syncengine/trash/20240101T000000Z-abcdef/", StringComparison.Ordinal));
        Assert.Equal("secret folder/secret name.txt", Assert.Single(side.Enumerate(_ => true, _ => { }, CancellationToken.None)).Path);
    }

    [Fact]
    public void The_inner_sides_hashes_never_pass_up()
    {
        var inner = new InMemoryStorageProvider { ListsMd5 = true };
        using var side = new CryptStorageProvider(inner, Password);
        Put(side, "a.txt", "abc"u8.ToArray());
        Assert.Equal(0, Assert.Single(side.Enumerate(_ => true, _ => { }, CancellationToken.None)).Hashes.Count);
        Assert.Equal(0, side.Stat("a.txt")!.Hashes.Count);
    }
}

/// <summary>The conformance suite through the crypt decorator on a local folder.</summary>
public sealed class CryptOverLocalConformanceTests : ProviderConformance
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "se-cconf-" + Guid.NewGuid().ToString("N").Substring(0, 10));

    protected override IStorageProvider CreateProvider()
    {
        var root = Path.Combine(_root, Guid.NewGuid().ToString("N").Substring(0, 6));
        Directory.CreateDirectory(root);
        return new CryptStorageProvider(new LocalStorageProvider(root), "conformance");
    }

    protected override void DisposeSides()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The conformance suite through the crypt decorator (names off) on the in-memory side.</summary>
public sealed class CryptNamesOffOverMemoryConformanceTests : ProviderConformance
{
    protected override IStorageProvider CreateProvider() => new CryptStorageProvider(new InMemoryStorageProvider(), "conformance", "salt", CryptNameEncryption.Off);
}

/// <summary>The conformance suite through the crypt decorator on the in-memory side shaped like a remote one.</summary>
public sealed class CryptOverRemoteLikeMemoryConformanceTests : ProviderConformance
{
    protected override IStorageProvider CreateProvider() => new CryptStorageProvider(new InMemoryStorageProvider(
        "memory://remote-like",
        new StorageCapabilities { CaseSensitive = false, MtimePrecision = TimeSpan.FromSeconds(1), HasFolders = false, Rename = RenameSupport.ServerSideCopy }), "conformance");
}
