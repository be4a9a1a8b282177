using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security;
using SyncEngine.PowerShell.Commands;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

/// <summary>Remote roots in the cmdlets' pair parameters: which side a credential goes to, conflicts, and the password kept out of every output.</summary>
public class AdapterRemoteSideTests
{
    /// <summary>A distinctive password, so a leak is found by searching for it.</summary>
    private const string Secret = "Ps-7d1e&SyncEngine-secret";

    private static SideCredential Cred(string user, string password = Secret) => new(user, new NetworkCredential("", password).SecurePassword);

    private static SyncEngineException Refused(PairSpec spec) => Assert.Throws<SyncEngineException>(() => spec.Build());

    [Fact]
    public void Credential_goes_to_the_one_remote_side_and_its_user_fills_a_root_without_one()
    {
        using var tp = new AdapterTestPair();
        var pair = new PairSpec(tp.Source, "sftp://nas/srv/data") { Credential = Cred("backup"), StatePath = tp.StateDir }.Build();

        Assert.Equal("sftp://backup@nas/srv/data", pair.Destination);
        Assert.Equal("backup", pair.DestinationSpec.User);
        Assert.Null(PairCredentials.Get(pair, SyncSide.Source));
        Assert.Equal("backup", PairCredentials.Get(pair, SyncSide.Destination)!.UserName);
        Assert.Equal(Secret, PairCredentials.OptionsWithPassword(pair, SyncSide.Destination, null)!.Password);
        Assert.Null(PairCredentials.OptionsWithPassword(pair, SyncSide.Source, "env"));
        Assert.Null(pair.DestinationOptions!.Password);

        var remoteSource = new PairSpec("sftp://backup@nas/srv/data", tp.Destination) { Credential = Cred("backup"), StatePath = tp.StateDir }.Build();
        Assert.NotNull(PairCredentials.Get(remoteSource, SyncSide.Source));
        Assert.Null(PairCredentials.Get(remoteSource, SyncSide.Destination));
    }

    [Fact]
    public void Side_credentials_go_to_their_sides_when_both_are_remote()
    {
        using var tp = new AdapterTestPair();
        var pair = new PairSpec("sftp://a@one/x", "sftp://two/y") { SourceCredential = Cred("a", "pa"), DestinationCredential = Cred("b", "pb"), StatePath = tp.StateDir }.Build();

        Assert.Equal("pa", PairCredentials.OptionsWithPassword(pair, SyncSide.Source, null)!.Password);
        Assert.Equal("pb", PairCredentials.OptionsWithPassword(pair, SyncSide.Destination, null)!.Password);
        Assert.Equal("sftp://b@two/y", pair.Destination);
    }

    [Fact]
    public void A_credential_with_no_remote_side_to_go_to_is_refused_with_a_stable_id()
    {
        using var tp = new AdapterTestPair();
        Assert.Equal("SyncCredentialSideNotRemote", Refused(new PairSpec(tp.Source, tp.Destination) { Credential = Cred("u") }).ErrorId);
        Assert.Equal("SyncCredentialSideNotRemote", Refused(new PairSpec(tp.Source, "sftp://h/x") { SourceCredential = Cred("u") }).ErrorId);
        Assert.Equal("SyncCredentialSideNotRemote", Refused(new PairSpec("sftp://h/x", tp.Destination) { DestinationCredential = Cred("u") }).ErrorId);
        var both = Refused(new PairSpec("sftp://h/x", "sftp://g/y") { Credential = Cred("u") });
        Assert.Equal("SyncCredentialAmbiguous", both.ErrorId);
        Assert.Contains("-SourceCredential", both.Message);
        Assert.Equal("SyncCredentialConflict", Refused(new PairSpec(tp.Source, "sftp://h/x") { Credential = Cred("u"), DestinationCredential = Cred("u") }).ErrorId);
        var record = ErrorMapping.FromException(both)!;
        Assert.Equal(PsErrorCategory.InvalidArgument, record.Category);
    }

