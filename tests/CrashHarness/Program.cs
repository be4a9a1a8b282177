using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace SyncEngine.CrashHarness;

/// <summary>
/// Crash-consistency harness (issue 4). Runs real syncs of thousands of files in every mode, SIGKILLs them at random
/// moments, runs to completion, and checks that the sides converge to one clean run's result, that no file content
/// is lost, and that nothing outside the roots and the state folder is written.
/// <code>
/// dotnet run --project tests/CrashHarness -c Release -- --ci              # CI: the fixed seeds, then a short random part
/// dotnet run --project tests/CrashHarness -c Release -- --kills 20        # short, random
/// dotnet run --project tests/CrashHarness -c Release -- --long            # soak: at least 500 kills
/// dotnet run --project tests/CrashHarness -c Release -- --replay SEED --mode two-way ...   # one scenario again
/// </code>
/// </summary>
public static class Program
{
    private static readonly SyncMode[] AllModes =
        { SyncMode.TwoWay, SyncMode.SourceToDestination, SyncMode.SourceBackup, SyncMode.DestinationToSource, SyncMode.DestinationBackup };

    public static int Main(string[] args)
    {
        try
        {
            if (args.Length > 0 && args[0] == "--child")
            {
                var childArgs = Parse(args.Skip(1));
                return childArgs.ContainsKey("watch") ? Child.RunWatch(childArgs) : Child.Run(childArgs);
            }

            return Drive(Parse(args));
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine("crash-harness: " + ex.Message);
            Console.Error.WriteLine(Usage);
            return 64;
        }
    }

    /// <summary>
    /// The scenarios CI always runs, so a red CI is reproducible: one per mode and conflict strategy, a first sync,
    /// a state-save kill, and every scenario that once failed in CI (with the seed CI printed).
    /// </summary>
    internal static readonly ScenarioSpec[] CiSeeds =
    {
        // CI 2026-12 (random seed 282945): a killed keep-both resolution left its conflict copy and never converged.
        new(1097653380, SyncMode.TwoWay, 1200, false, false, ConflictResolution.KeepBoth, 4),
        new(20261202, SyncMode.TwoWay, 800, true, false, ConflictResolution.NewestWins, 3),
        new(1402, SyncMode.TwoWay, 800, false, false, ConflictResolution.SourceWins, 3),
        new(1403, SyncMode.TwoWay, 800, false, false, ConflictResolution.DestinationWins, 3),
        new(2001, SyncMode.SourceToDestination, 800, false, false, ConflictResolution.NewestWins, 3),
        new(3001, SyncMode.SourceBackup, 800, true, false, ConflictResolution.NewestWins, 2),
        new(4001, SyncMode.DestinationToSource, 800, false, false, ConflictResolution.NewestWins, 3),
        new(5001, SyncMode.DestinationBackup, 800, false, false, ConflictResolution.NewestWins, 2),
        new(6001, SyncMode.TwoWay, 1500, false, true, ConflictResolution.KeepBoth, 3),
    };

    /// <summary>The watch scenarios CI always runs (issue 14): the watcher killed mid-batch, then resumed.</summary>
    internal static readonly WatchSpec[] WatchCiSeeds =
    {
        new(7001, SyncMode.TwoWay, 400, 2),
        new(7002, SyncMode.SourceToDestination, 400, 2),
    };

    private const string Usage =
        "usage: CrashHarness --ci [--kills N] [--seed S]   (the fixed CI seeds, then N kills (default 6) of random scenarios from seed S)\n" +
        "       CrashHarness [--kills N] [--long] [--seed S] [--files F] [--state-files F] [--modes all|tw,std,sb,dts,db] [--max-file-mib M]\n" +
        "                    [--kills-per-scenario K] [--state-every N] [--scratch DIR] [--keep] [--verbose] [--report FILE]\n" +
        "                    [--watch-scenarios W]   (W watch scenarios of random seeds after the others; --ci runs the fixed ones)\n" +
        "       CrashHarness --replay SEED --mode M --files F --initial true|false --kind run|state --conflict C --kills-per-scenario K\n" +
        "       CrashHarness --replay-watch SEED --mode two-way|source-to-destination --files F --kills-per-scenario K";

