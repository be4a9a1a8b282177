using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using SyncEngine.Storage.Sftp;
using SyncEngine.TestSupport;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests.Sftp;

/// <summary>Connection helpers shared by the SFTP tests: a provider on the test sshd with its key and known_hosts.</summary>
internal static class SftpSides
{
    public static SftpConnectionOptions Options(SshdServer server, string? knownHosts = null, bool acceptNew = false, string? key = null, int maxSessions = 4) => new()
    {
        Host = server.Host,
        Port = server.Port,
        User = server.User,
        PrivateKeyFiles = key == "" ? Array.Empty<string>() : new[] { key ?? server.ClientKeyPath },
        KnownHostsFile = knownHosts ?? server.KnownHostsPath,
        AcceptNewHostKey = acceptNew,
        MaxSessions = maxSessions,
        ConnectTimeout = TimeSpan.FromSeconds(20),
    };

    public static SftpStorageProvider Open(SshdServer server, string remoteRoot, string? knownHosts = null, bool acceptNew = false, string? key = null, string? password = null, int maxSessions = 4)
    {
        Skip.If(server.SkipReason is not null, server.SkipReason);
        return new SftpStorageProvider(Options(server, knownHosts, acceptNew, key, maxSessions), remoteRoot, password);
    }
}

/// <summary>The provider conformance suite against the SFTP provider on a real OpenSSH server (one per class).</summary>
public sealed class SftpProviderConformanceTests : ProviderConformance, IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public SftpProviderConformanceTests(SshdServer server)
    {
        _server = server;
    }

    protected override IStorageProvider CreateProvider() => SftpSides.Open(_server, _server.NewRemoteFolder());
}