    [Fact]
    public void A_user_in_the_root_that_differs_from_the_credentials_is_refused_and_the_same_one_is_fine()
    {
        using var tp = new AdapterTestPair();
        var ex = Refused(new PairSpec(tp.Source, "sftp://backup@nas/srv") { Credential = Cred("admin") });
        Assert.Equal("SyncCredentialUserMismatch", ex.ErrorId);
        Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("'backup'", ex.Message);
        Assert.Contains("'admin'", ex.Message);
        Assert.DoesNotContain(Secret, ex.Message);

        var same = new PairSpec(tp.Source, "sftp://backup@nas/srv") { Credential = Cred("backup"), StatePath = tp.StateDir }.Build();
        Assert.Equal("sftp://backup@nas/srv", same.Destination);
    }

    [Fact]
    public void Sftp_options_reach_every_remote_side_and_are_refused_without_one()
    {
        using var tp = new AdapterTestPair();
        var key = Path.Combine(tp.Root, "id_test");
        File.WriteAllText(key, "key");
        var known = Path.Combine(tp.Root, "known_hosts");
        var pair = new PairSpec(tp.Source, "sftp://u@h/x") { SftpKeyFiles = new[] { key }, SftpKnownHostsFile = known, SftpAcceptNewHost = true, StatePath = tp.StateDir }.Build();
        Assert.Null(pair.SourceOptions);
        Assert.Equal(new[] { key }, pair.DestinationOptions!.KeyFiles);
        Assert.Equal(known, pair.DestinationOptions.KnownHostsFile);
        Assert.True(pair.DestinationOptions.AcceptNewHostKey);

        Assert.Equal("SyncSftpOptionWithoutRemote", Refused(new PairSpec(tp.Source, tp.Destination) { SftpAcceptNewHost = true }).ErrorId);
        var missing = Refused(new PairSpec(tp.Source, "sftp://u@h/x") { SftpKeyFiles = new[] { Path.Combine(tp.Root, "typo") } });
        Assert.Equal("SyncSftpKeyFileNotFound", missing.ErrorId);
        Assert.Equal(SyncErrorKind.NotFound, missing.Kind);
    }

    [Fact]
    public void Without_a_credential_the_environment_password_is_used_and_without_either_the_pair_opens_by_key()
    {
        using var tp = new AdapterTestPair();
        var pair = new PairSpec(tp.Source, "sftp://u@h/x") { StatePath = tp.StateDir }.Build();
        Assert.Equal("from-env", PairCredentials.OptionsWithPassword(pair, SyncSide.Destination, "from-env")!.Password);
        Assert.Null(PairCredentials.OptionsWithPassword(pair, SyncSide.Destination, null));
        Assert.Null(PairCredentials.OptionsWithPassword(pair, SyncSide.Destination, ""));

        var withCredential = new PairSpec(tp.Source, "sftp://u@h/x") { Credential = Cred("u"), StatePath = tp.StateDir }.Build();
        Assert.Equal(Secret, PairCredentials.OptionsWithPassword(withCredential, SyncSide.Destination, "from-env")!.Password);
    }

