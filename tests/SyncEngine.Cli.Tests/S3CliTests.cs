using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Amazon.S3.Model;

namespace SyncEngine.Cli.Tests;

/// <summary>The CLI with an s3:// side on the test Ceph RGW: credentials from the environment (the SDK's chain), the endpoint from an option or the environment.</summary>
public sealed class S3CliTests : IClassFixture<CephBucket>, IDisposable
{
    private const string WrongSecret = "Wrong-S3cr3t-Sync3ngine-9d1f";
    private readonly CephBucket _bucket;
    private readonly CliHarness _h = new();

    public S3CliTests(CephBucket bucket)
    {
        _bucket = bucket;
    }

    public void Dispose() => _h.Dispose();

    private Dictionary<string, string> Env(string? secret = null, bool endpointFromEnvironment = true)
    {
        var env = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = CephServer.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = secret ?? CephServer.SecretKey,
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_h.StateDir, "no-credentials-file"),
            ["AWS_CONFIG_FILE"] = Path.Combine(_h.StateDir, "no-config-file"),
            ["AWS_PROFILE"] = "",
            ["AWS_ENDPOINT_URL"] = "",
            ["AWS_ENDPOINT_URL_S3"] = endpointFromEnvironment ? _bucket.Server.Endpoint : "",
        };
        return env;
    }

    private CliResult Run(Dictionary<string, string> env, params string[] args) => CliHarness.RunProcess(_h.Source, env, args);

    private List<S3Object> Objects(string bucket, string prefix)
    {
        using var client = _bucket.Server.Client();
        return client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix + "/" }).GetAwaiter().GetResult().S3Objects ?? new List<S3Object>();
    }

    [SkippableFact]
    public void A_sync_to_s3_uploads_with_the_time_and_a_second_run_has_nothing_to_do()
    {
        Skip.If(_bucket.SkipReason is not null, _bucket.SkipReason);
        var prefix = _bucket.NewPrefix();
        File.WriteAllText(Path.Combine(_h.Source, "a.txt"), "alpha");
        Directory.CreateDirectory(Path.Combine(_h.Source, "docs"));
        File.WriteAllText(Path.Combine(_h.Source, "docs", "b.txt"), "beta");
        var when = new DateTime(2024, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(_h.Source, "a.txt"), when);
        var root = $"s3://{_bucket.Name}/{prefix}";

        var first = Run(Env(), "sync", _h.Source, root, "--state-dir", _h.StateDir);
        Assert.True(first.ExitCode == 0, first.Err + first.Out);
        Assert.Equal(new[] { prefix + "/a.txt", prefix + "/docs/b.txt" }, Objects(_bucket.Name, prefix).Select(o => o.Key).OrderBy(k => k, StringComparer.Ordinal));
        using (var client = _bucket.Server.Client())
        {
            var head = client.GetObjectMetadataAsync(_bucket.Name, prefix + "/a.txt").GetAwaiter().GetResult();
            Assert.Equal("1704164645.678000000", head.Metadata["x-amz-meta-mtime"]);
        }

        var second = Run(Env(), "sync", _h.Source, root, "--state-dir", _h.StateDir);
        Assert.Equal(0, second.ExitCode);
        Assert.StartsWith("0 succeeded", second.Out.Trim(), StringComparison.Ordinal);

        // The endpoint from the option instead of the environment.
        var plan = Run(Env(endpointFromEnvironment: false), "plan", _h.Source, root, "--state-dir", _h.StateDir, "--s3-endpoint", _bucket.Server.Endpoint, "--s3-region", "us-east-1");
        Assert.True(plan.ExitCode == 0, plan.Err);
    }

    [SkippableFact]
    public void A_missing_bucket_is_exit_2_and_nothing_is_written()
    {
        Skip.If(_bucket.SkipReason is not null, _bucket.SkipReason);
        File.WriteAllText(Path.Combine(_h.Source, "a.txt"), "alpha");
        var r = Run(Env(), "sync", _h.Source, "s3://no-such-bucket-here/p", "--state-dir", _h.StateDir);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("SyncS3BucketNotFound", r.Err, StringComparison.Ordinal);
        Assert.Contains("no-such-bucket-here", r.Err, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Refused_credentials_are_exit_2_without_the_secret_anywhere()
    {
        Skip.If(_bucket.SkipReason is not null, _bucket.SkipReason);
        var prefix = _bucket.NewPrefix();
        File.WriteAllText(Path.Combine(_h.Source, "a.txt"), "alpha");
        var r = Run(Env(WrongSecret), "sync", _h.Source, $"s3://{_bucket.Name}/{prefix}", "--state-dir", _h.StateDir, "--json");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("SyncS3CredentialsRefused", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongSecret, r.Err + r.Out, StringComparison.Ordinal);
        foreach (var file in Directory.Exists(_h.StateDir) ? Directory.EnumerateFiles(_h.StateDir, "*", SearchOption.AllDirectories) : Enumerable.Empty<string>())
        {
            Assert.DoesNotContain(WrongSecret, File.ReadAllText(file), StringComparison.Ordinal);
        }

        Assert.Empty(Objects(_bucket.Name, prefix));
    }

    [SkippableFact]
    public void An_unreachable_endpoint_is_exit_2()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var env = Env(endpointFromEnvironment: false);
        var r = Run(env, "plan", _h.Source, "s3://bucket/p", "--state-dir", _h.StateDir, "--s3-endpoint", $"http://127.0.0.1:{port}");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("SyncS3ConnectFailed", r.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--s3-endpoint", "http://127.0.0.1:1")]
    [InlineData("--s3-region", "us-east-1")]
    public void An_s3_option_without_an_s3_side_is_exit_2(string option, string value)
    {
        var r = CliHarness.Run("plan", _h.Source, _h.Destination, "--state-dir", _h.StateDir, option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(option, r.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--s3-secret-key=abc")]
    [InlineData("--aws-secret-access-key")]
    public void There_is_no_option_for_a_secret(string arg)
    {
        var r = CliHarness.Run("plan", _h.Source, "s3://bucket/p", arg);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("AWS_SECRET_ACCESS_KEY", r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("abc", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_endpoint_is_exit_2()
    {
        var r = CliHarness.Run("plan", _h.Source, "s3://bucket/p", "--state-dir", _h.StateDir, "--s3-endpoint", "ftp://x");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("SyncS3OptionsInvalid", r.Err, StringComparison.Ordinal);
    }
}
