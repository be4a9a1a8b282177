using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;

using SyncEngine.TestSupport;

namespace SyncEngine.Cli.Tests;

/// <summary>What one run of the CLI produced.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err)
{
    /// <summary>Standard output split into lines (no empty trailing line).</summary>
    public string[] Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    /// <summary>Every line of standard output parsed as JSON.</summary>
    public List<JsonElement> JsonLines() => Lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}--- stderr\n{Err}";
}

/// <summary>
/// A source, a destination and a state folder under a fresh temporary folder, plus ways to run the CLI on them:
/// in-process through <c>CliApp.Run</c>, or as a child process (<c>dotnet syncengine.dll</c>).
/// </summary>
public sealed class CliHarness : TempSyncFolders
{
    static CliHarness()
    {
        // Belt and braces: no test may touch the real per-user state folder, even one that forgets --state-dir.
        Environment.SetEnvironmentVariable("SYNCENGINE_STATE_HOME", Path.Combine(Path.GetTempPath(), "se-cli-tests-state-home"));
    }

    public CliHarness()
        : base("se-cli-", new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc))
    {
    }

    /// <summary>A harness under another folder (for example tmpfs, for what only it can store).</summary>
    public CliHarness(string under)
        : base("se-cli-", new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc), under)
    {
    }

    /// <summary>The built CLI, copied next to the test assembly by the project reference.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "syncengine.dll");

    /// <summary>
    /// A fingerprint of everything under the test root (both sides, their engine folders and the state folder):
    /// each path with its size, modification time and content hash. Equal before and after means nothing changed.
    /// </summary>
    public string Fingerprint(bool includeState = true)
    {
        var sb = new StringBuilder();
        foreach (var entry in Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories).OrderBy(p => p, StringComparer.Ordinal))
        {
            if (!includeState && (entry == StateDir || entry.StartsWith(StateDir + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                continue;
            }

            sb.Append(Path.GetRelativePath(Root, entry).Replace('\\', '/'));
            if (File.Exists(entry))
            {
                var info = new FileInfo(entry);
                sb.Append(' ').Append(info.Length).Append(' ').Append(info.LastWriteTimeUtc.Ticks).Append(' ')
                  .Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry))));
            }
            else
            {
                sb.Append('/');
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Runs the CLI in-process with <c>CliApp.Run(args, stdout, stderr)</c>.</summary>
    public static CliResult Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs the CLI in-process in a given context (for example another current folder).</summary>
    internal static CliResult Run(Func<TextWriter, TextWriter, CliContext> context, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(args, context(output, error));
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary><c>plan|sync SOURCE DESTINATION --state-dir STATE</c> plus extra arguments, in-process.</summary>
    public CliResult Pair(string command, params string[] extra) =>
        Run(new[] { command, Source, Destination, "--state-dir", StateDir }.Concat(extra).ToArray());

    /// <summary>Starts the CLI as a child process (<c>dotnet syncengine.dll …</c>) with its streams redirected.</summary>
    public static Process Start(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo(DotNetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["SYNCENGINE_STATE_HOME"] = Path.Combine(Path.GetTempPath(), "se-cli-tests-state-home");
        if (environment is not null)
        {
            foreach (var kv in environment)
            {
                psi.Environment[kv.Key] = kv.Value;
            }
        }

        return Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
    }

    /// <summary>Runs the CLI as a child process to the end (at most two minutes) and collects its output.</summary>
    public static CliResult RunProcess(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        using var p = Start(workingDirectory, environment, args);
        p.StandardInput.Close();
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("syncengine did not finish in two minutes");
        }

        return new CliResult(p.ExitCode, output, err.GetAwaiter().GetResult());
    }

    /// <summary>The dotnet host running these tests (so the child uses the same runtime).</summary>
    public static string DotNetHost()
    {
        var fromEnv = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv))
        {
            return fromEnv;
        }

        var main = Process.GetCurrentProcess().MainModule?.FileName;
        if (main is not null && Path.GetFileNameWithoutExtension(main).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return main;
        }

        return "dotnet";
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling; false after <paramref name="timeoutMs"/>.</summary>
    public static bool WaitUntil(Func<bool> condition, int timeoutMs = 30_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return condition();
    }
}