/// <summary>Host keys against known_hosts (unknown, changed, accept-new, hashed, revoked), logins, and what SFTP-only code does.</summary>
public sealed class SftpHostKeyTests : IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public SftpHostKeyTests(SshdServer server)
    {
        _server = server;
    }

    private string KnownHosts(params string[] lines)
    {
        var path = Path.Combine(_server.Folder, "kh-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        File.WriteAllText(path, string.Join("\n", lines) + (lines.Length > 0 ? "\n" : ""));
        return path;
    }

    private static string OtherEd25519Key()
    {
        // A well-formed ed25519 blob that is not the server's key.
        var blob = new List<byte>();
        void Str(byte[] b)
        {
            blob.AddRange(new[] { (byte)(b.Length >> 24), (byte)(b.Length >> 16), (byte)(b.Length >> 8), (byte)b.Length });
            blob.AddRange(b);
        }

        Str(Encoding.ASCII.GetBytes("ssh-ed25519"));
        Str(RandomNumberGenerator.GetBytes(32));
        return "ssh-ed25519 " + Convert.ToBase64String(blob.ToArray());
    }

    [SkippableFact]
    public void A_known_host_key_connects()
    {
        using var side = SftpSides.Open(_server, _server.NewRemoteFolder());
        Assert.True(side.RootExists());
        Assert.Equal(1, side.OpenConnections);
    }

    [SkippableFact]
    public void An_unknown_host_key_is_refused_with_its_fingerprint_and_the_file_is_left_alone()
    {
        var file = KnownHosts("# nothing here", "otherhost.example " + OtherEd25519Key());
        var before = File.ReadAllText(file);
        using var side = SftpSides.Open(_server, _server.NewRemoteFolder(), knownHosts: file);

        var error = Assert.Throws<SyncEngineException>(() => side.RootExists());

        Assert.Equal("SyncSftpHostKeyUnknown", error.ErrorId);
        Assert.Equal(SyncErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("SHA256:" + _server.HostKeyFingerprint, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(file));
    }

    [SkippableFact]
    public void A_missing_known_hosts_file_knows_no_host()
    {
        var file = Path.Combine(_server.Folder, "absent-" + Guid.NewGuid().ToString("N").Substring(0, 8), "known_hosts");
        using var side = SftpSides.Open(_server, _server.NewRemoteFolder(), knownHosts: file);
        Assert.Equal("SyncSftpHostKeyUnknown", Assert.Throws<SyncEngineException>(() => side.RootExists()).ErrorId);
        Assert.False(File.Exists(file));
    }

    [SkippableFact]
    public void An_entry_for_port_22_does_not_vouch_for_another_port()
    {
        var file = KnownHosts(_server.Host + " " + _server.HostPublicKey);
        using var side = SftpSides.Open(_server, _server.NewRemoteFolder(), knownHosts: file);
        Assert.Equal("SyncSftpHostKeyUnknown", Assert.Throws<SyncEngineException>(() => side.RootExists()).ErrorId);
    }

    [SkippableFact]
    public void A_changed_host_key_is_refused_even_with_accept_new_and_is_never_added()
    {
        var file = KnownHosts(_server.KnownHostsName + " " + OtherEd25519Key());
        var before = File.ReadAllText(file);
        foreach (var acceptNew in new[] { false, true })
        {
            using var side = SftpSides.Open(_server, _server.NewRemoteFolder(), knownHosts: file, acceptNew: acceptNew);
            var error = Assert.Throws<SyncEngineException>(() => side.RootExists());
            Assert.Equal("SyncSftpHostKeyChanged", error.ErrorId);
            Assert.Contains("SHA256:" + _server.HostKeyFingerprint, error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, File.ReadAllText(file));
    }

    [SkippableFact]
    public void Accept_new_adds_an_unknown_key_once_and_later_runs_check_against_it()
    {
        var folder = Path.Combine(_server.Folder, "home-" + Guid.NewGuid().ToString("N").Substring(0, 8), ".ssh");
        var file = Path.Combine(folder, "known_hosts");
        using (var first = SftpSides.Open(_server, _server.NewRemoteFolder(), knownHosts: file, acceptNew: true))
        {
            Assert.True(first.RootExists());
        }

        var lines = File.ReadAllLines(file);
        Assert.Equal(new[] { _server.KnownHostsName + " " + _server.HostPublicKey }, lines);

        using (var again = SftpSides.Open(_server, _server.NewRemoteFolder(), knownHosts: file, acceptNew: true))
        {
            Assert.True(again.RootExists());
        }

        using (var strict = SftpSides.Open(_server, _server.NewRemoteFolder(), knownHosts: file))
        {
            Assert.True(strict.RootExists());
        }

        Assert.Single(File.ReadAllLines(file));
    }

    [SkippableFact]
    public void A_hashed_entry_and_a_wildcard_entry_are_recognised()
    {
        var salt = RandomNumberGenerator.GetBytes(20);
        using var hmac = new HMACSHA1(salt);
        var hash = hmac.ComputeHash(Encoding.UTF8.GetBytes(_server.KnownHostsName));
        var hashed = KnownHosts("|1|" + Convert.ToBase64String(salt) + "|" + Convert.ToBase64String(hash) + " " + _server.HostPublicKey);
        using (var side = SftpSides.Open(_server, _server.NewRemoteFolder(), knownHosts: hashed))
        {
            Assert.True(side.RootExists());
        }

        var wildcard = KnownHosts($"otherhost,[127.0.0.?]:{_server.Port} " + _server.HostPublicKey);
        using (var side = SftpSides.Open(_server, _server.NewRemoteFolder(), knownHosts: wildcard))
        {
            Assert.True(side.RootExists());
        }

        var negated = KnownHosts($"[127.0.0.*]:{_server.Port},!{_server.KnownHostsName} " + _server.HostPublicKey);
        using (var side = SftpSides.Open(_server, _server.NewRemoteFolder(), knownHosts: negated))
        {
            Assert.Equal("SyncSftpHostKeyUnknown", Assert.Throws<SyncEngineException>(() => side.RootExists()).ErrorId);
        }
    }

    [SkippableFact]
    public void A_revoked_key_is_refused()
    {
        var file = KnownHosts(_server.KnownHostsName + " " + _server.HostPublicKey, "@revoked * " + _server.HostPublicKey);
        using var side = SftpSides.Open(_server, _server.NewRemoteFolder(), knownHosts: file);
        Assert.Equal("SyncSftpHostKeyRevoked", Assert.Throws<SyncEngineException>(() => side.RootExists()).ErrorId);
    }

    [SkippableFact]
    public void A_key_the_server_does_not_authorize_is_a_login_error()
    {
        using var side = SftpSides.Open(_server, _server.NewRemoteFolder(), key: _server.UnauthorizedKeyPath);
        var error = Assert.Throws<SyncEngineException>(() => side.RootExists());
        Assert.Equal("SyncSftpLoginRefused", error.ErrorId);
        Assert.Equal(SyncErrorKind.PermissionDenied, error.Kind);
    }

    [SkippableFact]
    public void A_refused_password_never_appears_in_the_error()
    {
        const string secret = "correct-horse-battery-staple-42";
        using var side = SftpSides.Open(_server, _server.NewRemoteFolder(), key: "", password: secret);
        var error = Assert.Throws<SyncEngineException>(() => side.RootExists());
        Assert.Equal("SyncSftpLoginRefused", error.ErrorId);
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            Assert.DoesNotContain(secret, e.ToString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(secret, side.Root, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, side.Options.ToString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_missing_key_file_is_named()
    {
        var missing = Path.Combine(_server.Folder, "no-such-key");
        using var side = SftpSides.Open(_server, _server.NewRemoteFolder(), key: missing);
        var error = Assert.Throws<SyncEngineException>(() => side.RootExists());
        Assert.Equal("SyncSftpKeyUnusable", error.ErrorId);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_relative_remote_root_is_refused()
    {
        Skip.If(_server.SkipReason is not null, _server.SkipReason);
        var error = Assert.Throws<SyncEngineException>(() => new SftpStorageProvider(SftpSides.Options(_server), "relative/path"));
        Assert.Equal("SyncSftpRootInvalid", error.ErrorId);
        Assert.Equal("SyncSftpRootInvalid", Assert.Throws<SyncEngineException>(() => new SftpStorageProvider(SftpSides.Options(_server), "/srv/../etc")).ErrorId);
    }

    [SkippableFact]
    public void Links_and_specials_on_the_server_are_listed_as_such_and_never_followed()
    {
        var folder = _server.NewRemoteFolder();
        var outside = _server.NewRemoteFolder();
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "outside");
        File.WriteAllText(Path.Combine(folder, "plain.txt"), "plain");
        File.CreateSymbolicLink(Path.Combine(folder, "file-link"), Path.Combine(outside, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "folder-link"), outside);
        using var side = SftpSides.Open(_server, folder);

        var issues = new List<ScanIssue>();
        var listed = side.Enumerate(_ => true, issues.Add, CancellationToken.None).ToList();

        Assert.Equal(new[] { "plain.txt" }, listed.Where(e => e.Kind == EntryKind.File).Select(e => e.Path));
        Assert.Equal(new[] { "file-link", "folder-link" }, issues.Select(i => i.Path).OrderBy(p => p, StringComparer.Ordinal));
        Assert.All(issues, i => Assert.True(i.CoversSubtree));
        Assert.Null(side.Stat("file-link"));
        Assert.Throws<SyncEngineException>(() =>
        {
            using var write = side.BeginWrite("folder-link/new.txt");
            write.Stream.WriteByte(1);
        });
        Assert.False(File.Exists(Path.Combine(outside, "new.txt")));
        Assert.ThrowsAny<IOException>(() => side.OpenRead("file-link").Dispose());

        // Removing or moving a link acts on the link; what it points to stays where it is.
        side.Move("file-link", "moved-link", overwrite: false);
        Assert.True(new FileInfo(Path.Combine(folder, "moved-link")).LinkTarget is not null);
        side.Delete("moved-link");
        Assert.False(File.Exists(Path.Combine(folder, "moved-link")) || new FileInfo(Path.Combine(folder, "moved-link")).LinkTarget is not null);
        side.RemoveEmptyParents("folder-link/x.txt");
        Assert.Equal("outside", File.ReadAllText(Path.Combine(outside, "secret.txt")));
        Assert.True(Directory.Exists(outside));
    }

    [SkippableFact]
    public void A_trash_purge_removes_links_it_meets_and_never_what_they_point_to()
    {
        var folder = _server.NewRemoteFolder();
        var outside = _server.NewRemoteFolder();
        File.WriteAllText(Path.Combine(outside, "precious.txt"), "keep me");
        var now = new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        var run = TrashNames.NewRunId(now.AddDays(-90));
        var runFolder = Path.Combine(folder, ".syncengine", "trash", run);
        Directory.CreateDirectory(runFolder);
        File.WriteAllText(Path.Combine(runFolder, "old.txt"), "old");
        File.CreateSymbolicLink(Path.Combine(runFolder, "file-link"), Path.Combine(outside, "precious.txt"));
        Directory.CreateSymbolicLink(Path.Combine(runFolder, "folder-link"), outside);
        using var side = SftpSides.Open(_server, folder);

        for (var i = 0; i < 4; i++)
        {
            TrashPolicy.Purge(side, TimeSpan.FromDays(30), now, CancellationToken.None);
            now = now.AddDays(15);
        }

        Assert.False(Directory.Exists(runFolder));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(outside, "precious.txt")));
    }

    [SkippableFact]
    public void Permission_bits_are_listed_and_set_on_commit()
    {
        var folder = _server.NewRemoteFolder();
        using var side = SftpSides.Open(_server, folder);
        using (var write = side.BeginWrite("script.sh"))
        {
            write.Permissions = Convert.ToInt32("750", 8);
            write.Stream.WriteByte(42);
            write.Commit(new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc), overwrite: false);
        }

        Assert.Equal(Convert.ToInt32("750", 8), side.Stat("script.sh")!.Permissions);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
            File.GetUnixFileMode(Path.Combine(folder, "script.sh")));
    }

    [SkippableFact]
    public void A_time_sftp_cannot_store_fails_the_write_and_leaves_no_file()
    {
        var folder = _server.NewRemoteFolder();
        using var side = SftpSides.Open(_server, folder);
        using (var write = side.BeginWrite("old.txt"))
        {
            write.Stream.WriteByte(1);
            Assert.Throws<IOException>(() => write.Commit(new DateTime(1960, 1, 1, 0, 0, 0, DateTimeKind.Utc), overwrite: false));
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [SkippableFact]
    public void Trash_past_the_retention_is_purged_through_sftp_and_a_ledger_is_kept_there()
    {
        var folder = _server.NewRemoteFolder();
        using var side = SftpSides.Open(_server, folder);
        var now = new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        var oldRun = TrashNames.NewRunId(now.AddDays(-40));
        var newRun = TrashNames.NewRunId(now.AddDays(-1));
        foreach (var run in new[] { oldRun, newRun })
        {
            using var write = side.BeginWrite(TrashNames.TrashPath(run, "deep/kept.txt"));
            write.Stream.WriteByte(7);
            write.Commit(now, overwrite: false);
        }

        var retention = TimeSpan.FromDays(30);
        TrashPolicy.Purge(side, retention, now, CancellationToken.None); // first look: nothing is credited yet
        Assert.True(Directory.Exists(Path.Combine(folder, ".syncengine", "trash", oldRun)));
        Assert.True(File.Exists(Path.Combine(folder, ".syncengine", "trash-ages.json")));

        for (var day = 0; day < 4; day++)
        {
            now = now.AddDays(10);
            TrashPolicy.Purge(side, retention, now, CancellationToken.None);
        }

        Assert.False(Directory.Exists(Path.Combine(folder, ".syncengine", "trash", oldRun)));
        Assert.False(Directory.Exists(Path.Combine(folder, ".syncengine", "trash", newRun)));
        Assert.True(Directory.Exists(Path.Combine(folder, ".syncengine", "trash")));
    }

    [SkippableFact]
    public void Concurrent_work_stays_within_the_pool()
    {
        var folder = _server.NewRemoteFolder();
        using var side = SftpSides.Open(_server, folder, maxSessions: 3);
        var peak = 0;
        System.Threading.Tasks.Parallel.For(0, 48, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            using (var write = side.BeginWrite($"d{i % 3}/f{i}.bin"))
            {
                write.Stream.Write(new byte[4096], 0, 4096);
                write.Commit(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), overwrite: false);
            }

            Interlocked.Exchange(ref peak, Math.Max(Volatile.Read(ref peak), side.OpenConnections));
            Assert.Equal(4096, side.Stat($"d{i % 3}/f{i}.bin")!.Size);
        });

        Assert.InRange(peak, 1, 3);
        Assert.Equal(48, Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Count());
    }
}

/// <summary>A dropped connection (sshd killed and started again) is replaced for the next operation.</summary>
public sealed class SftpReconnectTests : IClassFixture<SshdServer>
{
    private readonly SshdServer _server;

    public SftpReconnectTests(SshdServer server)
    {
        _server = server;
    }

    [SkippableFact]
    public void After_the_server_restarts_the_next_operation_reconnects()
    {
        var folder = _server.NewRemoteFolder();
        File.WriteAllText(Path.Combine(folder, "a.txt"), "before");
        using var side = SftpSides.Open(_server, folder);
        Assert.NotNull(side.Stat("a.txt"));

        _server.Stop();
        Assert.ThrowsAny<Exception>(() => side.Stat("a.txt"));
        _server.Restart();

        Assert.NotNull(side.Stat("a.txt"));
        using (var write = side.BeginWrite("b.txt"))
        {
            write.Stream.WriteByte(1);
            write.Commit(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), overwrite: false);
        }

        Assert.True(File.Exists(Path.Combine(folder, "b.txt")));
    }

    [SkippableFact]
    public void A_server_killed_mid_run_fails_the_unfinished_actions_and_the_next_run_finishes_them()
    {
        using var t = new TestPair();
        for (var i = 0; i < 8; i++)
        {
            t.Write(SyncSide.Source, $"f{i}.txt", "content " + i);
        }

        var pair = PairOf(t, mode: SyncMode.SourceToDestination, transferLimit: 2);
        var commits = 0;
        using (var sftp = SftpSides.Open(_server, t.Destination))
        using (var hooked = new HookedProvider(sftp))
        {
            hooked.OnCommit = _ =>
            {
                if (Interlocked.Increment(ref commits) == 4)
                {
                    _server.Stop();
                }
            };
            var first = Run(pair, destination: hooked);
            Assert.True(first.Summary.Failed > 0, "the actions after the kill must fail");
        }

        var landed = Directory.EnumerateFiles(t.Destination).Select(Path.GetFileName).Where(n => n!.StartsWith('f')).Count();
        Assert.InRange(landed, 1, 7);
        _server.Restart();

        using (var sftp = SftpSides.Open(_server, t.Destination))
        {
            var second = Run(pair, destination: sftp);
            Assert.Equal(0, second.Summary.Failed);
            Assert.Equal(8 - landed, second.Plan.Visible().Count());
        }

        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Empty(TempFiles(t.Destination));
        using (var sftp = SftpSides.Open(_server, t.Destination))
        {
            NoVisibleActions(Run(pair, destination: sftp).Plan);
        }
    }
}

