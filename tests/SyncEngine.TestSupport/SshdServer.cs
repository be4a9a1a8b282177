using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace SyncEngine.TestSupport;

/// <summary>
/// A real OpenSSH server for tests, started by the test run itself: <c>/usr/sbin/sshd -D</c> on 127.0.0.1 and a free
/// high port, with its own sshd_config, host key, client key pair, authorized_keys, pid file and log under a temporary
/// folder (<c>Subsystem sftp internal-sftp</c>, <c>UsePAM no</c>, key login only). The system's sshd and its
/// configuration are never touched. Where <c>/usr/sbin/sshd</c> is missing it is installed with apt-get
/// (<c>openssh-server</c>) when running as root; when that is not possible <see cref="SkipReason"/> says why, and the
/// tests skip with it. Works as root (CI) and as a normal user (then only that user can log in, which is the one the
/// tests use). Use it as an xunit class fixture: one server for every test of a class.
/// </summary>
public sealed class SshdServer : IDisposable
{
    private const string Sshd = "/usr/sbin/sshd";
    private static readonly object InstallGate = new();
    private static string? _installProblem;
    private static bool _installTried;
    private readonly string? _password;
    private readonly bool _withoutPermissionOverride;
    private readonly bool _sftpOnly;
    private Process? _process;

    /// <summary>A server with password login for <see cref="User"/> besides key login (<see cref="SshdServer(string?, bool)"/>).</summary>
    public static SshdServer WithPassword(string password) => new(password ?? throw new ArgumentNullException(nameof(password)), withoutPermissionOverride: false);

    /// <summary>Starts a server, or records why it cannot (<see cref="SkipReason"/>).</summary>
    public SshdServer()
        : this(null, withoutPermissionOverride: false)
    {
    }

    /// <summary>
    /// Starts a server, or records why it cannot. With <paramref name="password"/> it also takes that password for
    /// <see cref="User"/> (password login): sshd (<c>UsePAM no</c>) checks passwords against <c>/etc/shadow</c>, so the
    /// server is started in a private mount namespace (<c>unshare -m</c>, root only) where a copy of it with this
    /// password is bound over <c>/etc/shadow</c>, and no account of the system is changed. With
    /// <paramref name="withoutPermissionOverride"/> and when running as root, sshd (and so every session) runs without
    /// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (through util-linux's <c>setpriv</c>), so a file's mode binds a root
    /// login as it binds any other user: <c>chmod 000</c> makes a file unreadable over SFTP. Not public: an xunit class
    /// fixture has one public constructor (<see cref="SshdServerWithoutPermissionOverride"/>).
    /// </summary>
    internal SshdServer(string? password, bool withoutPermissionOverride, bool sftpOnly = false)
    {
        _sftpOnly = sftpOnly;
        _password = password;
        _withoutPermissionOverride = withoutPermissionOverride;
        Folder = Path.Combine(Path.GetTempPath(), "se-sshd-" + Guid.NewGuid().ToString("N").Substring(0, 10));
        try
        {
            SkipReason = Start();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
        {
            SkipReason = "the test sshd could not be started: " + ex.Message;
        }

        if (SkipReason is not null)
        {
            Dispose();
        }
    }

    /// <summary>Why no server runs here (tests skip with it), or null when it runs.</summary>
    public string? SkipReason { get; }

    /// <summary>The temporary folder holding the server's files (and usable for the tests' remote roots).</summary>
    public string Folder { get; }

    /// <summary>The address the server listens on.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The user to log in as: the one running the tests.</summary>
    public string User { get; } = Environment.UserName;

    /// <summary>The client's private key (ed25519, OpenSSH format, no passphrase), listed in authorized_keys.</summary>
    public string ClientKeyPath => Path.Combine(Folder, "client_ed25519");

    /// <summary>A second client key, not in authorized_keys (login with it is refused).</summary>
    public string UnauthorizedKeyPath => Path.Combine(Folder, "stranger_ed25519");

    /// <summary>The server's host key as a known_hosts key field: <c>ssh-ed25519 AAAA…</c>.</summary>
    public string HostPublicKey { get; private set; } = "";

    /// <summary>The host key's SHA256 fingerprint as OpenSSH prints it, without the "SHA256:" prefix or padding.</summary>
    public string HostKeyFingerprint { get; private set; } = "";

    /// <summary>A known_hosts file holding the server's host key under <c>[127.0.0.1]:port</c>.</summary>
    public string KnownHostsPath => Path.Combine(Folder, "known_hosts");

    /// <summary>The server's log (what it said when a login failed).</summary>
    public string LogPath => Path.Combine(Folder, "sshd.log");

    /// <summary>The known_hosts host field for this server: <c>[127.0.0.1]:port</c>.</summary>
    public string KnownHostsName => string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}");

