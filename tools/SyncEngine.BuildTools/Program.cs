using System;
using System.Collections.Generic;
using System.IO;

namespace SyncEngine.BuildTools;

/// <summary>Command-line entry point: <c>help</c> and <c>manifest</c>.</summary>
public static class Program
{
    private const string Usage = """
        usage:
          SyncEngine.BuildTools help     --docs <folder> --out <folder> [--help-file <Module.dll-Help.xml>]
          SyncEngine.BuildTools manifest --template <psd1> --version <x.y.z> [--prerelease <label>] --out <psd1>
        """;

    /// <summary>Runs a command; returns 0 on success, 1 on bad input, 2 on bad usage.</summary>
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        Dictionary<string, string> options;
        try
        {
            options = Options(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine("SyncEngine.BuildTools: " + ex.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        try
        {
            switch (args[0])
            {
                case "help":
                    var result = HelpBuilder.Build(Get(options, "docs"), Get(options, "out"), options.GetValueOrDefault("help-file", "SyncEngine.PowerShell.dll-Help.xml"));
                    Console.WriteLine($"SyncEngine.BuildTools: wrote {result.MamlPath} ({result.Commands.Count} commands) and {result.AboutPaths.Count} about topic(s).");
                    return 0;
                case "manifest":
                    var template = Get(options, "template");
                    var stamped = ManifestStamper.Stamp(File.ReadAllText(template), Get(options, "version"), options.GetValueOrDefault("prerelease"), template);
                    var outManifest = Get(options, "out");
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outManifest))!);
                    File.WriteAllText(outManifest, stamped, new System.Text.UTF8Encoding(true));
                    Console.WriteLine($"SyncEngine.BuildTools: wrote {outManifest}.");
                    return 0;
                default:
                    Console.Error.WriteLine($"SyncEngine.BuildTools: unknown command '{args[0]}'.");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // MSBuild shows "error :" lines as build errors.
            Console.Error.WriteLine("SyncEngine.BuildTools : error : " + ex.Message);
            return 1;
        }
    }

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected '--name value' pairs, got '{args[i]}'.");
            }

            options[args[i].Substring(2)] = args[++i];
        }

        return options;
    }

    private static string Get(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) && value.Length > 0 ? value : throw new ArgumentException($"--{name} is required.");
}