    [Fact]
    public void The_password_is_in_no_property_string_or_message_of_the_pair()
    {
        using var tp = new AdapterTestPair();
        var pair = new PairSpec(tp.Source, "sftp://nas/srv/data") { Credential = Cred("backup"), StatePath = tp.StateDir }.Build();
        var shown = string.Join("\n", typeof(SyncPair).GetProperties().Where(p => p.GetIndexParameters().Length == 0).Select(p => Convert.ToString(p.GetValue(pair), System.Globalization.CultureInfo.InvariantCulture)));
        Assert.DoesNotContain(Secret, shown + pair + pair.DestinationOptions);
        Assert.DoesNotContain("password", pair.DestinationOptions!.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_remote_root_is_passed_on_as_typed_and_a_local_one_resolved()
    {
        string Resolve(string p, string name) => "/resolved/" + p;
        Assert.Equal("sftp://u@h/x", ProviderPaths.ResolveRoot("sftp://u@h/x", "Destination", Resolve));
        Assert.Equal("/resolved/data", ProviderPaths.ResolveRoot("data", "Source", Resolve));
        Assert.Equal("SyncRootSpecUnsupportedScheme", Assert.Throws<SyncEngineException>(() => ProviderPaths.ResolveRoot("ftp://h/x", "Source", Resolve)).ErrorId);
        var secret = Assert.Throws<SyncEngineException>(() => ProviderPaths.ResolveRoot("sftp://u:" + Secret + "@h/x", "Source", Resolve));
        Assert.Equal("SyncRootSpecSecret", secret.ErrorId);
        Assert.DoesNotContain(Secret, secret.Message);
    }
}

/// <summary>An OpenSSH server that takes <see cref="Password"/> for its user, for one test class.</summary>
public sealed class PasswordSshdFixture : IDisposable
{
    /// <summary>The password (distinctive, so a leak is found by searching for it).</summary>
    public const string Password = "Pw-4b2a&SyncEngine-ps-secret";

    public SshdServer Server { get; } = SshdServer.WithPassword(Password);

    public void Dispose() => Server.Dispose();
}

/// <summary>A pair with -Credential synced to a real sshd by password through the pipeline, the password nowhere afterwards.</summary>
public sealed class AdapterCredentialSyncTests : IClassFixture<PasswordSshdFixture>
{
    private readonly SshdServer _server;

    public AdapterCredentialSyncTests(PasswordSshdFixture fixture)
    {
        _server = fixture.Server;
    }

    [SkippableFact]
    public void Sync_with_a_credential_logs_in_by_password_and_the_secret_is_in_no_output_or_state()
    {
        Skip.If(_server.SkipReason is not null, _server.SkipReason);
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "alpha");
        var remote = _server.NewRemoteFolder();
        var credential = new SideCredential(_server.User, new NetworkCredential("", PasswordSshdFixture.Password).SecurePassword);
        var pair = new PairSpec(tp.Source, $"sftp://{_server.Host}:{_server.Port}{remote}")
        {
            Credential = credential,
            SftpKnownHostsFile = _server.KnownHostsPath,
            StatePath = tp.StateDir,
            Name = "remote",
        }.Build();

        var host = new FakeHost();
        using (var pipeline = new SyncPipeline(host))
        {
            pipeline.Sync(pair);
        }

        Assert.True(host.Errors.Count == 0, string.Join("\n", host.Errors.Select(e => e.Exception.Message)));
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(remote, "a.txt")));
        Assert.Contains("Accepted password", File.ReadAllText(_server.LogPath), StringComparison.Ordinal);

        var planHost = new FakeHost();
        using (var pipeline = new SyncPipeline(planHost))
        {
            pipeline.WritePlan(pair);
        }

