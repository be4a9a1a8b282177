using System;
using System.Diagnostics;
using System.IO;

namespace SyncEngine.Reliability.Tests.Infrastructure;

/// <summary>Host facilities some hostile-input tests need (Linux tools run as processes), with a reason when absent.</summary>
public static class Native
{
    public static bool IsLinux => OperatingSystem.IsLinux();

    /// <summary>Runs a program; returns (exit code, stdout+stderr). Exit -1 when the program cannot be started.</summary>
    public static (int Exit, string Output) Run(string file, params string[] args) => RunFor(TimeSpan.FromSeconds(60), file, args);

    /// <summary>Runs a program with a time limit.</summary>
    public static (int Exit, string Output) RunFor(TimeSpan limit, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        try
        {
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd() + stderr.GetAwaiter().GetResult();
            if (!p.WaitForExit((int)limit.TotalMilliseconds))
            {
                p.Kill();
                return (-1, file + " timed out");
            }

            return (p.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }

    /// <summary>Whether this process bypasses file permissions (root): chmod 000 then does not stop reads.</summary>
    public static bool PermissionsAreBypassed(string scratchFolder)
    {
        if (!IsLinux)
        {
            return false;
        }

        var probe = Path.Combine(scratchFolder, "perm-probe-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(probe, "x");
        try
        {
            File.SetUnixFileMode(probe, UnixFileMode.None);
            try
            {
                File.ReadAllText(probe);
                return true;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        }
        finally
        {
            File.SetUnixFileMode(probe, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Delete(probe);
        }
    }

    /// <summary>Mounts a tmpfs of the given size; returns null on success, else why it could not.</summary>
    public static string? TryMountTmpfs(string dir, string size)
    {
        if (!IsLinux)
        {
            return "not Linux";
        }

        Directory.CreateDirectory(dir);
        var (exit, output) = Run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir);
        return exit == 0 ? null : $"mount -t tmpfs failed ({exit}): {output.Trim()}";
    }

    public static void Unmount(string dir)
    {
        Run("umount", "-l", dir);
    }
}