    /// <summary>Makes a fresh folder under <see cref="Folder"/> for one test's remote root and returns its path.</summary>
    public string NewRemoteFolder()
    {
        var path = Path.Combine(Folder, "roots", Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Stops the server (and its per-connection children) and removes its folder.</summary>
    public void Dispose()
    {
        Stop();
        try
        {
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Kills the server, leaving its folder (a test may restart it with <see cref="Restart"/>).</summary>
    public void Stop()
    {
        var process = Interlocked.Exchange(ref _process, null);
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }

        process.Dispose();
    }

    /// <summary>Starts the server again on the same port with the same keys (after <see cref="Stop"/>).</summary>
    public void Restart()
    {
        Stop();
        var problem = Launch(Port);
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }
    }

    private string? Start()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            return "the test sshd runs on Linux only";
        }

        var missing = EnsureInstalled();
        if (missing is not null)
        {
            return missing;
        }

        if (Which("ssh-keygen") is null)
        {
            return "ssh-keygen is not installed (apt-get install -y openssh-client)";
        }

        if (_withoutPermissionOverride && IsRoot() && Which("setpriv") is null)
        {
            return "setpriv is not installed (apt-get install -y util-linux), so a root sshd cannot be started without CAP_DAC_OVERRIDE";
        }

        Directory.CreateDirectory(Folder);
        Keygen(Path.Combine(Folder, "ssh_host_ed25519_key"), "test sshd host key");
        Keygen(ClientKeyPath, "syncengine test client");
        Keygen(UnauthorizedKeyPath, "syncengine test stranger");
        File.Copy(ClientKeyPath + ".pub", Path.Combine(Folder, "authorized_keys"));

        var pub = File.ReadAllText(Path.Combine(Folder, "ssh_host_ed25519_key.pub")).Trim().Split(' ');
        HostPublicKey = pub[0] + " " + pub[1];
        HostKeyFingerprint = FingerprintOf(pub[1]);

        if (_password is not null)
        {
            var passwordProblem = PreparePasswordLogin();
            if (passwordProblem is not null)
            {
                return passwordProblem;
            }
        }

        if (IsRoot())
        {
            // The privilege-separation folder sshd insists on when started as root (harmless if it exists).
            Directory.CreateDirectory("/run/sshd");
        }

        string? problem = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            problem = Launch(FreePort());
            if (problem is null)
            {
                File.WriteAllText(KnownHostsPath, KnownHostsName + " " + HostPublicKey + "\n");
                return LoginProblem();
            }
        }

