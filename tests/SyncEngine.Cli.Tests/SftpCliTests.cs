using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace SyncEngine.Cli.Tests;

/// <summary>Runs of the CLI against an SFTP side, shared by the key and password tests.</summary>
internal static class SftpCli
{
    /// <summary>The sftp:// root of a folder on the test server.</summary>
    public static string Root(SshdServer server, string folder, string? user = null) =>
        $"sftp://{user ?? server.User}@{server.Host}:{server.Port}{folder}";

    /// <summary>Runs the CLI in-process with its own environment (only these variables exist for it).</summary>
    public static CliResult Run(IDictionary<string, string>? environment, params string[] args) =>
        CliHarness.Run((o, e) => new CliContext(o, e)
        {
            GetEnvironmentVariable = name => environment is not null && environment.TryGetValue(name, out var v) ? v : null,
        }, args);

    /// <summary>Every file under the folders, as path and content, for "nothing changed" and "no secret" checks.</summary>
    public static string Contents(params string[] folders)
    {
        var sb = new StringBuilder();
        foreach (var folder in folders.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                sb.Append(file).Append('\n').Append(File.ReadAllText(file)).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>The files of a folder (relative path → content), leaving out the engine's own folder.</summary>
    public static SortedDictionary<string, string> Tree(string folder)
    {
        var tree = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            if (!relative.StartsWith(".syncengine/", StringComparison.Ordinal))
            {
                tree[relative] = File.ReadAllText(file);
            }
        }

        return tree;
    }
}

/// <summary>plan and sync with an sftp:// root on either side, against a real OpenSSH server (key login).</summary>
public sealed class SftpCliTests : IClassFixture<SshdServer>, IDisposable
{
    private readonly SshdServer _server;
    private readonly CliHarness _h = new();

    public SftpCliTests(SshdServer server)
    {
        _server = server;
    }

    public void Dispose() => _h.Dispose();

    private string NewRemote()
    {
        Skip.If(_server.SkipReason is not null, _server.SkipReason);
        return _server.NewRemoteFolder();
    }

    private string[] Keys(string? knownHosts = null) => new[] { "--sftp-key", _server.ClientKeyPath, "--sftp-known-hosts", knownHosts ?? _server.KnownHostsPath };

    private static string[] Args(params object[] parts) => parts.SelectMany(p => p as string[] ?? new[] { (string)p }).ToArray();

    [SkippableFact]
    public void Sync_LocalToSftp_CopiesEverything_AndASecondPlanPlansNothing()
    {
        var remote = NewRemote();
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        _h.Write(SyncSide.Source, "docs/deep/b.md", "beta");
        var root = SftpCli.Root(_server, remote);

        var sync = SftpCli.Run(null, Args("sync", _h.Source, root, "--state-dir", _h.StateDir, Keys()));

        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal(new SortedDictionary<string, string> { ["a.txt"] = "alpha", ["docs/deep/b.md"] = "beta" }, SftpCli.Tree(remote));
        Assert.Equal(File.GetLastWriteTimeUtc(_h.FullPath(SyncSide.Source, "a.txt")), File.GetLastWriteTimeUtc(Path.Combine(remote, "a.txt")));

        var plan = SftpCli.Run(null, Args("plan", _h.Source, root, "--state-dir", _h.StateDir, Keys()));

        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Equal(new[] { "Plan: nothing to do (2 files on the source, 2 on the destination)." }, plan.Lines);
    }

    [SkippableFact]
    public void Sync_SftpToLocal_CopiesEverything_AndASecondPlanPlansNothing()
    {
        var remote = NewRemote();
        File.WriteAllText(Path.Combine(remote, "r.txt"), "remote");
        Directory.CreateDirectory(Path.Combine(remote, "sub"));
        File.WriteAllText(Path.Combine(remote, "sub", "s.txt"), "sub");
        var root = SftpCli.Root(_server, remote);

        var sync = SftpCli.Run(null, Args("sync", root, _h.Destination, "--state-dir", _h.StateDir, "--mode", "source-to-destination", Keys()));

        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal(new SortedDictionary<string, string> { ["r.txt"] = "remote", ["sub/s.txt"] = "sub" }, _h.Tree(SyncSide.Destination));

        var plan = SftpCli.Run(null, Args("plan", root, _h.Destination, "--state-dir", _h.StateDir, "--mode", "source-to-destination", Keys()));

        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Equal(new[] { "Plan: nothing to do (2 files on the source, 2 on the destination)." }, plan.Lines);
    }

    [SkippableFact]
    public void Sync_SftpSource_ReadsItsIgnoreFileThroughTheServer()
    {
        var remote = NewRemote();
        File.WriteAllText(Path.Combine(remote, ".syncignore"), "*.tmp\n");
        File.WriteAllText(Path.Combine(remote, "keep.txt"), "keep");
        File.WriteAllText(Path.Combine(remote, "scratch.tmp"), "scratch");

        var sync = SftpCli.Run(null, Args("sync", SftpCli.Root(_server, remote), _h.Destination, "--state-dir", _h.StateDir, Keys()));

        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.True(_h.Exists(SyncSide.Destination, "keep.txt"), sync.ToString());
        Assert.False(_h.Exists(SyncSide.Destination, "scratch.tmp"), "the source's .syncignore (on the server) must apply");
    }

