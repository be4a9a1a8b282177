using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using SyncEngine.Storage;
using SyncEngine.Storage.Sftp;
using SyncEngine.TestSupport;

namespace SyncEngine.Core.Tests.Sftp;

/// <summary>
/// Names that a shell command line must carry exactly: quotes, leading dashes, shell syntax, spaces, globs. (A control
/// character such as a newline, or a backslash, never reaches the server in a path: the engine refuses such names; the probe's sample
/// and the parser test carry both.)
/// </summary>
internal static class HostileNames
{
    public static readonly string[] All =
    {
        "it's.txt",
        "two''quotes'",
        "-leading-dash",
        "--",
        "quote\"d",
        "$(touch pwned)",
        "`touch pwned`",
        "semi;colon & amp | pipe > gt",
        "sp ace  *glob?",
        "ünïcödé ✓",
    };
}

/// <summary>SHA-256 computed by the server's sha256sum, where it runs commands (the test sshd does).</summary>
public sealed class SftpServerHashTests : IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public SftpServerHashTests(SshdServer server)
    {
        _server = server;
    }

    [SkippableFact]
    public void The_server_hashes_hostile_names_exactly_as_reading_them_does()
    {
        var folder = _server.NewRemoteFolder();
        for (var i = 0; i < HostileNames.All.Length; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, HostileNames.All[i]), Encoding.UTF8.GetBytes("content " + i + " " + HostileNames.All[i]));
        }

        using var side = SftpSides.Open(_server, folder);
        foreach (var name in HostileNames.All)
        {
            var expected = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, name)))).ToLowerInvariant();
            Assert.Equal(expected, side.ComputeHash(name, CancellationToken.None));
            using var read = side.OpenRead(name);
            Assert.Equal(expected, Hashing.Sha256Hex(read, CancellationToken.None));
        }

        Assert.Equal(HostileNames.All.Length, side.ServerHashes);
        Assert.False(File.Exists(Path.Combine(folder, "pwned")), "a name ran as a command");
        Assert.False(File.Exists(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "pwned")), "a name ran as a command");
    }

    [SkippableFact]
    public void A_link_is_never_hashed_through_and_a_missing_file_is_reported_as_missing()
    {
        var folder = _server.NewRemoteFolder();
        var outside = _server.NewRemoteFolder();
        File.WriteAllText(Path.Combine(outside, "secret"), "not for the pair");
        File.CreateSymbolicLink(Path.Combine(folder, "link"), Path.Combine(outside, "secret"));
        using var side = SftpSides.Open(_server, folder);
        Assert.Throws<IOException>(() => side.ComputeHash("link", CancellationToken.None));
        Assert.ThrowsAny<IOException>(() => side.ComputeHash("absent", CancellationToken.None));
        Assert.Equal(0, side.ServerHashes);
    }

    [Fact]
    public void Shell_quoting_keeps_quotes_as_text()
    {
        Assert.Equal("'it'\\''s'", SftpStorageProvider.ShellQuote("it's"));
        Assert.Equal("'-x'", SftpStorageProvider.ShellQuote("-x"));
    }

    [Fact]
    public void Sha256sum_output_is_used_only_when_it_is_exactly_one_line_for_the_path()
    {
        var hash = new string('a', 64);
        Assert.Equal(hash, SftpStorageProvider.ParseSha256sumLine(hash + "  /r/f\n", "/r/f"));
        Assert.Equal(hash, SftpStorageProvider.ParseSha256sumLine(hash + " */r/f\n", "/r/f"));
        Assert.Equal(hash, SftpStorageProvider.ParseSha256sumLine("\\" + hash + "  /r/a\\nb\\\\c\\rd\n", "/r/a\nb\\c\rd"));
        Assert.Null(SftpStorageProvider.ParseSha256sumLine(hash + "  /r/other\n", "/r/f"));
        Assert.Null(SftpStorageProvider.ParseSha256sumLine(hash + "  /r/f", "/r/f"));
        Assert.Null(SftpStorageProvider.ParseSha256sumLine(hash + "  /r/f\n" + hash + "  /r/f\n", "/r/f"));
        Assert.Null(SftpStorageProvider.ParseSha256sumLine(hash.ToUpperInvariant() + "  /r/f\n", "/r/f"));
        Assert.Null(SftpStorageProvider.ParseSha256sumLine(hash.Substring(1) + "  /r/f\n", "/r/f"));
        Assert.Null(SftpStorageProvider.ParseSha256sumLine("sha256sum: /r/f: No such file or directory\n", "/r/f"));
        Assert.Null(SftpStorageProvider.ParseSha256sumLine("\\" + hash + "  /r/a\\qb\n", "/r/a\\qb"));
        Assert.Null(SftpStorageProvider.ParseSha256sumLine("", "/r/f"));
    }
}

/// <summary>A server that gives SFTP only (ForceCommand internal-sftp): hashes are computed by reading.</summary>
public sealed class SftpWithoutShellHashTests : IClassFixture<SshdServerWithoutShell>
{
    private readonly SshdServer _server;

    public SftpWithoutShellHashTests(SshdServerWithoutShell fixture)
    {
        _server = fixture.Server;
    }

    [SkippableFact]
    public void Without_a_shell_the_hash_is_computed_by_reading()
    {
        var folder = _server.NewRemoteFolder();
        File.WriteAllText(Path.Combine(folder, "it's"), "read me");
        File.WriteAllText(Path.Combine(folder, "plain"), "read me too");
        using var side = SftpSides.Open(_server, folder);
        foreach (var name in new[] { "it's", "plain" })
        {
            var expected = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, name)))).ToLowerInvariant();
            Assert.Equal(expected, side.ComputeHash(name, CancellationToken.None));
        }

        Assert.Equal(0, side.ServerHashes);
        Assert.True(side.OpenConnections >= 1);
    }
}
