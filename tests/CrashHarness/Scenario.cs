using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace SyncEngine.CrashHarness;

/// <summary>Everything that determines one scenario (the replay line prints it).</summary>
internal sealed record ScenarioSpec(int Seed, SyncMode Mode, int Files, bool Initial, bool StateKill, ConflictResolution Conflict, int Kills)
{
    public string Describe() =>
        $"seed={Seed} mode={Mode} files={Files} initial={Initial.ToString().ToLowerInvariant()} kind={(StateKill ? "state" : "run")} conflict={Conflict} kills={Kills}";

    public string ReplayArgs() =>
        string.Join(' ', "--replay", Seed.ToString(CultureInfo.InvariantCulture), "--mode", OptionNames.Kebab(Mode), "--files", Files.ToString(CultureInfo.InvariantCulture),
            "--initial", Initial.ToString().ToLowerInvariant(), "--kind", StateKill ? "state" : "run", "--conflict", OptionNames.Kebab(Conflict),
            "--kills-per-scenario", Kills.ToString(CultureInfo.InvariantCulture));
}

/// <summary>What one scenario did and found.</summary>
internal sealed class ScenarioResult
{
    public int KillsLanded;
    public int KillsBeforeExecution;
    public int KillsDuringExecution;
    public int KillsDuringSave;
    public int KillsAtExit;
    public int FinishedBeforeKill;
    public int ContentsChecked;
    public int ContentsLost;
    public int FilesInScenario;
    public int ActionsPlanned;
    public readonly List<string> Failures = new();
    public TimeSpan Elapsed;
}

/// <summary>
/// One crash scenario: a random tree pair with changes on both sides; a reference result from ONE clean run of an
/// identical copy; then runs killed with SIGKILL at random moments and a run to completion; then the three checks
/// (converge, no content lost, nothing written outside the roots and the state folder), and after every kill a
/// check that the next plan deletes nothing the clean run would not have deleted.
/// </summary>
internal sealed class Scenario
{
    private readonly ScenarioSpec _spec;
    private readonly string _dir;
    private readonly string _src;
    private readonly string _dst;
    private readonly string _state;
    private readonly ScenarioResult _result = new();
    private readonly Random _killRng;
    private readonly bool _verbose;

    public Scenario(ScenarioSpec spec, string scratch, bool verbose)
    {
        _spec = spec;
        _verbose = verbose;
        _dir = Path.Combine(scratch, "scn-" + spec.Seed.ToString(CultureInfo.InvariantCulture));
        _src = Path.Combine(_dir, "src");
        _dst = Path.Combine(_dir, "dst");
        _state = Path.Combine(_dir, "state");
        _killRng = new Random(unchecked(spec.Seed * 31 + 7));
    }

    public string Folder => _dir;

    /// <summary>How long one uninterrupted run may take before it counts as a hang.</summary>
    private TimeSpan RunLimit => TimeSpan.FromMinutes(2 + (_spec.Files / 1000.0));

    private string[] ChildArgs => new[]
    {
        "--source", _src, "--destination", _dst, "--state", _state, "--mode", OptionNames.Kebab(_spec.Mode), "--conflict", OptionNames.Kebab(_spec.Conflict),
    };

    private SyncPair Pair => Child.PairFrom(new Dictionary<string, string>
    {
        ["source"] = _src, ["destination"] = _dst, ["state"] = _state, ["mode"] = _spec.Mode.ToString(), ["conflict"] = _spec.Conflict.ToString(),
    });

    private void Fail(string what)
    {
        _result.Failures.Add(what);
        Console.WriteLine("    FAIL: " + what);
    }

    private void Log(string what)
    {
        if (_verbose)
        {
            Console.WriteLine("    " + what);
        }
    }

    public ScenarioResult Run()
    {
        var clock = Stopwatch.StartNew();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }

        foreach (var d in new[] { _src, _dst, Path.Combine(_dir, "home"), Path.Combine(_dir, "tmp") })
        {
            Directory.CreateDirectory(d);
        }

        File.WriteAllText(Path.Combine(_dir, "canary.txt"), "Nothing may write here: the roots are src/ and dst/, the state is state/.");
        var maker = new TreeMaker(_spec.Seed);
        if (_spec.Initial)
        {
            MakeInitialPair(maker);
        }
        else
        {
            MakeSyncedPair(maker);
            var setup = RunToEnd("setup sync");
            if (setup != 0)
            {
                return Done(clock);
            }

            ApplyChanges(maker);
        }