/// <summary>Whole runs through the engine with one side on the test sshd: local to SFTP and SFTP to local.</summary>
public sealed class SftpSyncTests : IClassFixture<SshdServer>
{
    private static readonly DateTime T0 = new(2024, 5, 1, 9, 0, 0, DateTimeKind.Utc);
    private readonly SshdServer _server;

    public SftpSyncTests(SshdServer server)
    {
        _server = server;
    }

    private static void Shape(TestPair t, SyncSide side)
    {
        t.Write(side, "top.txt", "top", T0);
        t.Write(side, "docs/deep/report.txt", "a report", T0.AddMinutes(5).AddMilliseconds(750));
        t.Write(side, "docs/ünïcödé name.txt", "unicode", T0.AddMinutes(6));
        t.WriteBytes(side, "data/blob.bin", Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray(), T0.AddMinutes(7));
    }

    [SkippableTheory]
    [InlineData(SyncMode.SourceToDestination)]
    [InlineData(SyncMode.TwoWay)]
    public void Local_to_sftp_copies_everything_and_a_second_run_plans_nothing(SyncMode mode)
    {
        using var t = new TestPair();
        Shape(t, SyncSide.Source);
        var pair = PairOf(t, mode: mode);

        using (var sftp = SftpSides.Open(_server, t.Destination))
        {
            var run = Run(pair, destination: sftp);
            Assert.Equal(0, run.Summary.Failed);
            Assert.Equal(new[] { "UploadNew data/blob.bin", "UploadNew docs/deep/report.txt", "UploadNew docs/ünïcödé name.txt", "UploadNew top.txt" }, VisibleSorted(run.Plan));
        }

        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));
        Assert.Equal(T0.AddMinutes(5), Mtime(t, SyncSide.Destination, "docs/deep/report.txt")); // whole seconds over SFTP v3
        Assert.Empty(TempFiles(t.Destination));

        using (var again = SftpSides.Open(_server, t.Destination))
        {
            var second = Run(pair, destination: again);
            NoVisibleActions(second.Plan);
        }
    }

    [SkippableFact]
    public void Sftp_to_local_copies_everything_and_a_second_run_plans_nothing()
    {
        using var t = new TestPair();
        Shape(t, SyncSide.Source);
        var pair = PairOf(t, mode: SyncMode.SourceToDestination);

        using (var sftp = SftpSides.Open(_server, t.Source))
        {
            var run = Run(pair, source: sftp);
            Assert.Equal(0, run.Summary.Failed);
            Assert.Equal(4, run.Plan.Visible().Count());
        }

        Assert.Equal(t.Tree(SyncSide.Source), t.Tree(SyncSide.Destination));

        using (var again = SftpSides.Open(_server, t.Source))
        {
            NoVisibleActions(Run(pair, source: again).Plan);
        }
    }

    [SkippableFact]
    public void Two_way_changes_on_the_sftp_side_come_back_and_deletions_go_to_its_trash()
    {
        using var t = new TestPair();
        Shape(t, SyncSide.Source);
        var pair = PairOf(t);
        using (var sftp = SftpSides.Open(_server, t.Destination))
        {
            Run(pair, destination: sftp);
        }

        t.Write(SyncSide.Destination, "top.txt", "edited remotely", T0.AddHours(2));
        t.Delete(SyncSide.Source, "docs/deep/report.txt");
        using (var sftp = SftpSides.Open(_server, t.Destination))
        {
            var run = Run(pair, destination: sftp);
            Assert.Equal(0, run.Summary.Failed);
            Assert.Equal(new[] { "DeleteDestination docs/deep/report.txt", "DownloadUpdate top.txt" }, VisibleSorted(run.Plan));
        }

        Assert.Equal("edited remotely", t.Read(SyncSide.Source, "top.txt"));
        Assert.False(t.Exists(SyncSide.Destination, "docs/deep/report.txt"));
        Assert.Contains(t.TrashFiles(SyncSide.Destination), f => f.EndsWith("docs/deep/report.txt", StringComparison.Ordinal));
    }
}
