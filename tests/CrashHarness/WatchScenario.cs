using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace SyncEngine.CrashHarness;

/// <summary>What determines one watch scenario (the replay line prints it).</summary>
internal sealed record WatchSpec(int Seed, SyncMode Mode, int Files, int Kills)
{
    public string Describe() =>
        $"watch seed={Seed} mode={Mode} files={Files} kills={Kills}";

    public string ReplayArgs() =>
        string.Join(' ', "--replay-watch", Seed.ToString(CultureInfo.InvariantCulture), "--mode", OptionNames.Kebab(Mode), "--files", Files.ToString(CultureInfo.InvariantCulture),
            "--kills-per-scenario", Kills.ToString(CultureInfo.InvariantCulture));
}

/// <summary>
/// One watch crash scenario (issue 14): a synced pair under a running watch (<c>--child --watch</c>); a burst of
/// changes (new, edited, deleted and renamed files, on both sides in two-way) is made while it watches, and the
/// watcher is SIGKILLed in the middle of the batch that applies it, after a random number of finished actions. The
/// next start of the watch must resume: after every kill, no content that existed once the burst was made may be
/// lost (each is on a side or in a trash), nothing outside the roots and the state folder may be written, and a plan
/// may delete only what the burst deleted. After the last kill a watch runs until it is idle; then both sides hold
/// the same tree and a further sync has nothing to do.
/// </summary>
internal sealed class WatchScenario
{
    private readonly WatchSpec _spec;
    private readonly string _dir;
    private readonly string _src;
    private readonly string _dst;
    private readonly string _state;
    private readonly ScenarioResult _result = new();
    private readonly Random _killRng;
    private readonly bool _verbose;

    public WatchScenario(WatchSpec spec, string scratch, bool verbose)
    {
        _spec = spec;
        _verbose = verbose;
        _dir = Path.Combine(scratch, "watch-" + spec.Seed.ToString(CultureInfo.InvariantCulture));
        _src = Path.Combine(_dir, "src");
        _dst = Path.Combine(_dir, "dst");
        _state = Path.Combine(_dir, "state");
        _killRng = new Random(unchecked((spec.Seed * 17) + 3));
    }

    public string Folder => _dir;

    private TimeSpan RunLimit => TimeSpan.FromMinutes(2 + (_spec.Files / 1000.0));

    private IEnumerable<string> ChildArgs(bool idleExit)
    {
        var args = new List<string> { "--watch", "--source", _src, "--destination", _dst, "--state", _state, "--mode", OptionNames.Kebab(_spec.Mode) };
        if (idleExit)
        {
            args.AddRange(new[] { "--idle-exit", "1500" });
        }

        return args;
    }