        Assert.Empty(planHost.Objects);
        var everything = string.Join("\n", host.Objects.Concat(planHost.Objects).Select(o => o.ToString())
            .Concat(host.Verbose).Concat(host.Debug).Concat(host.Warnings).Concat(host.Log).Concat(planHost.Verbose).Concat(planHost.Warnings));
        Assert.DoesNotContain(PasswordSshdFixture.Password, everything, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(tp.StateDir, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(PasswordSshdFixture.Password, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }
}

/// <summary>s3:// sides in the cmdlets' pair parameters: -Credential as access key and secret, -S3Endpoint/-S3Region, and a real sync against the test RGW.</summary>
public sealed class AdapterS3SideTests : IClassFixture<CephBucket>
{
    private const string Secret = "S3-5ecr3t&SyncEngine-ps";
    private readonly CephBucket _bucket;

    public AdapterS3SideTests(CephBucket bucket)
    {
        _bucket = bucket;
    }

    private static SideCredential Cred(string user, string password) => new(user, new NetworkCredential("", password).SecurePassword);

    [Fact]
    public void Credential_on_an_s3_side_is_access_key_and_secret_and_never_fills_the_root()
    {
        using var tp = new AdapterTestPair();
        var pair = new PairSpec(tp.Source, "s3://photos/2026") { Credential = Cred("AKIAEXAMPLE", Secret), S3Endpoint = "http://127.0.0.1:7480", S3Region = "eu-west-1", StatePath = tp.StateDir }.Build();

        Assert.Equal("s3://photos/2026", pair.Destination);
        Assert.Null(pair.SourceOptions);
        Assert.Equal("http://127.0.0.1:7480", pair.DestinationOptions!.S3Endpoint);
        Assert.Null(pair.DestinationOptions.Password);
        var opened = PairCredentials.OptionsWithPassword(pair, SyncSide.Destination, "sftp-env-password")!;
        Assert.Equal("AKIAEXAMPLE", opened.S3AccessKeyId);
        Assert.Equal(Secret, opened.Password);
        Assert.Equal("eu-west-1", opened.S3Region);
        Assert.DoesNotContain(Secret, pair.ToString() + pair.DestinationOptions + opened, StringComparison.Ordinal);

        // Without a credential: the SDK's chain (the SFTP password variable is never an S3 secret).
        var chain = new PairSpec(tp.Source, "s3://photos/2026") { StatePath = tp.StateDir }.Build();
        Assert.Null(PairCredentials.OptionsWithPassword(chain, SyncSide.Destination, "sftp-env-password"));
    }

    [Fact]
    public void S3_options_without_an_s3_side_and_a_malformed_endpoint_are_refused_with_ids()
    {
        using var tp = new AdapterTestPair();
        var e = Assert.Throws<SyncEngineException>(() => new PairSpec(tp.Source, tp.Destination) { S3Region = "us-east-1" }.Build());
        Assert.Equal("SyncS3OptionWithoutRemote", e.ErrorId);
        var bad = Assert.Throws<SyncEngineException>(() => new PairSpec(tp.Source, "s3://bkt/p") { S3Endpoint = "ftp://x", StatePath = tp.StateDir }.Build());
        Assert.Equal("SyncS3OptionsInvalid", bad.ErrorId);
        Assert.Equal(PsErrorCategory.InvalidArgument, ErrorMapping.FromException(bad)!.Category);
        Assert.Equal("SyncSftpOptionWithoutRemote", Assert.Throws<SyncEngineException>(() => new PairSpec(tp.Source, "s3://bkt/p") { SftpAcceptNewHost = true }.Build()).ErrorId);
    }

    [SkippableFact]
    public void Sync_with_a_credential_reaches_the_bucket_and_a_missing_bucket_is_an_error_record()
    {
        Skip.If(_bucket.SkipReason is not null, _bucket.SkipReason);
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "alpha");
        var prefix = _bucket.NewPrefix();
        var pair = new PairSpec(tp.Source, $"s3://{_bucket.Name}/{prefix}")
        {
            Credential = Cred(CephServer.AccessKey, CephServer.SecretKey),
            S3Endpoint = _bucket.Server.Endpoint,
            StatePath = tp.StateDir,
            Name = "s3",
        }.Build();

        var host = new FakeHost();
        using (var pipeline = new SyncPipeline(host))
        {
            pipeline.Sync(pair);
        }

        Assert.True(host.Errors.Count == 0, string.Join("\n", host.Errors.Select(e => e.Exception.Message)));
        using (var client = _bucket.Server.Client())
        {
            using var get = client.GetObjectAsync(_bucket.Name, prefix + "/a.txt").GetAwaiter().GetResult();
            Assert.Equal("alpha", new StreamReader(get.ResponseStream).ReadToEnd());
        }

        foreach (var file in Directory.EnumerateFiles(tp.StateDir, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(CephServer.SecretKey, File.ReadAllText(file), StringComparison.Ordinal);
        }

        using var tp2 = new AdapterTestPair();
        var missing = new PairSpec(tp2.Source, "s3://no-such-bucket-ps/p")
        {
            Credential = Cred(CephServer.AccessKey, CephServer.SecretKey),
            S3Endpoint = _bucket.Server.Endpoint,
            StatePath = tp2.StateDir,
        }.Build();
        var failed = new FakeHost();
        using (var pipeline = new SyncPipeline(failed))
        {
            try
            {
                pipeline.Sync(missing);
            }
            catch (SyncEngineException ex)
            {
                failed.Errors.Add(ErrorMapping.FromException(ex)!);
            }
        }

        var record = Assert.Single(failed.Errors);
        Assert.Equal("SyncS3BucketNotFound", record.ErrorId);
        Assert.Equal(PsErrorCategory.ObjectNotFound, record.Category);
    }
}
