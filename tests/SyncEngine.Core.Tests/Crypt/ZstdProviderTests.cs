using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using SyncEngine.Storage;
using SyncEngine.Storage.Compression;
using SyncEngine.Storage.Crypt;
using SyncEngine.TestSupport;
using Xunit;

namespace SyncEngine.Core.Tests.Crypt;

/// <summary>The zstd decorator alone and stacked under... above encryption (compressed, then encrypted).</summary>
public sealed class ZstdProviderTests : IDisposable
{
    private static readonly DateTime When = new(2024, 3, 4, 5, 6, 7, DateTimeKind.Utc);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "se-zstd-" + Guid.NewGuid().ToString("N").Substring(0, 10));

    public ZstdProviderTests()
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

    private static byte[] Text(int size)
    {
        var sb = new StringBuilder();
        var rnd = new Random(size);
        while (sb.Length < size)
        {
            sb.Append("line ").Append(rnd.Next(1000)).Append(" of some compressible text\n");
        }

        return Encoding.ASCII.GetBytes(sb.ToString(0, size));
    }

    private static byte[] Noise(int size)
    {
        var b = new byte[size];
        new Random(size).NextBytes(b);
        return b;
    }

    private static StorageEntry Put(IStorageProvider side, string path, byte[] content, bool tellLength = true)
    {
        using var write = side.BeginWrite(path);
        if (tellLength && write is ILengthAwareWrite sized)
        {
            sized.ExpectedLength = content.Length;
        }

        for (var at = 0; at < content.Length; at += 70000)
        {
            write.Stream.Write(content, at, Math.Min(70000, content.Length - at));
        }

        return write.Commit(When, overwrite: true);
    }

    private static byte[] Get(IStorageProvider side, string path)
    {
        using var stream = side.OpenRead(path);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(65536, true)]
    [InlineData(3 * 1024 * 1024, true)] // past the 1 MiB decided in memory: streamed with the length pledged
    public void Compressible_files_are_stored_as_zst_and_others_as_is_and_both_list_their_plaintext_size(int size, bool compressible)
    {
        using var side = new ZstdStorageProvider(new LocalStorageProvider(_root));
        var text = Text(size);
        var noise = Noise(size);
        Assert.Equal(size, Put(side, "text.txt", text).Size);
        Assert.Equal(size, Put(side, "noise.bin", noise).Size);
        Assert.Equal(compressible, File.Exists(Path.Combine(_root, "text.txt.zst")));
        Assert.Equal(!compressible, File.Exists(Path.Combine(_root, "text.txt")));
        Assert.True(File.Exists(Path.Combine(_root, "noise.bin")));
        var listed = side.Enumerate(_ => true, _ => { }, CancellationToken.None).ToDictionary(e => e.Path);
        Assert.Equal(new[] { "noise.bin", "text.txt" }, listed.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.All(listed.Values, e => Assert.Equal(size, e.Size));
        Assert.All(listed.Values, e => Assert.Equal(0, e.Hashes.Count));
        Assert.Equal(text, Get(side, "text.txt"));
        Assert.Equal(noise, Get(side, "noise.bin"));
        Assert.Equal(Hashing.ToHex(SHA256.HashData(text)), side.ComputeHash("text.txt", CancellationToken.None));
        Assert.Equal(size, side.Stat("text.txt")!.Size);
    }

    [SkippableFact]
    public void The_zstd_tool_restores_a_stored_file()
    {
        Skip.If(!File.Exists("/usr/bin/zstd"), "zstd is not installed (apt-get install zstd)");
        using var side = new ZstdStorageProvider(new LocalStorageProvider(_root), 9);
        var text = Text(2 * 1024 * 1024);
        Put(side, "big.log", text);
        var psi = new ProcessStartInfo("/usr/bin/zstd") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-d", "-c", Path.Combine(_root, "big.log.zst") })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        using var output = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(output);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        Assert.Equal(text, output.ToArray());
    }

    [Fact]
    public void A_name_ending_in_zst_is_always_compressed_so_stored_names_never_collide()
    {
        using var side = new ZstdStorageProvider(new LocalStorageProvider(_root));
        var noise = Noise(5000);
        Put(side, "archive.zst", noise);
        Put(side, "archive", Text(5000));
        Assert.True(File.Exists(Path.Combine(_root, "archive.zst.zst")));
        Assert.True(File.Exists(Path.Combine(_root, "archive.zst")));
        Assert.Equal(new[] { "archive", "archive.zst" }, side.Enumerate(_ => true, _ => { }, CancellationToken.None).Select(e => e.Path).OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(noise, Get(side, "archive.zst"));
    }

    [Fact]
    public void A_file_that_turns_incompressible_replaces_its_other_form()
    {
        using var side = new ZstdStorageProvider(new LocalStorageProvider(_root));
        Put(side, "a.dat", Text(10000));
        Assert.True(File.Exists(Path.Combine(_root, "a.dat.zst")));
        var noise = Noise(10000);
        Put(side, "a.dat", noise);
        Assert.False(File.Exists(Path.Combine(_root, "a.dat.zst")));
        Assert.Equal(noise, Get(side, "a.dat"));
        Assert.Single(side.Enumerate(_ => true, _ => { }, CancellationToken.None));
        side.Delete("a.dat");
        Assert.Empty(Directory.EnumerateFiles(_root));
    }

    [Fact]
    public void A_write_not_told_its_length_past_the_decision_window_is_stored_as_is()
    {
        using var side = new ZstdStorageProvider(new LocalStorageProvider(_root));
        var text = Text(ZstdStorageProvider.DecideBytes + 10);
        Put(side, "x.txt", text, tellLength: false);
        Assert.True(File.Exists(Path.Combine(_root, "x.txt")));
        Assert.Equal(text, Get(side, "x.txt"));
    }

    [Fact]
    public void A_damaged_frame_is_a_clear_error_naming_the_file()
    {
        using var side = new ZstdStorageProvider(new LocalStorageProvider(_root));
        Put(side, "d.txt", Text(200000));
        var stored = Path.Combine(_root, "d.txt.zst");
        var bytes = File.ReadAllBytes(stored);
        for (var i = 100; i < 200; i++)
        {
            bytes[i] ^= 0x5A;
        }

        File.WriteAllBytes(stored, bytes);
        var ex = Assert.ThrowsAny<Exception>(() => Get(side, "d.txt"));
        Assert.Contains("d.txt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stacked_compressed_then_encrypted_rclone_sees_the_zst_file_and_we_see_plaintext()
    {
        var crypt = new CryptStorageProvider(new LocalStorageProvider(_root), "stack");
        using var side = new ZstdStorageProvider(crypt);
        var text = Text(300000);
        Put(side, "notes/today.md", text);
        Assert.Equal("notes/today.md.zst", crypt.PlaintextPath(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_root, f).Replace('\\', '/')).Single(f => !f.StartsWith(".syncengine", StringComparison.Ordinal))));
        Assert.Equal(text.Length, Assert.Single(side.Enumerate(_ => true, _ => { }, CancellationToken.None)).Size);
        Assert.Equal(text, Get(side, "notes/today.md"));
    }
}

/// <summary>The conformance suite through the zstd decorator on a local folder.</summary>
public sealed class ZstdOverLocalConformanceTests : ProviderConformance
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "se-zconf-" + Guid.NewGuid().ToString("N").Substring(0, 10));

    protected override IStorageProvider CreateProvider()
    {
        var root = Path.Combine(_root, Guid.NewGuid().ToString("N").Substring(0, 6));
        Directory.CreateDirectory(root);
        return new ZstdStorageProvider(new LocalStorageProvider(root));
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

/// <summary>The conformance suite through both decorators (compressed, then encrypted) on the in-memory side.</summary>
public sealed class ZstdOverCryptOverMemoryConformanceTests : ProviderConformance
{
    protected override IStorageProvider CreateProvider() => new ZstdStorageProvider(new CryptStorageProvider(new InMemoryStorageProvider(), "conformance"), 5);
}
