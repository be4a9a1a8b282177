using System.Collections.Generic;
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using SyncEngine.Storage.S3;

namespace SyncEngine.TestSupport;

/// <summary>
/// A real Ceph RADOS Gateway for tests, started by the test run itself: a single-node cluster (mon, a memstore OSD,
/// radosgw, no cephx) under a temporary folder with its own <c>ceph.conf</c>, on 127.0.0.1 and free ports, by the
/// project's <c>../shared/servers/start-ceph.sh</c> (found beside the repository, or where
/// <c>SYNCENGINE_CEPH_SCRIPTS</c> says). Where the Ceph packages are missing they are installed with apt-get when
/// running as root; when that is not possible <see cref="SkipReason"/> says why and the tests skip with it.
/// </summary>
/// <remarks>
/// Starting a cluster takes about 20 s (with its first request), so the classes share one per test process
/// (<see cref="Shared"/>), each with a bucket of its own (<see cref="CephBucket"/>); tests that stop the gateway get
/// a cluster of their own (<see cref="CephOwnServer"/>). A shared cluster is stopped when the test process exits.
/// </remarks>
public sealed class CephServer : IDisposable
{
    /// <summary>The access key of the test user.</summary>
    public const string AccessKey = "TESTACCESSKEY";

    /// <summary>The secret of the test user.</summary>
    public const string SecretKey = "TESTSECRETKEY0123456789";

    private static readonly object InstallGate = new();
    private static readonly Lazy<CephServer> SharedServer = new(() =>
    {
        var server = new CephServer();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string? _installProblem;
    private static bool _installTried;
    private string? _scripts;
    private int _bucketCounter;

    /// <summary>The cluster every class shares (started on first use).</summary>
    public static CephServer Shared => SharedServer.Value;

    /// <summary>Starts a cluster, or records why it cannot (<see cref="SkipReason"/>).</summary>
    public CephServer()
    {
        Folder = Path.Combine(Path.GetTempPath(), "se-ceph-" + Guid.NewGuid().ToString("N").Substring(0, 10));
        try
        {
            SkipReason = Start();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.ComponentModel.Win32Exception or UnauthorizedAccessException or AmazonServiceException or AmazonClientException)
        {
            SkipReason = "the test Ceph cluster could not be started: " + ex.Message;
        }

        if (SkipReason is not null)
        {
            Dispose();
        }
    }

    /// <summary>Why no gateway runs here (tests skip with it), or null when it runs.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>The cluster's folder (config, logs, data).</summary>
    public string Folder { get; }

    /// <summary>The gateway's S3 port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>The gateway's URL.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}");

    /// <summary>The test user's credentials.</summary>
    public static AWSCredentials Credentials => new BasicAWSCredentials(AccessKey, SecretKey);

    /// <summary>Options for a provider on this gateway (path style, us-east-1, fast retries).</summary>
    public S3ConnectionOptions Options(long? multipartThreshold = null, long? partSize = null, int retries = 2) => new()
    {
        Endpoint = Endpoint,
        Region = "us-east-1",
        MultipartThreshold = multipartThreshold ?? S3ConnectionOptions.DefaultMultipartThreshold,
        PartSize = partSize ?? S3ConnectionOptions.DefaultPartSize,
        Retries = retries,
        RetryDelay = TimeSpan.FromMilliseconds(200),
        RequestTimeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>A plain SDK client for shaping and reading buckets in tests.</summary>
    public AmazonS3Client Client() => new(Credentials, new AmazonS3Config
    {
        ServiceURL = Endpoint,
        AuthenticationRegion = "us-east-1",
        ForcePathStyle = true,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        IgnoreConfiguredEndpointUrls = true,
        Timeout = TimeSpan.FromSeconds(60),
    });

    /// <summary>Makes a new, empty bucket and returns its name.</summary>
    public string NewBucket(string stem = "t")
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{stem}-{Guid.NewGuid().ToString("N").Substring(0, 8)}-{Interlocked.Increment(ref _bucketCounter)}");
        using var client = Client();
        client.PutBucketAsync(new PutBucketRequest { BucketName = name }).GetAwaiter().GetResult();
        return name;
    }

    /// <summary>A provider on a bucket (and prefix) of this gateway.</summary>
    public S3StorageProvider Provider(string bucket, string prefix = "", S3ConnectionOptions? options = null)
    {
        Skip.If(SkipReason is not null, SkipReason);
        return new S3StorageProvider(options ?? Options(), bucket, prefix, Credentials);
    }

    /// <summary>Stops the gateway only (the cluster keeps its data): a store that went away.</summary>
    public void StopGateway() => Kill("client.rgw.a");

    /// <summary>Starts the gateway again on the same port (after <see cref="StopGateway"/>), waiting until it answers.</summary>
    public void StartGateway()
    {
        var (code, output) = RunTool("radosgw", "-c", Path.Combine(Folder, "ceph.conf"), "-n", "client.rgw.a");
        if (code != 0)
        {
            throw new InvalidOperationException($"radosgw did not start again ({code}): {output}");
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !Answers())
        {
            Thread.Sleep(100);
        }
    }

    private void Kill(string name)
    {
        var pidFile = Path.Combine(Folder, "run", name + ".pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            process.WaitForExit(20_000);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    /// <summary>Stops the cluster and removes its folder.</summary>
    public void Dispose()
    {
        if (_scripts is not null && Directory.Exists(Folder))
        {
            RunScript("bash", null, Path.Combine(_scripts, "stop-ceph.sh"));
        }

        for (var attempt = 0; attempt < 5 && Directory.Exists(Folder); attempt++)
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(200); // a daemon still closing its log
            }
        }
    }

    private string? Start()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            return "the test Ceph cluster runs on Linux only";
        }

        _scripts = FindScripts();
        if (_scripts is null)
        {
            return "start-ceph.sh was not found (../shared/servers beside the repository, or SYNCENGINE_CEPH_SCRIPTS)";
        }

        var missing = EnsureInstalled();
        if (missing is not null)
        {
            _scripts = null;
            return missing;
        }

        string? problem = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Port = FreePort();
            var (code, output) = RunScript("bash", (Port, FreePort(), FreePort()), Path.Combine(_scripts, "start-ceph.sh"));
            if (code == 0 && Answers())
            {
                return FirstRequest();
            }

            problem = $"start-ceph.sh failed ({code}): {Tail(output)}";
            RunScript("bash", null, Path.Combine(_scripts, "stop-ceph.sh"));
        }

