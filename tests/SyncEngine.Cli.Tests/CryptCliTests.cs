using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SyncEngine.Cli.Tests;

/// <summary>--encrypt and --compress: passwords only from the environment, plaintext plans, wrong password exit 2.</summary>
public sealed class CryptCliTests
{
    private const string Secret = "cli-crypt-9d2f-secret";

    private static readonly Dictionary<string, string> Env = new() { ["SYNCENGINE_CRYPT_PASSWORD"] = Secret, ["SYNCENGINE_CRYPT_PASSWORD2"] = "cli-salt" };

    [Fact]
    public void Sync_encrypted_and_compressed_then_plan_shows_plaintext_paths_and_a_wrong_password_is_exit_2_changing_nothing()
    {
        using var h = new CliHarness();
        h.Write(SyncSide.Source, "docs/report.txt", string.Concat(Enumerable.Repeat("compressible text ", 400)));
        var state = Path.Combine(h.Root, "state");
        var sync = SftpCli.Run(Env, "sync", h.Source, h.Destination, "--encrypt", "--compress", "zstd:5", "--state-dir", state);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Contains("docs/report.txt", sync.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(h.Destination, "*", SearchOption.AllDirectories), p => p.Contains("docs", StringComparison.Ordinal) || p.Contains("report", StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, sync.Out + sync.Err, StringComparison.Ordinal);

        h.Write(SyncSide.Source, "new.txt", "new");
        var plan = SftpCli.Run(Env, "plan", h.Source, h.Destination, "--encrypt", "--compress", "zstd:5", "--state-dir", state);
        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("new.txt", plan.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("report", plan.Out, StringComparison.Ordinal);

        var before = SftpCli.Contents(h.Source, h.Destination);
        var wrong = SftpCli.Run(new Dictionary<string, string> { ["SYNCENGINE_CRYPT_PASSWORD"] = "not it" }, "sync", h.Source, h.Destination, "--encrypt", "--compress", "zstd:5", "--state-dir", state);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("SyncCryptWrongKey", wrong.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("not it", wrong.Err, StringComparison.Ordinal);
        var plain = SftpCli.Run(Env, "sync", h.Source, h.Destination, "--state-dir", state);
        Assert.Equal(2, plain.ExitCode);
        Assert.Contains("SyncCryptPasswordMissing", plain.Err, StringComparison.Ordinal);
        Assert.Equal(before, SftpCli.Contents(h.Source, h.Destination));
    }

    [Fact]
    public void A_compressed_destination_synced_without_compress_is_refused_and_nothing_changes()
    {
        using var h = new CliHarness();
        h.Write(SyncSide.Source, "notes.txt", new string('a', 8192));
        var state = Path.Combine(h.Root, "state");
        var first = SftpCli.Run(null, "sync", h.Source, h.Destination, "--compress", "zstd", "--state-dir", state);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(File.Exists(Path.Combine(h.Destination, "notes.txt.zst")));

        h.Write(SyncSide.Source, "more.txt", "more");
        var before = SftpCli.Contents(h.Source, h.Destination);
        var plain = SftpCli.Run(null, "sync", h.Source, h.Destination, "--state-dir", state);
        Assert.Equal(2, plain.ExitCode);
        Assert.Contains("SyncCompressOptionMissing", plain.Err, StringComparison.Ordinal);
        Assert.Contains("--compress", plain.Err, StringComparison.Ordinal);
        Assert.Equal(before, SftpCli.Contents(h.Source, h.Destination));

        var again = SftpCli.Run(null, "sync", h.Source, h.Destination, "--compress", "zstd", "--state-dir", state);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("more.txt", again.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--password")]
    [InlineData("--encrypt-password=hunter2")]
    [InlineData("--crypt-password2")]
    public void A_password_option_is_refused_without_echoing_it(string option)
    {
        using var h = new CliHarness();
        var r = SftpCli.Run(null, "sync", h.Source, h.Destination, "--encrypt", option, "hunter2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("SYNCENGINE_CRYPT_PASSWORD", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", r.Out + r.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--encrypt" }, "SYNCENGINE_CRYPT_PASSWORD")]
    [InlineData(new[] { "--encrypt-names", "off" }, "add --encrypt")]
    [InlineData(new[] { "--compress", "gzip" }, "zstd")]
    [InlineData(new[] { "--compress", "zstd:99" }, "1 to 22")]
    public void Bad_at_rest_options_are_usage_errors(string[] options, string expected)
    {
        using var h = new CliHarness();
        var r = SftpCli.Run(null, new[] { "plan", h.Source, h.Destination }.Concat(options).ToArray());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err, StringComparison.Ordinal);
    }
}