        return problem;
    }

    /// <summary>
    /// Logs in once with OpenSSH's own client (when installed) and says why the server refuses the user, if it does:
    /// with <c>UsePAM no</c> sshd refuses an account whose password is locked (as <c>nobody</c>'s is), and the tests
    /// then skip with sshd's reason rather than fail.
    /// </summary>
    private string? LoginProblem()
    {
        if (Which("ssh") is null)
        {
            return null;
        }

        var (code, output) = Run("ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + KnownHostsPath,
            "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=20", "-i", ClientKeyPath, "-p", Port.ToString(CultureInfo.InvariantCulture), "-s", User + "@" + Host, "sftp");
        if (code == 0)
        {
            return null;
        }

        var said = File.Exists(LogPath)
            ? string.Join("; ", File.ReadAllLines(LogPath).Where(l => l.Contains("not allowed", StringComparison.Ordinal) || l.Contains("refused", StringComparison.OrdinalIgnoreCase)))
            : "";
        return $"the test sshd refuses user '{User}' ({(said.Length > 0 ? said : output.Trim())})";
    }

    private string ShadowCopyPath => Path.Combine(Folder, "shadow");

    /// <summary>
    /// Writes a copy of <c>/etc/shadow</c> in which <see cref="User"/>'s password is the given one (hashed with
    /// <c>openssl passwd -6</c>); the reason when password login cannot be set up here.
    /// </summary>
    private string? PreparePasswordLogin()
    {
        if (!IsRoot())
        {
            return "password login needs root: the test sshd gets its own /etc/shadow in a private mount namespace";
        }

        if (Which("unshare") is null || Which("openssl") is null || !File.Exists("/etc/shadow"))
        {
            return "password login needs unshare, openssl and /etc/shadow";
        }

        var (code, hash) = Run("openssl", "passwd", "-6", "-salt", "syncenginetest", _password!);
        if (code != 0)
        {
            return "openssl passwd failed: " + hash.Trim();
        }

        var found = false;
        var lines = File.ReadAllLines("/etc/shadow").Select(line =>
        {
            var fields = line.Split(':');
            if (fields.Length < 2 || fields[0] != User)
            {
                return line;
            }

            found = true;
            fields[1] = hash.Trim();
            return string.Join(":", fields);
        }).ToList();
        if (!found)
        {
            return $"user '{User}' is not in /etc/shadow";
        }

        File.WriteAllLines(ShadowCopyPath, lines);
        var (probe, said) = Run("unshare", "-m", "sh", "-c", "mount --bind \"$0\" /etc/shadow", ShadowCopyPath);
        return probe == 0 ? null : "a private mount namespace is not possible here (unshare -m, mount --bind): " + said.Trim();
    }

    /// <summary>The SHA256 fingerprint of a base64 key blob, as OpenSSH prints it (base64, no padding).</summary>
    public static string FingerprintOf(string base64Blob)
    {
        using var sha = SHA256.Create();
        return Convert.ToBase64String(sha.ComputeHash(Convert.FromBase64String(base64Blob))).TrimEnd('=');
    }

    private string? Launch(int port)
    {
        Port = port;
        var config = Path.Combine(Folder, "sshd_config");
        var lines = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"ListenAddress {Host}")
            .AppendLine(CultureInfo.InvariantCulture, $"Port {port}")
            .AppendLine(CultureInfo.InvariantCulture, $"HostKey {Path.Combine(Folder, "ssh_host_ed25519_key")}")
            .AppendLine(CultureInfo.InvariantCulture, $"PidFile {Path.Combine(Folder, "sshd.pid")}")
            .AppendLine(CultureInfo.InvariantCulture, $"AuthorizedKeysFile {Path.Combine(Folder, "authorized_keys")}")
            .AppendLine(_password is null ? "PermitRootLogin prohibit-password" : "PermitRootLogin yes")
            .AppendLine("PubkeyAuthentication yes")
            .AppendLine(_password is null ? "PasswordAuthentication no" : "PasswordAuthentication yes")
            .AppendLine("KbdInteractiveAuthentication no")
            .AppendLine("UsePAM no")
            .AppendLine("StrictModes no")
            .AppendLine("PrintMotd no")
            .AppendLine("MaxStartups 64")
            .AppendLine("MaxSessions 32")
            .AppendLine("LogLevel VERBOSE")
            .AppendLine("Subsystem sftp internal-sftp");
        if (_sftpOnly)
        {
            // SFTP only: an exec request runs internal-sftp too, never the command asked for.
            lines.AppendLine("ForceCommand internal-sftp");
        }

        File.WriteAllText(config, lines.ToString());

        // With a password: unshare and sh exec into sshd (same process), after binding the shadow copy in a mount
        // namespace of its own. Without the permission override: setpriv execs sshd (same process, so Stop holds).
        var dropPermissionOverride = _withoutPermissionOverride && IsRoot();
        if (_password is not null && dropPermissionOverride)
        {
            throw new InvalidOperationException("a password server without the permission override is not supported by this fixture");
        }

        var start = new ProcessStartInfo(_password is not null ? "unshare" : dropPermissionOverride ? Which("setpriv")! : Sshd)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        var args = _password is not null
            ? new[] { "-m", "sh", "-c", "mount --bind \"$0\" /etc/shadow && exec \"$1\" -D -f \"$2\" -E \"$3\"", ShadowCopyPath, Sshd, config, LogPath }
            : dropPermissionOverride
                ? new[] { "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps", "-dac_override,-dac_read_search", Sshd, "-D", "-f", config, "-E", LogPath }
                : new[] { "-D", "-f", config, "-E", LogPath };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Sshd} did not start");
        process.StandardInput.Close();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                var log = File.Exists(LogPath) ? File.ReadAllText(LogPath).Trim() : "";
                var code = process.ExitCode;
                process.Dispose();
                return $"{Sshd} exited with {code}: {log}";
            }

            if (Accepts(port))
            {
                _process = process;
                return null;
            }

            Thread.Sleep(20);
        }

        process.Kill(entireProcessTree: true);
        process.Dispose();
        return $"{Sshd} did not accept connections on {Host}:{port} within 20 s";
    }

    private bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Parse(Host), port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void Keygen(string path, string comment)
    {
        var (code, output) = Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path);
        if (code != 0)
        {
            throw new IOException($"ssh-keygen failed ({code}): {output}");
        }
    }

    /// <summary>Installs openssh-server once per test process when sshd is missing; the reason when it cannot.</summary>
    private static string? EnsureInstalled()
    {
        lock (InstallGate)
        {
            if (File.Exists(Sshd))
            {
                return null;
            }

            if (_installTried)
            {
                return _installProblem;
            }

            _installTried = true;
            if (!IsRoot())
            {
                _installProblem = $"{Sshd} is missing and installing openssh-server needs root";
                return _installProblem;
            }

            if (Which("apt-get") is null)
            {
                _installProblem = $"{Sshd} is missing and there is no apt-get to install openssh-server";
                return _installProblem;
            }

            var (code, output) = Run("apt-get", "install", "-y", "-q", "openssh-server");
            if (code != 0 || !File.Exists(Sshd))
            {
                Run("apt-get", "update", "-q");
                (code, output) = Run("apt-get", "install", "-y", "-q", "openssh-server");
            }

            _installProblem = code == 0 && File.Exists(Sshd) ? null : $"{Sshd} is missing and 'apt-get install openssh-server' failed ({code}): {Tail(output)}";
            return _installProblem;
        }
    }

    private static string Tail(string text) => text.Length > 400 ? text.Substring(text.Length - 400) : text;

    private static bool IsRoot() => string.Equals(Environment.UserName, "root", StringComparison.Ordinal);

    private static (int Code, string Output) Run(string file, params string[] args) => ToolProcess.Run(file, args);

    private static string? Which(string tool) => ToolProcess.Which(tool);
}

/// <summary>
/// An xunit class fixture: a <see cref="SshdServer"/> whose logins, root's included, are refused what a file's mode
/// denies (sshd runs without CAP_DAC_OVERRIDE when the tests run as root).
/// </summary>
public sealed class SshdServerWithoutPermissionOverride : IDisposable
{
    /// <summary>The server.</summary>
    public SshdServer Server { get; } = new(null, withoutPermissionOverride: true);

    /// <summary>Stops the server.</summary>
    public void Dispose() => Server.Dispose();
}

/// <summary>
/// An xunit class fixture: a <see cref="SshdServer"/> that gives SFTP only (<c>ForceCommand internal-sftp</c>): no
/// command runs through an exec channel, as on a server without a shell.
/// </summary>
public sealed class SshdServerWithoutShell : IDisposable
{
    /// <summary>The server.</summary>
    public SshdServer Server { get; } = new(null, withoutPermissionOverride: false, sftpOnly: true);

    /// <summary>Stops the server.</summary>
    public void Dispose() => Server.Dispose();
}