        _scripts = null;
        return problem;
    }

    /// <summary>The first request creates the gateway's pools (several seconds): done here, not in a test.</summary>
    private string? FirstRequest()
    {
        using var client = Client();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                client.ListBucketsAsync().GetAwaiter().GetResult();
                return null;
            }
            catch (Exception ex) when ((ex is AmazonServiceException or AmazonClientException or System.Net.Http.HttpRequestException) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(500);
            }
        }
    }

    private bool Answers()
    {
        try
        {
            using var tcp = new TcpClient();
            tcp.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string? FindScripts()
    {
        var configured = Environment.GetEnvironmentVariable("SYNCENGINE_CEPH_SCRIPTS");
        if (!string.IsNullOrEmpty(configured) && File.Exists(Path.Combine(configured, "start-ceph.sh")))
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SyncEngine.PowerShell.sln")))
            {
                var candidate = Path.Combine(dir.FullName, "..", "shared", "servers");
                return File.Exists(Path.Combine(candidate, "start-ceph.sh")) ? Path.GetFullPath(candidate) : null;
            }
        }

        return null;
    }

    private static readonly string[] Packages = { "ceph-mon", "ceph-osd", "radosgw", "ceph-common" };

    /// <summary>Installs the Ceph packages once per test process when radosgw is missing; the reason when it cannot.</summary>
    private static string? EnsureInstalled()
    {
        lock (InstallGate)
        {
            if (Which("radosgw") is not null && Which("ceph-mon") is not null && Which("ceph-osd") is not null && Which("monmaptool") is not null)
            {
                return null;
            }

            if (_installTried)
            {
                return _installProblem;
            }

            _installTried = true;
            if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
            {
                return _installProblem = "radosgw is missing and installing the Ceph packages needs root";
            }

            if (Which("apt-get") is null)
            {
                return _installProblem = "radosgw is missing and there is no apt-get to install the Ceph packages";
            }

            var args = new[] { "install", "-y", "-q", "--no-install-recommends" };
            var (code, output) = RunTool("apt-get", Concat(args, Packages));
            if (code != 0 || Which("radosgw") is null)
            {
                RunTool("apt-get", "update", "-q");
                (code, output) = RunTool("apt-get", Concat(args, Packages));
            }

            return _installProblem = code == 0 && Which("radosgw") is not null ? null : $"radosgw is missing and 'apt-get install {string.Join(" ", Packages)}' failed ({code}): {Tail(output)}";
        }
    }

    private static string[] Concat(string[] a, string[] b)
    {
        var all = new string[a.Length + b.Length];
        a.CopyTo(all, 0);
        b.CopyTo(all, a.Length);
        return all;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string Tail(string text) => text.Length > 600 ? text.Substring(text.Length - 600) : text;

    private (int Code, string Output) RunScript(string file, (int Rgw, int Mon, int MonV2)? ports, params string[] args)
    {
        var environment = new Dictionary<string, string> { ["D"] = Folder };
        if (ports is { } p)
        {
            environment["RGW_PORT"] = p.Rgw.ToString(CultureInfo.InvariantCulture);
            environment["MON_PORT"] = p.Mon.ToString(CultureInfo.InvariantCulture);
            environment["MON_V2"] = p.MonV2.ToString(CultureInfo.InvariantCulture);
        }

        return ToolProcess.Run(file, environment, args);
    }

    private static (int Code, string Output) RunTool(string file, params string[] args) => ToolProcess.Run(file, args);

    private static string? Which(string tool) => ToolProcess.Which(tool);
}

/// <summary>An xunit class fixture: a bucket of its own on the shared test cluster.</summary>
public sealed class CephBucket : IDisposable
{
    /// <summary>Makes the bucket (or records why the cluster cannot run).</summary>
    public CephBucket()
    {
        Server = CephServer.Shared;
        if (Server.SkipReason is null)
        {
            Name = Server.NewBucket("c");
        }
    }

    /// <summary>The cluster.</summary>
    public CephServer Server { get; }

    /// <summary>The bucket's name (empty when the cluster does not run).</summary>
    public string Name { get; } = "";

    /// <summary>Why the tests skip, or null.</summary>
    public string? SkipReason => Server.SkipReason;

    /// <summary>A new prefix in the bucket for one test's root.</summary>
    public string NewPrefix() => "r" + Guid.NewGuid().ToString("N").Substring(0, 8);

    /// <summary>Nothing to release: the shared cluster goes with the test process.</summary>
    public void Dispose()
    {
    }
}

/// <summary>An xunit class fixture: a cluster of its own (for tests that stop and start the gateway).</summary>
public sealed class CephOwnServer : IDisposable
{
    /// <summary>The cluster.</summary>
    public CephServer Server { get; } = new();

    /// <summary>Stops the cluster.</summary>
    public void Dispose() => Server.Dispose();
}
