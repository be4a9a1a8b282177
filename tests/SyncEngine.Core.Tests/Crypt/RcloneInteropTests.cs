using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SyncEngine.Storage;
using SyncEngine.Storage.Crypt;
using SyncEngine.TestSupport;
using Xunit;

namespace SyncEngine.Core.Tests.Crypt;

/// <summary>
/// Interop with real rclone crypt: what the decorator writes, rclone lists and decrypts byte for byte; what rclone
/// writes, the decorator lists and reads; both give the same stored names for the same plaintext names.
/// </summary>
public sealed class RcloneInteropTests : IDisposable
{
    private const string Password = "correct horse battery staple";
    private const string Salt = "pepper and salt";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "se-rclone-" + Guid.NewGuid().ToString("N").Substring(0, 10));

    public RcloneInteropTests()
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

    /// <summary>Plaintext names and contents covering the size classes, folders and unusual names.</summary>
    private static Dictionary<string, byte[]> Tree()
    {
        var rnd = new Random(15);
        byte[] Bytes(int n)
        {
            var b = new byte[n];
            rnd.NextBytes(b);
            return b;
        }

        return new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["empty.txt"] = Array.Empty<byte>(),
            ["one.bin"] = Bytes(1),
            ["chunk/exact-64k.bin"] = Bytes(65536),
            ["chunk/64k-plus-one.bin"] = Bytes(65537),
            ["deep/er/still/three-chunks.bin"] = Bytes((3 * 65536) + 17),
            ["ünïcödé/日本語 with space.txt"] = "hello"u8.ToArray(),
            ["a-name-that-is-longer-than-sixteen-bytes-to-span-several-eme-blocks.txt"] = Bytes(100),
        };
    }

    private string Folder(string name)
    {
        var path = Path.Combine(_root, name);
        Directory.CreateDirectory(path);
        return path;
    }

    private static void WriteThroughDecorator(IStorageProvider side, Dictionary<string, byte[]> tree)
    {
        foreach (var (path, content) in tree)
        {
            using var write = side.BeginWrite(path);
            write.Stream.Write(content, 0, content.Length);
            write.Commit(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), overwrite: false);
        }
    }

    private static Dictionary<string, byte[]> ReadTree(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(folder, f).StartsWith(PathRules.EngineFolder, StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes, StringComparer.Ordinal);

    private static void AssertSameTree(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), actual.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (path, content) in expected)
        {
            Assert.True(content.AsSpan().SequenceEqual(actual[path]), $"content of '{path}' differs");
        }
    }

    [SkippableTheory]
    [InlineData("standard", null)]
    [InlineData("standard", Salt)]
    [InlineData("off", Salt)]
    public void Rclone_decrypts_what_we_wrote_names_and_contents_byte_equal(string names, string? salt)
    {
        Skip.If(RcloneTool.Missing is not null, RcloneTool.Missing);
        var stored = Folder("ours");
        var tree = Tree();
        using (var side = new CryptStorageProvider(new LocalStorageProvider(stored), Password, salt, names == "off" ? CryptNameEncryption.Off : CryptNameEncryption.Standard))
        {
            WriteThroughDecorator(side, tree);
        }

        var env = RcloneTool.CryptRemote(stored, Password, salt, names);
        var plain = Folder("decrypted-by-rclone");
        var (code, _, error) = RcloneTool.Run(env, null, "copy", "secret:", plain);
        Assert.True(code == 0, "rclone copy failed: " + error);
        AssertSameTree(tree, ReadTree(plain));
    }

    [SkippableTheory]
    [InlineData("standard", null)]
    [InlineData("standard", Salt)]
    [InlineData("off", null)]
    public void We_decrypt_what_rclone_wrote_and_list_its_plaintext_sizes(string names, string? salt)
    {
        Skip.If(RcloneTool.Missing is not null, RcloneTool.Missing);
        var plain = Folder("plain");
        var tree = Tree();
        foreach (var (path, content) in tree)
        {
            var full = Path.Combine(plain, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
        }

        var stored = Folder("rclones");
        var (code, _, error) = RcloneTool.Run(RcloneTool.CryptRemote(stored, Password, salt, names), null, "copy", plain, "secret:");
        Assert.True(code == 0, "rclone copy failed: " + error);

        using var side = new CryptStorageProvider(new LocalStorageProvider(stored), Password, salt, names == "off" ? CryptNameEncryption.Off : CryptNameEncryption.Standard);
        var issues = new List<ScanIssue>();
        var listed = side.Enumerate(_ => true, issues.Add, CancellationToken.None).Where(e => e.Kind == EntryKind.File).ToList();
        Assert.Empty(issues);
        Assert.Equal(tree.Keys.OrderBy(k => k, StringComparer.Ordinal), listed.Select(e => e.Path).OrderBy(k => k, StringComparer.Ordinal));
        foreach (var entry in listed)
        {
            Assert.Equal(tree[entry.Path].LongLength, entry.Size);
            Assert.Equal(0, entry.Hashes.Count);
            using var stream = side.OpenRead(entry.Path);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.True(tree[entry.Path].AsSpan().SequenceEqual(copy.ToArray()), $"content of '{entry.Path}' differs");
            Assert.Equal(Hashing.ToHex(System.Security.Cryptography.SHA256.HashData(tree[entry.Path])), side.ComputeHash(entry.Path, CancellationToken.None));
        }

        // The same names encrypt to the same stored names (EME is deterministic): ours are rclone's.
        var ours = Folder("ours");
        using (var mine = new CryptStorageProvider(new LocalStorageProvider(ours), Password, salt, names == "off" ? CryptNameEncryption.Off : CryptNameEncryption.Standard))
        {
            WriteThroughDecorator(mine, tree);
        }

        Assert.Equal(ReadTree(stored).Keys.OrderBy(k => k, StringComparer.Ordinal), ReadTree(ours).Keys.OrderBy(k => k, StringComparer.Ordinal));
    }

    [SkippableFact]
    public void A_side_rclone_wrote_with_another_password_is_refused_before_anything_is_listed_or_written()
    {
        Skip.If(RcloneTool.Missing is not null, RcloneTool.Missing);
        var plain = Folder("plain");
        File.WriteAllText(Path.Combine(plain, "a.txt"), "a");
        var stored = Folder("rclones");
        Assert.Equal(0, RcloneTool.Run(RcloneTool.CryptRemote(stored, Password, null), null, "copy", plain, "secret:").Code);
        var before = ReadTree(stored);

        using var side = new CryptStorageProvider(new LocalStorageProvider(stored), "not the password");
        var ex = Assert.Throws<SyncEngineException>(() => side.Enumerate(_ => true, _ => { }, CancellationToken.None).ToList());
        Assert.Equal("SyncCryptWrongKey", ex.ErrorId);
        Assert.DoesNotContain("not the password", ex.Message, StringComparison.Ordinal);
        Assert.Throws<SyncEngineException>(() => side.BeginWrite("b.txt").Dispose());
        AssertSameTree(before, ReadTree(stored));
        Assert.False(Directory.Exists(Path.Combine(stored, PathRules.EngineFolder)));
    }
}