    private SyncPair Pair => Child.PairFrom(new Dictionary<string, string>
    {
        ["source"] = _src, ["destination"] = _dst, ["state"] = _state, ["mode"] = _spec.Mode.ToString(),
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
        for (var i = 0; i < _spec.Files; i++)
        {
            var path = maker.NewPath();
            var content = maker.Content(allowLarge: false);
            var t = maker.NextTime();
            Trees.Write(_src, path, content, t);
            Trees.Write(_dst, path, content, t);
        }

        var outside = Trees.Listing(_dir, "src", "dst", "state");
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, string>? contents = null;
        for (var k = 1; k <= _spec.Kills; k++)
        {
            using var child = ChildProcess.Start(ChildArgs(idleExit: false), _dir);
            WaitFor(child, child.Watching);
            if (!child.Watching.IsSet)
            {
                Fail($"watch {k} did not finish its first full sync: {string.Join(" | ", child.Lines.TakeLast(5))}");
                return Done(clock);
            }

            // The burst, made while the watch runs but is paused (syncengine pause): the snapshot of what exists then,
            // which must survive the kill, is not raced by the watch's own moves. Resumed, the watch syncs the burst.
            Control.ControlFile.Request(_state, Control.ControlRequest.Pause);
            Thread.Sleep(800); // the watch reads the control file every 200 ms; a running action finishes
            var doneBefore = child.Done;
            var planned = Burst(maker, allowed);
            contents = Contents();
            Control.ControlFile.Request(_state, Control.ControlRequest.Resume);
            _result.ContentsChecked = Math.Max(_result.ContentsChecked, contents.Count);
            _result.ActionsPlanned += planned;
            var killAfter = _killRng.Next(0, Math.Max(1, planned));
            // Wait for that many finished actions; if the watch has fewer to do (the estimate is rough), kill it once
            // it made no progress for a few seconds.
            var limit = Stopwatch.StartNew();
            var progress = Stopwatch.StartNew();
            var seen = child.Done;
            while (child.Done - doneBefore < killAfter && !child.HasExited && limit.Elapsed < RunLimit)
            {
                Thread.Sleep(1);
                if (child.Done != seen)
                {
                    seen = child.Done;
                    progress.Restart();
                }
                else if (progress.Elapsed > TimeSpan.FromSeconds(5))
                {
                    break;
                }
            }

            var batches = child.Batches;
            var finished = child.Done - doneBefore;
            var landed = child.Kill();
            Log($"kill {k}: after {finished} of about {planned} actions, in batch {batches} of the burst, at {clock.Elapsed.TotalSeconds:0.0} s");
            if (!landed)
            {
                _result.FinishedBeforeKill++;
                Fail($"watch {k} ended by itself before the kill: {string.Join(" | ", child.Lines.TakeLast(5))}");
                return Done(clock);
            }

            _result.KillsLanded++;
            if (batches == 0)
            {
                _result.KillsBeforeExecution++;
            }
            else
            {
                _result.KillsDuringExecution++;
            }

            CheckContents(contents, $"after kill {k}");
            CheckOutside(outside, $"after kill {k}");
            CheckNextPlan(allowed, $"after kill {k}");
            if (_result.Failures.Count > 0)
            {
                return Done(clock);
            }
        }

        // The last start: it must resume and bring both sides level, then it ends by itself once idle.
        using (var last = ChildProcess.Start(ChildArgs(idleExit: true), _dir))
        {
            if (!last.WaitForExit(RunLimit))
            {
                Fail($"the last watch did not become idle in {RunLimit.TotalMinutes:0} minutes (a hang)");
                return Done(clock);
            }

            if (last.ExitCode != 0 || !last.Saved.IsSet || last.Lines.Any(l => l.StartsWith("REFUSED", StringComparison.Ordinal)))
            {
                Fail($"the last watch exited with {last.ExitCode}: {string.Join(" | ", last.Lines.Where(l => !l.StartsWith("DONE", StringComparison.Ordinal)).TakeLast(5))}");
            }
        }

        _result.FilesInScenario = Trees.Files(_src).Count + Trees.Files(_dst).Count;
        if (contents is not null)
        {
            CheckContents(contents, "after the last watch");
        }

        CheckOutside(outside, "after the last watch");
        var src = Trees.Map(_src);
        var dst = Trees.Map(_dst);
        var diffs = src.Where(kv => !dst.TryGetValue(kv.Key, out var v) || v != kv.Value).Select(kv => kv.Key)
            .Concat(dst.Keys.Where(key => !src.ContainsKey(key))).Distinct().ToList();
        if (diffs.Count > 0)
        {
            Fail($"after the last watch the sides differ at {diffs.Count} paths, e.g. {string.Join(", ", diffs.Take(5))}");
        }

        var plan = SyncPlanner.Plan(Pair);
        var left = plan.Actions.Where(a => a.IsMutating).ToList();
        if (left.Count > 0 || plan.StateWasUnreadable)
        {
            Fail($"after the last watch a sync would still do {left.Count} things{(left.Count > 0 ? $", e.g. {left[0].Action} '{left[0].RelativePath}'" : "")}{(plan.StateWasUnreadable ? "; the state is unreadable" : "")}");
        }

        return Done(clock);
    }

    /// <summary>
    /// Changes made while the watch runs: a third of the files are new, some edited, deleted or renamed, on the source
    /// (and in two-way also on the destination). Adds the deletions a plan may make to <paramref name="allowed"/>;
    /// returns about how many actions the watch has to do for them.
    /// </summary>
    private int Burst(TreeMaker m, HashSet<string> allowed)
    {
        var twoWay = _spec.Mode == SyncMode.TwoWay;
        var actions = 0;
        var files = Trees.Files(_src);
        var dstFiles = new HashSet<string>(Trees.Files(_dst), StringComparer.Ordinal);
        foreach (var f in files)
        {
            var roll = m.Rng.NextDouble();
            var onDestination = twoWay && m.Rng.Next(3) == 0 && dstFiles.Contains(f);
            var root = onDestination ? _dst : _src;
            var other = onDestination ? "source:" : "destination:";
            if (roll < 0.08)
            {
                Trees.Write(root, f, m.Content(allowLarge: false), DateTime.UtcNow);
                actions++;
            }
            else if (roll < 0.11)
            {
                File.Delete(Trees.Full(root, f));
                allowed.Add(other + f);
                actions++;
            }
            else if (roll < 0.14)
            {
                var to = m.NewPath();
                var target = Trees.Full(root, to);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(Trees.Full(root, f), target);
                allowed.Add(other + f); // a rename split over two batches is a deletion and a copy
                actions++;
            }
        }

        for (var i = 0; i < Math.Max(10, _spec.Files / 3); i++)
        {
            var root = twoWay && m.Rng.Next(3) == 0 ? _dst : _src;
            Trees.Write(root, m.NewPath(), m.Content(allowLarge: false), DateTime.UtcNow);
            actions++;
        }

        return actions;
    }

    private ScenarioResult Done(Stopwatch clock)
    {
        _result.Elapsed = clock.Elapsed;
        return _result;
    }

    private void WaitFor(ChildProcess child, ManualResetEventSlim milestone)
    {
        var clock = Stopwatch.StartNew();
        while (!milestone.Wait(20) && !child.HasExited && clock.Elapsed < RunLimit)
        {
        }
    }

    private Dictionary<string, string> Contents()
    {
        var where = new Dictionary<string, string>(StringComparer.Ordinal);
        Trees.AddContents(_src, where);
        Trees.AddContents(_dst, where);
        return where;
    }

    private void CheckContents(Dictionary<string, string> before, string when)
    {
        var now = Contents();
        var lost = before.Where(h => !now.ContainsKey(h.Key)).ToList();
        if (lost.Count > 0)
        {
            _result.ContentsLost += lost.Count;
            Fail($"{lost.Count} file contents lost {when} (not on either side nor in a trash), e.g. sha256 {lost[0].Key}, which was at {lost[0].Value}");
        }
    }

    private void CheckOutside(List<string> before, string when)
    {
        var now = Trees.Listing(_dir, "src", "dst", "state");
        if (!now.SequenceEqual(before))
        {
            Fail($"something outside the roots and the state folder changed {when}: added [{string.Join(", ", now.Except(before).Take(5))}] removed [{string.Join(", ", before.Except(now).Take(5))}]");
        }
    }

    private void CheckNextPlan(HashSet<string> allowed, string when)
    {
        SyncPlan plan;
        try
        {
            plan = SyncPlanner.Plan(Pair);
        }
        catch (SyncEngineException ex)
        {
            Fail($"planning {when} failed: {ex.ErrorId}: {ex.Message}");
            return;
        }

        if (plan.StateWasUnreadable)
        {
            Fail($"the state {when} reads as unreadable");
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
                Fail($"the plan {when} deletes '{a.RelativePath}' ({a.Action}: {a.Reason}), which no change of the bursts deleted");
            }
        }
    }
}
