using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using SyncEngine.Storage;
using SyncEngine.Storage.Sftp;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Sides built from provider specs (issue 11 items 1 and 5): the factory, pairs with a remote root (what they show,
/// how they validate, their ids and state folders) and the rules file of a remote source, read through its provider.
/// </summary>
public sealed class ProviderFactoryTests : IDisposable
{
    private const string Secret = "Pw-factory-4b2e";
    private readonly TestPair _p = new();

    public void Dispose() => _p.Dispose();

    [Fact]
    public void Open_LocalSpec_IsALocalProviderOnTheFolder()
    {
        using var provider = ProviderFactory.Open(ProviderSpec.Parse(_p.Source));

        var local = Assert.IsType<LocalStorageProvider>(provider);
        Assert.True(local.RootExists());
        Assert.Equal(_p.Source, local.Root);
    }

    [Fact]
    public void Open_SftpSpec_IsAnSftpProvider_WithTheSpecsServerAndTheSideOptions()
    {
        var options = new SideOptions { KeyFiles = new[] { "/keys/k1" }, KnownHostsFile = "/kh/known", AcceptNewHostKey = true, Password = Secret };

        using var provider = ProviderFactory.Open(ProviderSpec.Parse("sftp://backup@NAS:2222/srv/data"), options);

        var sftp = Assert.IsType<SftpStorageProvider>(provider);
        Assert.Equal("nas", sftp.Options.Host);
        Assert.Equal(2222, sftp.Options.Port);
        Assert.Equal("backup", sftp.Options.User);
        Assert.Equal(new[] { "/keys/k1" }, sftp.Options.PrivateKeyFiles);
        Assert.Equal("/kh/known", sftp.Options.KnownHostsFile);
        Assert.True(sftp.Options.AcceptNewHostKey);
        Assert.Equal("/srv/data", sftp.RemoteRoot);
        Assert.DoesNotContain(Secret, sftp.Root + sftp.Options, StringComparison.Ordinal);
    }

    [Fact]
    public void SftpOptions_Defaults_AreTheLocalUser_TheUsualKnownHosts_AndKeysOnlyWithoutAPassword()
    {
        var spec = ProviderSpec.Parse("sftp://[::1]/srv");

        var withoutPassword = ProviderFactory.SftpOptions(spec, SideOptions.Default);
        var withPassword = ProviderFactory.SftpOptions(spec, new SideOptions { Password = Secret });

        Assert.Equal("::1", withoutPassword.Host);
        Assert.Equal(22, withoutPassword.Port);
        Assert.Equal(Environment.UserName, withoutPassword.User);
        Assert.Equal(ProviderFactory.DefaultKnownHostsFile(), withoutPassword.KnownHostsFile);
        Assert.EndsWith(Path.Combine(".ssh", "known_hosts"), withoutPassword.KnownHostsFile, StringComparison.Ordinal);
        Assert.Equal(ProviderFactory.DefaultKeyFiles(), withoutPassword.PrivateKeyFiles);
        Assert.All(withoutPassword.PrivateKeyFiles, f => Assert.Contains(Path.GetFileName(f), ProviderFactory.DefaultKeyNames));
        Assert.Empty(withPassword.PrivateKeyFiles);
        Assert.False(withPassword.AcceptNewHostKey);
    }

    [Fact]
    public void Open_S3Spec_GivesAnS3Side_OnTheBucketAndPrefix_SendingNothing()
    {
        using var side = ProviderFactory.Open(ProviderSpec.Parse("s3://photos/2026/raw"), new SideOptions { S3Endpoint = "http://127.0.0.1:1" });

        var s3 = Assert.IsType<SyncEngine.Storage.S3.S3StorageProvider>(side);
        Assert.Equal("photos", s3.Bucket);
        Assert.Equal("2026/raw", s3.Prefix);
        Assert.Equal("s3://photos/2026/raw", s3.Root);
        Assert.Equal("http://127.0.0.1:1", s3.Options.Endpoint);
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void S3Options_TakeTheOptionFirst_ThenTheEnvironment_ThenTheDefaults()
    {
        var none = ProviderFactory.S3Options(SideOptions.Default, Env());
        Assert.Null(none.Endpoint);
        Assert.Equal("us-east-1", none.Region);
        Assert.Null(none.PathStyle);

        var env = ProviderFactory.S3Options(SideOptions.Default, Env(("AWS_ENDPOINT_URL", "http://general:9000/"), ("AWS_ENDPOINT_URL_S3", "https://s3only.example:8443"), ("AWS_REGION", "eu-west-3"), ("AWS_DEFAULT_REGION", "ap-south-1")));
        Assert.Equal("https://s3only.example:8443", env.Endpoint);
        Assert.Equal("eu-west-3", env.Region);

        var general = ProviderFactory.S3Options(SideOptions.Default, Env(("AWS_ENDPOINT_URL", "http://general:9000/"), ("AWS_DEFAULT_REGION", "ap-south-1")));
        Assert.Equal("http://general:9000", general.Endpoint);
        Assert.Equal("ap-south-1", general.Region);

        var given = ProviderFactory.S3Options(new SideOptions { S3Endpoint = "http://127.0.0.1:7480", S3Region = "moon-1", S3PathStyle = false }, Env(("AWS_ENDPOINT_URL_S3", "https://s3only.example"), ("AWS_REGION", "eu-west-3")));
        Assert.Equal("http://127.0.0.1:7480", given.Endpoint);
        Assert.Equal("moon-1", given.Region);
        Assert.False(given.PathStyle);
    }

    [Theory]
    [InlineData("ftp://host/")]
    [InlineData("not a url")]
    [InlineData("http://host/?x=1")]
    [InlineData("http://AKIA:secretvalue@host/")]
    public void S3Options_RefuseAMalformedEndpoint_WithoutEchoingAUserPart(string endpoint)
    {
        var ex = Assert.Throws<SyncEngineException>(() => ProviderFactory.S3Options(new SideOptions { S3Endpoint = endpoint }, Env()));

        Assert.Equal("SyncS3OptionsInvalid", ex.ErrorId);
        Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
        Assert.DoesNotContain("secretvalue", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void S3Options_RefuseAMalformedRegion()
    {
        Assert.Equal("SyncS3OptionsInvalid", Assert.Throws<SyncEngineException>(() => ProviderFactory.S3Options(new SideOptions { S3Region = "US East" }, Env())).ErrorId);
    }

    [Fact]
    public void SideOptions_ToString_SaysAnS3CredentialIsSet_NeverTheKeyOrSecret()
    {
        var text = new SideOptions { S3AccessKeyId = "AKIAEXAMPLEKEYID", Password = Secret, S3Endpoint = "http://e" }.ToString();

        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("AKIAEXAMPLEKEYID", text, StringComparison.Ordinal);
        Assert.Contains("s3 credential: set", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SideOptions_ToString_SaysAPasswordIsSet_NeverWhatItIs()
    {
        var text = new SideOptions { KeyFiles = new[] { "/k" }, Password = Secret }.ToString();

        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.Contains("password: set", text, StringComparison.Ordinal);
        Assert.Contains("/k", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Pair_WithAnSftpRoot_ShowsItsDisplayForm_AndIsIdentifiedBySpec()
    {
        var pair = new SyncPair(_p.Source, "sftp://Backup@NAS:22/my%20files/")
        {
            DestinationOptions = new SideOptions { Password = Secret },
        };

        Assert.Equal("sftp://Backup@nas/my files", pair.Destination);
        Assert.Equal(ProviderKind.Sftp, pair.DestinationSpec.Kind);
        Assert.Equal(SyncPair.ComputeId(ProviderSpec.Parse(_p.Source), ProviderSpec.Parse("sftp://nas/my%20files")), pair.Id);
        Assert.Equal(Path.Combine(SyncPair.StateRoot(), "pairs", pair.Id), pair.ResolvedStatePath);
        Assert.Equal(pair.Id, new SyncPair(ProviderSpec.Parse(_p.Source), ProviderSpec.Parse("sftp://other@nas/my%20files")).Id);
        Assert.DoesNotContain(Secret, pair.ToString(), StringComparison.Ordinal);
        Assert.Equal("sftp://Backup@nas/my files/.syncignore", new SyncPair("sftp://Backup@nas/my%20files", _p.Destination).ResolvedIgnoreFile);
    }

    [Fact]
    public void Validate_PairWithAnSftpDestination_ChecksTheLocalSourceOnly()
    {
        new SyncPair(_p.Source, "sftp://nas/srv/data") { StatePath = Path.Combine(_p.Root, "state") }.Validate();

        var missing = Assert.Throws<SyncEngineException>(() => new SyncPair(Path.Combine(_p.Root, "nope"), "sftp://nas/srv/data").Validate());
        Assert.Equal("SyncRootNotFound", missing.ErrorId);
    }

    [Fact]
    public void Validate_StateFolderInsideTheLocalRoot_IsRefused_AndAPathLikeTheRemoteOneIsNot()
    {
        var inside = Assert.Throws<SyncEngineException>(() =>
            new SyncPair(_p.Source, "sftp://nas/srv/data") { StatePath = Path.Combine(_p.Source, "state") }.Validate());
        var insideDestination = Assert.Throws<SyncEngineException>(() =>
            new SyncPair("sftp://nas/srv/data", _p.Destination) { StatePath = Path.Combine(_p.Destination, "state") }.Validate());

        Assert.Equal("SyncStateFolderInsideRoot", inside.ErrorId);
        Assert.Contains("source", inside.Message, StringComparison.Ordinal);
        Assert.Equal("SyncStateFolderInsideRoot", insideDestination.ErrorId);
        Assert.Contains("destination", insideDestination.Message, StringComparison.Ordinal);

        // The state folder is local: a local folder whose path reads like the server's is not inside the remote root.
        var likeRemote = Path.Combine(_p.Root, "srv", "data", "state");
        new SyncPair(_p.Source, "sftp://nas" + _p.Root.Replace('\\', '/') + "/srv/data") { StatePath = likeRemote }.Validate();
    }

    [Fact]
    public void Validate_TwoSftpRootsThatOverlap_AreRefused()
    {
        var ex = Assert.Throws<SyncEngineException>(() => new SyncPair("sftp://a@nas/srv", "sftp://b@nas/srv/sub").Validate());

        Assert.Equal("SyncRootsOverlap", ex.ErrorId);
    }

    [Fact]
    public void Validate_LocalPair_StillChecksAsBefore()
    {
        var ex = Assert.Throws<SyncEngineException>(() => new SyncPair(_p.Source, Path.Combine(_p.Source, "inner")).Validate());

        Assert.Equal("SyncRootsOverlap", ex.ErrorId);
    }

    [Fact]
    public void Plan_RemoteSource_ReadsItsIgnoreFileThroughTheSourceProvider()
    {
        // The pair names a remote source; the session's providers stand in for it (no server needed).
        var pair = new SyncPair("sftp://nas/srv/data", _p.Destination) { StatePath = _p.StateDir };
        using var src = new InMemoryStorageProvider("memory://src");
        using var dst = new LocalStorageProvider(_p.Destination);
        var t = new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        src.Put(".syncignore", Encoding.UTF8.GetBytes("*.tmp\nbuild/\n"), t);
        src.Put("keep.txt", Encoding.UTF8.GetBytes("keep"), t);
        src.Put("scratch.tmp", Encoding.UTF8.GetBytes("scratch"), t);
        src.Put("build/out.bin", Encoding.UTF8.GetBytes("out"), t);
        // A local file of that name beside the process must not count: the rules are the source's.
        File.WriteAllText(Path.Combine(_p.Root, ".syncignore"), "keep.txt\n");

        var plan = SyncPlanner.PlanWith(pair, src, dst, null, false, new List<string>(), new PlanOptions(), CancellationToken.None);

        Assert.Equal(new[] { ".syncignore", "keep.txt" }, plan.Actions.Select(a => a.RelativePath).OrderBy(p => p, StringComparer.Ordinal));
    }

    [Fact]
    public void Plan_RemoteSource_WithoutAnIgnoreFile_HasOnlyTheGivenPatterns()
    {
        var pair = new SyncPair("sftp://nas/srv/data", _p.Destination) { StatePath = _p.StateDir, IgnorePatterns = new[] { "*.log" } };
        using var src = new InMemoryStorageProvider("memory://src");
        using var dst = new LocalStorageProvider(_p.Destination);
        var t = new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        src.Put("a.txt", Encoding.UTF8.GetBytes("a"), t);
        src.Put("b.log", Encoding.UTF8.GetBytes("b"), t);

        var plan = SyncPlanner.PlanWith(pair, src, dst, null, false, new List<string>(), new PlanOptions(), CancellationToken.None);

        Assert.Equal(new[] { "a.txt" }, plan.Actions.Select(a => a.RelativePath));
    }

    [Fact]
    public void Plan_RemoteSource_ItsIgnoreFileIsNeverReplacedFromTheDestination()
    {
        // The rules file is kept on the side its rules are read from, as for a local source: a newer one on the
        // destination is a conflict, not a download over the source's.
        var pair = new SyncPair("sftp://nas/srv/data", _p.Destination) { StatePath = _p.StateDir };
        using var src = new InMemoryStorageProvider("memory://src");
        using var dst = new InMemoryStorageProvider("memory://dst");
        var t = new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        src.Put(".syncignore", Encoding.UTF8.GetBytes("*.tmp\n"), t);
        dst.Put(".syncignore", Encoding.UTF8.GetBytes("*.log\n"), t.AddMinutes(5));

        var plan = SyncPlanner.PlanWith(pair, src, dst, null, false, new List<string>(), new PlanOptions(), CancellationToken.None);

        var action = Assert.Single(plan.Actions);
        Assert.Equal(".syncignore", action.RelativePath);
        Assert.Equal(SyncActionType.Conflict, action.Action);
        Assert.Contains("rules file", action.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".syncengine/crypt-check.bin", "SyncCryptPasswordMissing", "--encrypt")]
    [InlineData(".syncengine/compressed", "SyncCompressOptionMissing", "--compress")]
    public void A_local_side_stored_encrypted_or_compressed_is_refused_when_opened_without_that_option(string marker, string errorId, string option)
    {
        _p.Write(SyncSide.Destination, marker, "marker");
        var spec = ProviderSpec.Parse(_p.Destination);

        var ex = Assert.Throws<SyncEngineException>(() => ProviderFactory.Open(spec));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Contains(option, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Opening_a_remote_side_without_at_rest_options_sends_nothing_even_to_check_for_markers()
    {
        using var stored = new InMemoryStorageProvider("memory://remote");
        stored.Put(".syncengine/compressed", new byte[] { 1 }, DateTime.UtcNow);
        var before = stored.StatCount;
        using var side = ProviderFactory.Decorate(stored, ProviderSpec.Parse("sftp://backup@nas.example/srv/data"), SideOptions.Default);
        Assert.Same(stored, side);
        Assert.Equal(before, stored.StatCount);
    }
}