    [SkippableFact]
    public void Sync_UnknownHostKey_Exits2_PrintsTheFingerprint_AndWritesNothing()
    {
        var remote = NewRemote();
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        var knownHosts = Path.Combine(_server.Folder, "kh-empty-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        File.WriteAllText(knownHosts, "");
        var before = _h.Fingerprint(includeState: false);

        foreach (var command in new[] { "plan", "sync" })
        {
            var r = SftpCli.Run(null, Args(command, _h.Source, SftpCli.Root(_server, remote), "--state-dir", _h.StateDir, Keys(knownHosts)));

            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains("SHA256:" + _server.HostKeyFingerprint, r.Err, StringComparison.Ordinal);
            Assert.Contains("SyncSftpHostKeyUnknown", r.Err, StringComparison.Ordinal);
            Assert.Contains("--sftp-accept-new-host", r.Err, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(remote));
            Assert.Equal("", File.ReadAllText(knownHosts));
            Assert.Equal(before, _h.Fingerprint(includeState: false));
        }
    }

    [SkippableFact]
    public void Sync_ChangedHostKey_Exits2_EvenWithAcceptNew()
    {
        var remote = NewRemote();
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        var knownHosts = Path.Combine(_server.Folder, "kh-other-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        var other = File.ReadAllText(_server.UnauthorizedKeyPath + ".pub").Split(' ');
        File.WriteAllText(knownHosts, _server.KnownHostsName + " " + other[0] + " " + other[1] + "\n");
        var listed = File.ReadAllText(knownHosts);

        var r = SftpCli.Run(null, Args("sync", _h.Source, SftpCli.Root(_server, remote), "--state-dir", _h.StateDir, Keys(knownHosts), "--sftp-accept-new-host"));

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("SyncSftpHostKeyChanged", r.Err, StringComparison.Ordinal);
        Assert.Contains("SHA256:" + _server.HostKeyFingerprint, r.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(remote));
        Assert.Equal(listed, File.ReadAllText(knownHosts));
    }

    [SkippableFact]
    public void Sync_AcceptNewHost_AddsTheKey_AndTheNextRunNeedsNoFlag()
    {
        var remote = NewRemote();
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        var knownHosts = Path.Combine(_server.Folder, "kh-new-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        var root = SftpCli.Root(_server, remote);

        var first = SftpCli.Run(null, Args("sync", _h.Source, root, "--state-dir", _h.StateDir, Keys(knownHosts), "--sftp-accept-new-host"));

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains(_server.HostPublicKey, File.ReadAllText(knownHosts), StringComparison.Ordinal);
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(remote, "a.txt")));

        var second = SftpCli.Run(null, Args("plan", _h.Source, root, "--state-dir", _h.StateDir, Keys(knownHosts)));

        Assert.True(second.ExitCode == 0, second.ToString());
    }

    [SkippableFact]
    public void Sync_LoginRefused_Exits2_AndNamesTheServer()
    {
        var remote = NewRemote();
        _h.Write(SyncSide.Source, "a.txt", "alpha");

        var r = SftpCli.Run(null, Args("sync", _h.Source, SftpCli.Root(_server, remote), "--state-dir", _h.StateDir,
            "--sftp-key", _server.UnauthorizedKeyPath, "--sftp-known-hosts", _server.KnownHostsPath));

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("SyncSftpLoginRefused", r.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(remote));
    }

    [SkippableFact]
    public void Status_WithSourceAndDestination_FindsTheDefaultStateFolderOfAnSftpPair()
    {
        var remote = NewRemote();
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        var root = SftpCli.Root(_server, remote);
        // The default state folder (no --state-dir), under a state home of this test only: child processes.
        var home = new Dictionary<string, string> { ["SYNCENGINE_STATE_HOME"] = Path.Combine(_h.Root, "state-home") };
        var sync = CliHarness.RunProcess(_h.Root, home, Args("sync", _h.Source, root, Keys()));
        Assert.True(sync.ExitCode == 0, sync.ToString());

        var status = CliHarness.RunProcess(_h.Root, home, "status", _h.Source, root);
        var stop = CliHarness.RunProcess(_h.Root, home, "stop", _h.Source, root);

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("Tracked files: 1", status.Out, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(home["SYNCENGINE_STATE_HOME"], "pairs", SyncPair.ComputeId(_h.Source, root)), status.Out, StringComparison.Ordinal);
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.Contains("No sync is running", stop.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void SftpOptions_WithoutAnSftpRoot_AreRefused()
    {
        _h.Write(SyncSide.Source, "a.txt", "alpha");

        var r = _h.Pair("plan", "--sftp-accept-new-host");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--sftp-accept-new-host is for an sftp:// side", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void SftpKey_ThatDoesNotExist_IsRefusedBeforeConnecting()
    {
        var r = SftpCli.Run(null, "plan", _h.Source, "sftp://u@127.0.0.1:1/srv", "--state-dir", _h.StateDir, "--sftp-key", Path.Combine(_h.Root, "no-such-key"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--sftp-key: the key file", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void SftpRoot_WithAPassword_IsRefused_WithoutShowingIt()
    {
        var r = SftpCli.Run(null, "plan", _h.Source, "sftp://u:hunter2@127.0.0.1/srv", "--state-dir", _h.StateDir);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("SyncRootSpecSecret", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", r.Err + r.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--sftp-password", "hunter2")]
    [InlineData("--sftp-password=hunter2")]
    public void PasswordOption_DoesNotExist_AndTheValueIsNotEchoed(params string[] option)
    {
        var r = SftpCli.Run(null, new[] { "sync", _h.Source, "sftp://u@127.0.0.1/srv", "--state-dir", _h.StateDir }.Concat(option).ToArray());

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("there is no --sftp-password option", r.Err, StringComparison.Ordinal);
        Assert.Contains("SYNCENGINE_SFTP_PASSWORD", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", r.Err + r.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("sync")]
    public void Help_NamesTheSftpOptions_AndThatAPasswordComesOnlyFromTheEnvironment(string command)
    {
        var r = CliHarness.Run(command, "--help");

        Assert.Equal(0, r.ExitCode);
        foreach (var option in new[] { "--sftp-key FILE", "--sftp-known-hosts FILE", "--sftp-accept-new-host", "sftp://[user@]host[:port]/absolute/path", "SYNCENGINE_SFTP_PASSWORD", "no\n  --sftp-password option" })
        {
            Assert.Contains(option.Replace("\n", Environment.NewLine, StringComparison.Ordinal), r.Out, StringComparison.Ordinal);
        }
    }
}

/// <summary>An OpenSSH server that also takes a password (<see cref="SshdServer.WithPassword"/>), for one test class.</summary>
public sealed class PasswordSshd : IDisposable
{
    /// <summary>The password the server takes for its user (distinctive, so a leak is found by searching for it).</summary>
    public const string Password = "Pw-9f3c&SyncEngine-secret";

    public SshdServer Server { get; } = SshdServer.WithPassword(Password);

    public void Dispose() => Server.Dispose();
}

/// <summary>Password login through SYNCENGINE_SFTP_PASSWORD, and the password never reaching output or state.</summary>
public sealed class SftpPasswordCliTests : IClassFixture<PasswordSshd>, IDisposable
{
    private readonly SshdServer _server;
    private readonly CliHarness _h = new();

    public SftpPasswordCliTests(PasswordSshd fixture)
    {
        _server = fixture.Server;
    }

    public void Dispose() => _h.Dispose();

    [SkippableFact]
    public void Sync_WithThePasswordFromTheEnvironment_LogsIn_AndTheSecretIsNowhere()
    {
        Skip.If(_server.SkipReason is not null, _server.SkipReason);
        var remote = _server.NewRemoteFolder();
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        var root = SftpCli.Root(_server, remote);
        var environment = new Dictionary<string, string> { ["SYNCENGINE_SFTP_PASSWORD"] = PasswordSshd.Password };

        // A child process, as a user runs it: no key at all (HOME without ~/.ssh keys), the password only in its environment.
        var home = Path.Combine(_h.Root, "home");
        Directory.CreateDirectory(home);
        environment["HOME"] = home;
        var sync = CliHarness.RunProcess(_h.Root, environment, "sync", _h.Source, root, "--state-dir", _h.StateDir, "--sftp-known-hosts", _server.KnownHostsPath, "--json");
        var plan = CliHarness.RunProcess(_h.Root, environment, "plan", _h.Source, root, "--state-dir", _h.StateDir, "--sftp-known-hosts", _server.KnownHostsPath);

        Assert.True(sync.ExitCode == 0, sync.ToString());
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(remote, "a.txt")));
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("Plan: nothing to do", plan.Out, StringComparison.Ordinal);
        Assert.Contains("Accepted password", File.ReadAllText(_server.LogPath), StringComparison.Ordinal);
        var everything = sync.Out + sync.Err + plan.Out + plan.Err + SftpCli.Contents(_h.StateDir, _h.Source, remote);
        Assert.DoesNotContain(PasswordSshd.Password, everything, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Sync_WithAWrongPassword_Exits2_WithoutShowingIt()
    {
        Skip.If(_server.SkipReason is not null, _server.SkipReason);
        var remote = _server.NewRemoteFolder();
        _h.Write(SyncSide.Source, "a.txt", "alpha");
        const string wrong = "Wrong-7d1e-secret";
        var environment = new Dictionary<string, string> { ["SYNCENGINE_SFTP_PASSWORD"] = wrong };

        var r = SftpCli.Run(environment, "sync", _h.Source, SftpCli.Root(_server, remote), "--state-dir", _h.StateDir, "--sftp-known-hosts", _server.KnownHostsPath);

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("SyncSftpLoginRefused", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, r.Out + r.Err + SftpCli.Contents(_h.StateDir), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(remote));
    }
}
