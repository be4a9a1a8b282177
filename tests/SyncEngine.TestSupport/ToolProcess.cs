using System;
using System.Diagnostics;
using System.IO;

namespace SyncEngine.TestSupport;

/// <summary>Runs the system tools the real-server fixtures need (ssh-keygen, apt-get, radosgw …) and finds them.</summary>
internal static class ToolProcess
{
    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/> (no shell), stdin closed, and returns its exit code
    /// and its output (stdout then stderr). An install never asks: no debconf dialog.
    /// </summary>
    public static (int Code, string Output) Run(string file, params string[] args) => Run(file, null, args);

    /// <summary>As <see cref="Run(string, string[])"/>, with <paramref name="environment"/> added to the tool's environment.</summary>
    public static (int Code, string Output) Run(string file, System.Collections.Generic.IDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        if (environment is not null)
        {
            foreach (var kv in environment)
            {
                start.Environment[kv.Key] = kv.Value;
            }
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    /// <summary>The tool's path on PATH, else in the system folders a non-login PATH may lack; null when absent.</summary>
    public static string? Which(string tool)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin") + ":/usr/bin:/usr/sbin:/sbin";
        foreach (var dir in path.Split(':'))
        {
            if (dir.Length == 0)
            {
                continue;
            }

            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