    private static Dictionary<string, string> Parse(IEnumerable<string> args)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        string? key = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (key is not null)
                {
                    d[key] = "true";
                }

                key = a.Substring(2);
            }
            else if (key is not null)
            {
                d[key] = a;
                key = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{a}'");
            }
        }

        if (key is not null)
        {
            d[key] = "true";
        }

        return d;
    }

    private static int Int(Dictionary<string, string> a, string name, int fallback) =>
        a.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static int Drive(Dictionary<string, string> a)
    {
        var longMode = a.ContainsKey("long");
        var ci = a.ContainsKey("ci");
        var targetKills = Int(a, "kills", longMode ? 500 : ci ? 6 : 20);
        var seed = Int(a, "seed", Environment.TickCount & 0x7fffffff);
        var files = Int(a, "files", longMode ? 3000 : ci ? 600 : 1200);
        var stateFiles = Int(a, "state-files", longMode ? 12000 : ci ? 2000 : 4000);
        var perScenario = Int(a, "kills-per-scenario", 4);
        var stateEvery = Int(a, "state-every", 4);
        var keep = a.ContainsKey("keep");
        var verbose = a.ContainsKey("verbose");
        var scratch = Path.Combine(a.TryGetValue("scratch", out var sc) ? Path.GetFullPath(sc) : DefaultScratch(), "se-crash-" + seed.ToString(CultureInfo.InvariantCulture));
        var maxMib = Int(a, "max-file-mib", 0);
        if (maxMib > 0)
        {
            TreeMaker.MaxFileBytes = maxMib << 20;
        }

        var cap = maxMib > 0 ? $" --max-file-mib {maxMib}" : "";
        var modes = !a.TryGetValue("modes", out var ms) || ms == "all" ? AllModes : ms.Split(',').Select(OptionNames.ParseSyncMode).ToArray();

        var specs = new List<ScenarioSpec>();
        if (a.ContainsKey("replay-watch"))
        {
            targetKills = 0;
        }
        else if (a.TryGetValue("replay", out var replay))
        {
            specs.Add(new ScenarioSpec(
                int.Parse(replay, CultureInfo.InvariantCulture),
                OptionNames.ParseSyncMode(a.TryGetValue("mode", out var m) ? m : "two-way"),
                files,
                a.TryGetValue("initial", out var ini) && bool.Parse(ini),
                a.TryGetValue("kind", out var kind) && kind == "state",
                a.TryGetValue("conflict", out var c) ? OptionNames.Parse<ConflictResolution>(c, "conflict") : ConflictResolution.NewestWins,
                perScenario));
            targetKills = 0;
        }
        else if (ci)
        {
            specs.AddRange(CiSeeds);
        }

        var replaying = specs.Count > 0 && !ci;
        var fixedCount = ci ? specs.Count : 0;

        Directory.CreateDirectory(scratch);
        Console.WriteLine($"crash-harness: seed {seed}, target {targetKills} kills, {files} files per scenario ({stateFiles} for state kills), modes {string.Join(",", modes)}, scratch {scratch}");
        if (ci)
        {
            Console.WriteLine($"  CI: {fixedCount} fixed scenarios (each prints its replay line if it fails), then random scenarios until {targetKills} kills from seed {seed}");
        }

        Console.WriteLine($"  replay the {(ci ? "random part" : "whole run")}: dotnet run --project tests/CrashHarness -c Release -- --seed {seed} --kills {targetKills} --files {files} --state-files {stateFiles} --kills-per-scenario {perScenario} --state-every {stateEvery}{cap}{(a.TryGetValue("modes", out var mm) ? " --modes " + mm : "")}");
        var master = new Random(seed);
        var totals = new ScenarioResult();
        var randomKills = 0;
        int scenarios = 0, failed = 0;
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        for (var i = 0; replaying ? i < specs.Count : i < fixedCount || (randomKills < targetKills && i - fixedCount < 20 + (4 * targetKills)); i++)
        {
            ScenarioSpec spec;
            if (i < specs.Count)
            {
                spec = specs[i];
            }
            else
            {
                var n = i - fixedCount;
                var stateKill = stateEvery > 0 && n % stateEvery == stateEvery - 1;
                var mode = modes[n % modes.Length];
                var conflicts = new[] { ConflictResolution.NewestWins, ConflictResolution.KeepBoth, ConflictResolution.SourceWins, ConflictResolution.DestinationWins };
                spec = new ScenarioSpec(
                    master.Next(1, int.MaxValue),
                    mode,
                    stateKill ? stateFiles : files,
                    !stateKill && master.NextDouble() < 0.35,
                    stateKill,
                    mode == SyncMode.TwoWay ? conflicts[master.Next(conflicts.Length)] : ConflictResolution.NewestWins,
                    perScenario);
            }

            Console.WriteLine($"[{i + 1}] {spec.Describe()}");
            var scenario = new Scenario(spec, scratch, verbose);
            ScenarioResult r;
            try
            {
                r = scenario.Run();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException or InvalidOperationException)
            {
                r = new ScenarioResult();
                r.Failures.Add("harness error: " + ex);
                Console.WriteLine("    FAIL: " + ex);
            }

            scenarios++;
            if (i >= fixedCount)
            {
                randomKills += r.KillsLanded;
            }

            totals.KillsLanded += r.KillsLanded;
            totals.KillsBeforeExecution += r.KillsBeforeExecution;
            totals.KillsDuringExecution += r.KillsDuringExecution;
            totals.KillsDuringSave += r.KillsDuringSave;
            totals.KillsAtExit += r.KillsAtExit;
            totals.FinishedBeforeKill += r.FinishedBeforeKill;
            totals.ContentsChecked += r.ContentsChecked;
            totals.ContentsLost += r.ContentsLost;
            totals.FilesInScenario += r.FilesInScenario;
            totals.ActionsPlanned += r.ActionsPlanned;
            Console.WriteLine($"    {(r.Failures.Count == 0 ? "ok" : "FAILED")}: {r.FilesInScenario} files, {r.ActionsPlanned} actions planned, kills {r.KillsLanded} (startup {r.KillsBeforeExecution}, execution {r.KillsDuringExecution}, state save {r.KillsDuringSave}, exit {r.KillsAtExit}), runs that finished first {r.FinishedBeforeKill}, {r.Elapsed.TotalSeconds:0.0} s");
            if (r.Failures.Count > 0)
            {
                failed++;
                var replayLine = $"dotnet run --project tests/CrashHarness -c Release -- {spec.ReplayArgs()}{cap} --verbose --keep";
                failures.Add($"{spec.Describe()}: {r.Failures[0]}\n      replay: {replayLine}\n      kept: {scenario.Folder}");
                Console.WriteLine("    replay: " + replayLine);
                Console.WriteLine("    kept for inspection: " + scenario.Folder);
            }
            else if (!keep)
            {
                TryDelete(scenario.Folder);
            }

            if (!replaying && failed > 0 && !a.ContainsKey("go-on"))
            {
                break;
            }
        }

        // Watch scenarios: the fixed ones in CI, a replayed one, or --watch-scenarios random ones.
        var watchSpecs = new List<WatchSpec>();
        if (a.TryGetValue("replay-watch", out var replayWatch))
        {
            watchSpecs.Add(new WatchSpec(int.Parse(replayWatch, CultureInfo.InvariantCulture), OptionNames.ParseSyncMode(a.TryGetValue("mode", out var wm) ? wm : "two-way"),
                Int(a, "files", 400), Int(a, "kills-per-scenario", 2)));
        }
        else if (failed == 0 || a.ContainsKey("go-on"))
        {
            if (ci)
            {
                watchSpecs.AddRange(WatchCiSeeds);
            }

            for (var w = 0; w < Int(a, "watch-scenarios", 0); w++)
            {
                watchSpecs.Add(new WatchSpec(master.Next(1, int.MaxValue), w % 2 == 0 ? SyncMode.TwoWay : SyncMode.SourceToDestination, Math.Min(files, 600), 2));
            }
        }

        foreach (var spec in watchSpecs)
        {
            Console.WriteLine($"[{scenarios + 1}] {spec.Describe()}");
            var scenario = new WatchScenario(spec, scratch, verbose);
            ScenarioResult r;
            try
            {
                r = scenario.Run();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SyncEngineException or InvalidOperationException)
            {
                r = new ScenarioResult();
                r.Failures.Add("harness error: " + ex);
                Console.WriteLine("    FAIL: " + ex);
            }

            scenarios++;
            totals.KillsLanded += r.KillsLanded;
            totals.KillsBeforeExecution += r.KillsBeforeExecution;
            totals.KillsDuringExecution += r.KillsDuringExecution;
            totals.ContentsChecked += r.ContentsChecked;
            totals.ContentsLost += r.ContentsLost;
            totals.FilesInScenario += r.FilesInScenario;
            totals.ActionsPlanned += r.ActionsPlanned;
            Console.WriteLine($"    {(r.Failures.Count == 0 ? "ok" : "FAILED")}: {r.FilesInScenario} files, about {r.ActionsPlanned} changes made under the watch, kills {r.KillsLanded} (mid-batch {r.KillsDuringExecution}, before a batch {r.KillsBeforeExecution}), {r.Elapsed.TotalSeconds:0.0} s");
            if (r.Failures.Count > 0)
            {
                failed++;
                var replayLine = $"dotnet run --project tests/CrashHarness -c Release -- {spec.ReplayArgs()} --verbose --keep";
                failures.Add($"{spec.Describe()}: {r.Failures[0]}\n      replay: {replayLine}\n      kept: {scenario.Folder}");
                Console.WriteLine("    replay: " + replayLine);
                Console.WriteLine("    kept for inspection: " + scenario.Folder);
                if (!a.ContainsKey("go-on"))
                {
                    break;
                }
            }
            else if (!keep)
            {
                TryDelete(scenario.Folder);
            }
        }

        if (failed == 0 && !keep)
        {
            TryDelete(scratch);
        }

        Console.WriteLine();
        Console.WriteLine($"crash-harness summary: seed {seed}; {scenarios} scenarios, {failed} failed; kills survived {totals.KillsLanded} " +
                          $"(startup {totals.KillsBeforeExecution}, mid-execution {totals.KillsDuringExecution}, state save {totals.KillsDuringSave}, exit {totals.KillsAtExit}); " +
                          $"{totals.FilesInScenario} files, {totals.ActionsPlanned} actions planned, {totals.ContentsChecked} contents tracked, content lost: {totals.ContentsLost}; {clock.Elapsed.TotalSeconds:0} s");
        foreach (var f in failures)
        {
            Console.WriteLine("  failed: " + f);
        }

        if (a.TryGetValue("report", out var report))
        {
            File.WriteAllText(report, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["seed"] = seed,
                ["scenarios"] = scenarios,
                ["failedScenarios"] = failed,
                ["killsSurvived"] = totals.KillsLanded,
                ["killsAtStartup"] = totals.KillsBeforeExecution,
                ["killsMidExecution"] = totals.KillsDuringExecution,
                ["killsDuringStateSave"] = totals.KillsDuringSave,
                ["killsAtExit"] = totals.KillsAtExit,
                ["runsFinishedBeforeKill"] = totals.FinishedBeforeKill,
                ["files"] = totals.FilesInScenario,
                ["actionsPlanned"] = totals.ActionsPlanned,
                ["contentsTracked"] = totals.ContentsChecked,
                ["contentLost"] = totals.ContentsLost,
                ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds),
            }));
        }

        if (failed == 0 && (ci ? randomKills : totals.KillsLanded) < targetKills)
        {
            Console.WriteLine($"crash-harness: only {(ci ? randomKills : totals.KillsLanded)} kills landed (wanted {targetKills})");
            return 1;
        }

        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// A memory-backed folder when there is a roomy one (/dev/shm): SIGKILL leaves the page cache intact, so a kill
    /// tests the same thing there as on a disk, many times faster. Otherwise the temporary folder.
    /// </summary>
    private static string DefaultScratch()
    {
        const string shm = "/dev/shm";
        try
        {
            if (Directory.Exists(shm) && new DriveInfo(shm).AvailableFreeSpace > (4L << 30))
            {
                return shm;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
        }

        return Path.GetTempPath();
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