        _result.FilesInScenario = Trees.Files(_src).Count + Trees.Files(_dst).Count;
        Log($"trees ready at {clock.Elapsed.TotalSeconds:0.0} s");

        // What existed before the run, what lies outside, and what a clean run would delete.
        var before = Contents();
        _result.ContentsChecked = before.Count;
        var outside = Trees.Listing(_dir, "src", "dst", "state");
        var refPlan = SyncPlanner.Plan(Pair);
        _result.ActionsPlanned = refPlan.Actions.Count(a => a.IsMutating);
        var allowedDeletions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in refPlan.Actions)
        {
            if (a.Action == SyncActionType.DeleteSource || (a.Action == SyncActionType.RenameSource && a.PreviousPath is not null))
            {
                allowedDeletions.Add("source:" + (a.Action == SyncActionType.DeleteSource ? a.RelativePath : a.PreviousPath));
            }
            else if (a.Action == SyncActionType.DeleteDestination || (a.Action == SyncActionType.RenameDestination && a.PreviousPath is not null))
            {
                allowedDeletions.Add("destination:" + (a.Action == SyncActionType.DeleteDestination ? a.RelativePath : a.PreviousPath));
            }
        }

        // The reference: one clean run on the original; the killed runs get a hard-linked copy of the same pre-run trees.
        var snap = Path.Combine(_dir, ".snap");
        Trees.LinkCopy(_src, Path.Combine(snap, "src"));
        Trees.LinkCopy(_dst, Path.Combine(snap, "dst"));
        Trees.Copy(_state, Path.Combine(snap, "state"));

        Log($"manifest, reference plan and snapshot ready at {clock.Elapsed.TotalSeconds:0.0} s");
        var reference = ChildProcess.Start(ChildArgs, _dir);
        if (!reference.WaitForExit(RunLimit))
        {
            Fail($"the clean reference run did not finish in {RunLimit.TotalMinutes:0} minutes (a hang)");
            reference.Dispose();
            return Done(clock);
        }

        var refExit = reference.ExitCode;
        var startTime = reference.ExecutingAt;
        var execTime = reference.ExecutedAt - reference.ExecutingAt;
        var remaining = _result.ActionsPlanned;
        Log($"reference run: {reference.Elapsed.TotalMilliseconds:0} ms (plan ready at {startTime.TotalMilliseconds:0} ms, execution {execTime.TotalMilliseconds:0} ms, state save {(reference.SavedAt - reference.ExecutedAt).TotalMilliseconds:0} ms)");
        var saveTime = reference.SavedAt - reference.ExecutedAt;
        if (refExit != 0)
        {
            Fail($"the clean reference run exited with {refExit}: {string.Join(" | ", reference.Lines.TakeLast(5))}");
        }

        reference.Dispose();
        Log($"reference disposed at {clock.Elapsed.TotalSeconds:0.0} s");
        var refSrc = Trees.Map(_src);
        var refDst = Trees.Map(_dst);
        Log($"reference trees mapped at {clock.Elapsed.TotalSeconds:0.0} s");
        CheckContents(before, "after the clean reference run");
        Log($"reference contents checked at {clock.Elapsed.TotalSeconds:0.0} s");
        var refTracked = CheckIdle("after the clean reference run");
        Log($"reference idle-checked at {clock.Elapsed.TotalSeconds:0.0} s");

        // Put the pre-run trees back (same inodes as before the reference run).
        Directory.Delete(_src, recursive: true);
        Directory.Delete(_dst, recursive: true);
        Directory.Delete(_state, recursive: true);
        Directory.Move(Path.Combine(snap, "src"), _src);
        Directory.Move(Path.Combine(snap, "dst"), _dst);
        Directory.Move(Path.Combine(snap, "state"), _state);
        Directory.Delete(snap, recursive: true);

        for (var k = 1; k <= _spec.Kills; k++)
        {
            using var child = ChildProcess.Start(ChildArgs, _dir);
            bool landed;
            string phase;
            if (_spec.StateKill)
            {
                // Kill while the state snapshot is being written: just after the last action finished.
                WaitFor(child, child.Executed);
                var window = Math.Max(saveTime.TotalMilliseconds, 1) * 1.2;
                SpinFor(TimeSpan.FromMilliseconds(_killRng.NextDouble() * window));
                var savedBefore = child.Saved.IsSet;
                landed = child.Kill();
                phase = !landed ? "finished" : savedBefore || child.Saved.IsSet ? "after-save" : child.Executed.IsSet ? "save" : child.Executing.IsSet ? "execution" : "startup";
            }
            else
            {
                // One kill in five lands while the child scans and plans; the others land at a random point of the
                // execution, whose expected length shrinks with the work that is left.
                TimeSpan delay;
                if (_killRng.NextDouble() < 0.2)
                {
                    delay = TimeSpan.FromMilliseconds(startTime.TotalMilliseconds * (0.3 + (0.7 * _killRng.NextDouble())));
                }
                else
                {
                    WaitFor(child, child.Executing);
                    var share = _result.ActionsPlanned == 0 ? 1.0 : Math.Min(1.0, remaining / (double)_result.ActionsPlanned);
                    delay = child.Elapsed + TimeSpan.FromMilliseconds(Math.Max(1, execTime.TotalMilliseconds * share) * _killRng.NextDouble());
                }

                if (child.WaitForExit(delay - child.Elapsed))
                {
                    landed = false;
                    phase = "finished";
                }
                else
                {
                    var executing = child.Executing.IsSet;
                    var executed = child.Executed.IsSet;
                    var saved = child.Saved.IsSet;
                    landed = child.Kill();
                    phase = !landed ? "finished" : saved ? "after-save" : executed ? "save" : executing ? "execution" : "startup";
                }
            }

            if (_spec.StateKill && phase == "finished" && child.Saved.IsSet)
            {
                // Calibrate on what the save really took in this run.
                saveTime = child.SavedAt - child.ExecutedAt;
            }

            Log($"kill {k}: {phase} after {child.Elapsed.TotalMilliseconds:0} ms ({remaining} actions were left) at {clock.Elapsed.TotalSeconds:0.0} s");
            switch (phase)
            {
                case "finished":
                    _result.FinishedBeforeKill++;
                    if (child.ExitCode != 0)
                    {
                        Fail($"run {k} (not killed) exited with {child.ExitCode}: {string.Join(" | ", child.Lines.TakeLast(5))}");
                    }

                    break;
                case "startup":
                    _result.KillsLanded++;
                    _result.KillsBeforeExecution++;
                    break;
                case "execution":
                    _result.KillsLanded++;
                    _result.KillsDuringExecution++;
                    break;
                case "save":
                    _result.KillsLanded++;
                    _result.KillsDuringSave++;
                    break;
                default:
                    _result.KillsLanded++;
                    _result.KillsAtExit++;
                    break;
            }

            // After every kill: nothing lost, nothing outside touched, and the next plan deletes only what the clean run deleted.
            CheckContents(before, $"after kill {k} ({phase})");
            CheckOutside(outside, $"after kill {k}");
            remaining = CheckNextPlan(allowedDeletions, $"after kill {k} ({phase})", child.Executed.IsSet ? refTracked : -1);
            if (_result.Failures.Count > 0)
            {
                return Done(clock);
            }
        }

        var final = RunToEnd("final run", expectExit: refExit);
        var finSrc = Trees.Map(_src);
        var finDst = Trees.Map(_dst);
        Compare("source", refSrc, finSrc);
        Compare("destination", refDst, finDst);
        CheckContents(before, "after the final run");
        CheckOutside(outside, "after the final run");
        var finalTracked = CheckIdle("after the final run");
        if (finalTracked != refTracked)
        {
            Fail($"after the final run the state tracks {finalTracked} files, the clean run's {refTracked}");
        }
        _ = final;
        return Done(clock);
    }

    private ScenarioResult Done(Stopwatch clock)
    {
        _result.Elapsed = clock.Elapsed;
        return _result;
    }

    /// <summary>Waits for a milestone, or until the child ends or a run's time limit passes.</summary>
    private void WaitFor(ChildProcess child, ManualResetEventSlim milestone)
    {
        var clock = Stopwatch.StartNew();
        while (!milestone.Wait(20) && !child.HasExited && clock.Elapsed < RunLimit)
        {
        }
    }

    private static void SpinFor(TimeSpan t)
    {
        var sw = Stopwatch.StartNew();
        if (t.TotalMilliseconds > 20)
        {
            Thread.Sleep(t - TimeSpan.FromMilliseconds(10));
        }

        while (sw.Elapsed < t)
        {
            Thread.SpinWait(50);
        }
    }

    private int RunToEnd(string what, int expectExit = 0)
    {
        using var child = ChildProcess.Start(ChildArgs, _dir);
        if (!child.WaitForExit(RunLimit))
        {
            Fail($"{what} did not finish in {RunLimit.TotalMinutes:0} minutes (a hang)");
            return -1;
        }

        if (child.ExitCode != expectExit)
        {
            Fail($"{what} exited with {child.ExitCode} (expected {expectExit}): {string.Join(" | ", child.Lines.TakeLast(5))}");
        }

        return child.ExitCode;
    }

    private HashSet<string> Contents()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        Trees.AddContents(_src, set);
        Trees.AddContents(_dst, set);
        return set;
    }

    private void CheckContents(HashSet<string> before, string when)
    {
        var now = Contents();
        var lost = before.Where(h => !now.Contains(h)).ToList();
        if (lost.Count > 0)
        {
            _result.ContentsLost += lost.Count;
            Fail($"{lost.Count} file contents lost {when} (not on either side nor in a trash), e.g. sha256 {lost[0]}");
        }
    }

    private void CheckOutside(List<string> before, string when)
    {
        var now = Trees.Listing(_dir, "src", "dst", "state");
        if (!now.SequenceEqual(before))
        {
            var added = now.Except(before).Take(5);
            var removed = before.Except(now).Take(5);
            Fail($"something outside the roots and the state folder changed {when}: added [{string.Join(", ", added)}] removed [{string.Join(", ", removed)}]");
        }
    }

    /// <summary>Checks the next plan's deletions; returns how many mutating actions it has.</summary>
    /// <remarks>
    /// When every action had finished before the kill (<paramref name="expectTracked"/> ≥ 0), the state must read
    /// back whole: readable, and tracking exactly as many files as after the clean run.
    /// </remarks>
    private int CheckNextPlan(HashSet<string> allowed, string when, int expectTracked)
    {
        SyncPlan plan;
        try
        {
            plan = SyncPlanner.Plan(Pair);
        }
        catch (SyncEngineException ex)
        {
            Fail($"planning {when} failed: {ex.ErrorId}: {ex.Message}");
            return 0;
        }

        foreach (var a in plan.Actions)
        {
            var key = a.Action switch
            {
                SyncActionType.DeleteSource => "source:" + a.RelativePath,
                SyncActionType.DeleteDestination => "destination:" + a.RelativePath,
                _ => null,
            };
            if (key is not null && !allowed.Contains(key))
            {
                Fail($"the plan {when} deletes '{a.RelativePath}' ({a.Action}: {a.Reason}), which one clean run would not delete");
            }
        }

        if (expectTracked >= 0 && (plan.StateWasUnreadable || plan.Info.TrackedFileCount != expectTracked))
        {
            Fail($"the state {when} reads as {(plan.StateWasUnreadable ? "unreadable" : plan.Info.TrackedFileCount + " tracked files")}, but the clean run left {expectTracked} tracked files");
        }

        return plan.Actions.Count(a => a.IsMutating);
    }

    /// <summary>Checks a further run would change nothing; returns the number of files the state tracks.</summary>
    private int CheckIdle(string when)
    {
        var plan = SyncPlanner.Plan(Pair);
        var left = plan.Actions.Where(a => a.IsMutating).ToList();
        if (left.Count > 0)
        {
            Fail($"{when}, a further run would still do {left.Count} things, e.g. {left[0].Action} '{left[0].RelativePath}' ({left[0].Reason})");
        }

        if (plan.StateWasUnreadable)
        {
            Fail($"{when}, the state reads as unreadable");
        }

        return plan.Info.TrackedFileCount;
    }

    private void Compare(string side, SortedDictionary<string, string> expected, SortedDictionary<string, string> actual)
    {
        var diffs = new List<string>();
        foreach (var kv in expected)
        {
            if (!actual.TryGetValue(kv.Key, out var got))
            {
                diffs.Add($"missing '{kv.Key}'");
            }
            else if (got != kv.Value)
            {
                diffs.Add($"different content at '{kv.Key}'");
            }
        }

        foreach (var k in actual.Keys)
        {
            if (!expected.ContainsKey(k))
            {
                diffs.Add($"extra '{k}'");
            }
        }

        if (diffs.Count > 0)
        {
            Fail($"the {side} did not converge to the clean run's result ({diffs.Count} differences): {string.Join("; ", diffs.Take(6))}");
        }
    }

    // ---- trees ----

    private void MakeSyncedPair(TreeMaker m)
    {
        for (var i = 0; i < _spec.Files; i++)
        {
            var path = m.NewPath();
            var content = m.Content();
            var t = m.NextTime();
            Trees.Write(_src, path, content, t);
            Trees.Write(_dst, path, content, t);
        }
    }

    /// <summary>A first sync: 70 % common (a few differing), 15 % only on the source, 15 % only on the destination.</summary>
    private void MakeInitialPair(TreeMaker m)
    {
        for (var i = 0; i < _spec.Files; i++)
        {
            var path = m.NewPath();
            var content = m.Content();
            var t = m.NextTime();
            var roll = m.Rng.NextDouble();
            if (roll < 0.15)
            {
                Trees.Write(_src, path, content, t);
            }
            else if (roll < 0.30)
            {
                Trees.Write(_dst, path, content, t);
            }
            else if (roll < 0.34)
            {
                Trees.Write(_src, path, content, t);
                Trees.Write(_dst, path, m.Content(), m.NextTime());
            }
            else
            {
                Trees.Write(_src, path, content, t);
                Trees.Write(_dst, path, content, t);
            }
        }
    }

    /// <summary>Random edits on both sides of a synced pair: modify, delete, rename, touch, add, conflicting edits.</summary>
    private void ApplyChanges(TreeMaker m)
    {
        var files = Trees.Files(_src);
        foreach (var f in files)
        {
            var roll = m.Rng.NextDouble();
            if (roll < 0.04)
            {
                Trees.Write(_src, f, m.Content(), m.NextTime());
            }
            else if (roll < 0.08)
            {
                Trees.Write(_dst, f, m.Content(), m.NextTime());
            }
            else if (roll < 0.09)
            {
                Trees.Write(_src, f, m.Content(), m.NextTime());
                Trees.Write(_dst, f, m.Content(), m.NextTime());
            }
            else if (roll < 0.11)
            {
                File.Delete(Trees.Full(_src, f));
            }
            else if (roll < 0.13)
            {
                File.Delete(Trees.Full(_dst, f));
            }
            else if (roll < 0.135)
            {
                File.Delete(Trees.Full(_src, f));
                Trees.Write(_dst, f, m.Content(), m.NextTime());
            }
            else if (roll < 0.14)
            {
                File.Delete(Trees.Full(_dst, f));
                Trees.Write(_src, f, m.Content(), m.NextTime());
            }
            else if (roll < 0.16)
            {
                Move(_src, f, m.Rng.Next(2) == 0 ? m.NewPath() : RenameInPlace(f, m));
            }
            else if (roll < 0.17)
            {
                Move(_dst, f, m.Rng.Next(2) == 0 ? m.NewPath() : RenameInPlace(f, m));
            }
            else if (roll < 0.175)
            {
                File.SetLastWriteTimeUtc(Trees.Full(_src, f), m.NextTime());
            }
            else if (roll < 0.18)
            {
                // The same content appears at a second path (rename pairing must not guess).
                var copy = m.NewPath();
                Directory.CreateDirectory(Path.GetDirectoryName(Trees.Full(_src, copy))!);
                File.Copy(Trees.Full(_src, f), Trees.Full(_src, copy));
            }
        }

        var adds = Math.Max(3, _spec.Files / 30);
        for (var i = 0; i < adds; i++)
        {
            Trees.Write(_src, m.NewPath(), m.Content(), m.NextTime());
            Trees.Write(_dst, m.NewPath(), m.Content(), m.NextTime());
        }

        for (var i = 0; i < Math.Max(1, _spec.Files / 200); i++)
        {
            var both = m.NewPath();
            Trees.Write(_src, both, m.Content(), m.NextTime());
            Trees.Write(_dst, both, m.Content(), m.NextTime());
        }
    }

    private static string RenameInPlace(string f, TreeMaker m)
    {
        var i = f.LastIndexOf('/');
        return (i < 0 ? "" : f.Substring(0, i + 1)) + "renamed-" + m.Rng.Next(1_000_000).ToString(CultureInfo.InvariantCulture) + "-" + f.Substring(i + 1);
    }

    private static void Move(string root, string from, string to)
    {
        var target = Trees.Full(root, to);
        if (File.Exists(target))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(Trees.Full(root, from), target);
    }
}
