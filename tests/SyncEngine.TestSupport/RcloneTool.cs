using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace SyncEngine.TestSupport;

/// <summary>
/// Real rclone (Debian's 1.60) for interop tests: a crypt remote named <c>secret</c> configured only through
/// <c>RCLONE_CONFIG_SECRET_*</c> environment variables (never a config file, never a password on its command line
/// except <c>rclone obscure</c>, which reads it from standard input), over a local folder.
/// </summary>
public static class RcloneTool
{
    private static readonly Lazy<string?> Found = new(() =>
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, "rclone");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    });

    /// <summary>The rclone binary, or null (tests then skip, saying so).</summary>
    public static string? Binary => Found.Value;

    /// <summary>Why interop tests cannot run here, or null when they can.</summary>
    public static string? Missing => Found.Value is null ? "rclone is not installed (apt-get install rclone); the interop tests need the real tool" : null;

    /// <summary>rclone's obscured form of a password (what its config holds), read from standard input.</summary>
    public static string Obscure(string password)
    {
        var (code, output, error) = Run(new Dictionary<string, string>(), password + "\n", "obscure", "-");
        if (code != 0)
        {
            throw new InvalidOperationException("rclone obscure failed: " + error);
        }

        return output.Trim();
    }

    /// <summary>The environment of a crypt remote <c>secret:</c> over <paramref name="folder"/>.</summary>
    public static Dictionary<string, string> CryptRemote(string folder, string password, string? password2, string filenameEncryption = "standard")
    {
        var env = new Dictionary<string, string>
        {
            ["RCLONE_CONFIG_SECRET_TYPE"] = "crypt",
            ["RCLONE_CONFIG_SECRET_REMOTE"] = folder,
            ["RCLONE_CONFIG_SECRET_PASSWORD"] = Obscure(password),
            ["RCLONE_CONFIG_SECRET_FILENAME_ENCRYPTION"] = filenameEncryption,
            ["RCLONE_CONFIG_SECRET_DIRECTORY_NAME_ENCRYPTION"] = "true",
        };
        if (password2 is not null)
        {
            env["RCLONE_CONFIG_SECRET_PASSWORD2"] = Obscure(password2);
        }

        return env;
    }

    /// <summary>Runs rclone; returns exit code, standard output and standard error.</summary>
    public static (int Code, string Output, string Error) Run(IDictionary<string, string> env, string? input, params string[] args)
    {
        var psi = new ProcessStartInfo(Found.Value ?? throw new InvalidOperationException(Missing))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["RCLONE_CONFIG"] = "/dev/null";
        foreach (var kv in env)
        {
            psi.Environment[kv.Key] = kv.Value;
        }

        using var p = Process.Start(psi)!;
        if (input is not null)
        {
            p.StandardInput.Write(input);
            p.StandardInput.Close();
        }

        var errTask = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, errTask.Result);
    }
}
