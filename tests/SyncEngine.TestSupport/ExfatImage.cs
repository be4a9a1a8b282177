using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;

namespace SyncEngine.TestSupport;

/// <summary>
/// A real case-insensitive filesystem for tests: a 64 MiB exFAT image on a loop device, mounted with exfat-fuse at a
/// temporary folder. Needs Linux, root, <c>/dev/fuse</c> and the tools (<c>apt-get install -y exfat-fuse exfatprogs</c>);
/// <see cref="TryMount"/> says which one is missing, so the test can skip with that reason.
/// </summary>
public sealed class ExfatImage : IDisposable
{
    private readonly string _folder;
    private readonly string _image;
    private readonly string _loop;
    private bool _mounted;

    private ExfatImage(string folder, string image, string loop, string mountPoint)
    {
        _folder = folder;
        _image = image;
        _loop = loop;
        MountPoint = mountPoint;
        _mounted = true;
    }

    /// <summary>The mounted filesystem's root.</summary>
    public string MountPoint { get; }

    /// <summary>Makes and mounts an image; null with the reason when this machine cannot.</summary>
    public static ExfatImage? TryMount(out string reason)
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
        {
            reason = "exFAT images are mounted with exfat-fuse on Linux only";
            return null;
        }

        if (!File.Exists("/dev/fuse"))
        {
            reason = "/dev/fuse does not exist here (no FUSE)";
            return null;
        }

        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            reason = "mounting a loop device needs root";
            return null;
        }

        foreach (var tool in new[] { "mkfs.exfat", "mount.exfat-fuse", "losetup", "umount" })
        {
            if (Which(tool) is null)
            {
                reason = $"'{tool}' is not installed (apt-get install -y exfat-fuse exfatprogs)";
                return null;
            }
        }

        var folder = Path.Combine(Path.GetTempPath(), "se-exfat-" + Guid.NewGuid().ToString("N").Substring(0, 10));
        var image = Path.Combine(folder, "image");
        var mountPoint = Path.Combine(folder, "mnt");
        Directory.CreateDirectory(mountPoint);
        using (var fs = new FileStream(image, FileMode.CreateNew))
        {
            fs.SetLength(64L * 1024 * 1024);
        }

        string? loop = null;
        if (Run("mkfs.exfat", "\"" + image + "\"", out var output) != 0
            || Run("losetup", "-f --show \"" + image + "\"", out loop) != 0
            || Run("mount.exfat-fuse", "\"" + loop.Trim() + "\" \"" + mountPoint + "\"", out output) != 0)
        {
            reason = "could not make or mount an exFAT image: " + output.Trim() + (loop is null ? "" : " " + loop.Trim());
            if (!string.IsNullOrWhiteSpace(loop) && loop.StartsWith("/dev/", StringComparison.Ordinal))
            {
                Run("losetup", "-d " + loop.Trim(), out _);
            }

            Directory.Delete(folder, recursive: true);
            return null;
        }

        reason = "";
        return new ExfatImage(folder, image, loop.Trim(), mountPoint);
    }

    /// <summary>A new empty folder on the filesystem.</summary>
    public string NewFolder(string name)
    {
        var path = Path.Combine(MountPoint, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_mounted)
        {
            _mounted = false;
            Run("umount", "\"" + MountPoint + "\"", out _);
            Run("losetup", "-d " + _loop, out _);
        }

        try
        {
            File.Delete(_image);
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // still mounted (busy): left in the temporary folder
        }
    }

    private static string? Which(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") + ":/usr/sbin:/sbin").Split(':'))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, tool)))
            {
                return Path.Combine(dir, tool);
            }
        }

        return null;
    }

    private static int Run(string tool, string arguments, out string output)
    {
        var start = new ProcessStartInfo(Which(tool) ?? tool, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        output = stdout.Result + stderr;
        return p.ExitCode;
    }
}
