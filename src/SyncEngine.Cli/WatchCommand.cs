using System;
using System.Linq;
using SyncEngine.Cli.Output;
using SyncEngine.Control;
using SyncEngine.Watch;

namespace SyncEngine.Cli;

/// <summary>
/// <c>syncengine watch</c>: one full sync, then every change as it comes (the engine's <see cref="WatchSession"/>).
/// Prints one line per completed action as <c>sync</c> does, one line per batch, and the watch's own notices on
/// standard error. Ends on Ctrl+C (130), SIGTERM (143) or <c>syncengine stop</c> (0, or 3 while a refused batch waits).
/// </summary>
internal static class WatchCommand
{
    public static int Run(CliContext context, PairArguments args)
    {
        if (args.WhatIf)
        {
            throw new CliUsageException("--what-if does not apply to watch (it changes files as they change). See what a sync would do with 'syncengine plan'.", "watch");
        }

        var debounce = Duration(args.Debounce, "--debounce", WatchOptions.DefaultDebounce, TimeSpan.Zero);
        var maxDelay = Duration(args.MaxDelay, "--max-delay", debounce > WatchOptions.DefaultMaxDelay ? debounce : WatchOptions.DefaultMaxDelay, TimeSpan.Zero);
        var rescan = Duration(args.Rescan, "--rescan", WatchOptions.DefaultRescanInterval, TimeSpan.FromSeconds(1));
        var poll = Duration(args.Poll, "--poll", WatchOptions.DefaultPollInterval, TimeSpan.FromMilliseconds(100));
        if (maxDelay < debounce)
        {
            throw new CliUsageException($"--max-delay ({WatchDurations.Format(maxDelay)}) is shorter than --debounce ({WatchDurations.Format(debounce)}): give a maximum delay at least as long as the quiet period.", "watch");
        }

        var pair = args.BuildPair(context);
        var printer = new Printer(context, args.Json, progress: false, pair.ResolvedStatePath);
        var json = args.Json ? new JsonLines() : null;
        using var controller = new SyncController();
        using var interrupts = InterruptHandler.Install(context, controller, printer.Error, executing: true);
        var refusalWaiting = false;
        var pausedShown = false;
        var upToDateShown = false;
        var batches = 0;
        void OnProgress(SyncProgressEvent e)
        {
            if (e.Type == SyncEventType.Paused)
            {
                if (pausedShown)
                {
                    return;
                }

                pausedShown = true;
            }
            else if (e.Type == SyncEventType.Resumed)
            {
                if (!pausedShown)
                {
                    return;
                }

                pausedShown = false;
            }

            printer.OnEvent(e);
        }

        void OnWatchEvent(WatchEvent e)
        {
            switch (e.Type)
            {
                case WatchEventType.Started:
                    printer.Error($"Watching '{pair.Source}' and '{pair.Destination}' ({e.Message}); quiet period {WatchDurations.Format(debounce)}, at most {WatchDurations.Format(maxDelay)}, full rescan every {WatchDurations.Format(rescan)}. Stop with Ctrl+C or: syncengine stop --state-dir '{pair.ResolvedStatePath}'");
                    break;
                case WatchEventType.Warning when e.Message is not null && e.Message.StartsWith("Forced by the user: ", StringComparison.Ordinal):
                    refusalWaiting = false;
                    printer.Warning(e.Message);
                    break;
                case WatchEventType.BatchCompleted when e.Summary is not null:
                    batches++;
                    refusalWaiting = false;
                    printer.Out(json is not null ? json.Batch(e.Summary, e.Batch, e.FullRescan) : "batch " + e.Batch + (e.FullRescan ? " (full)" : "") + ": " + TextFormat.RunSummary(e.Summary));
                    printer.Finish(); // a batch's lines are out when it ends, not when the next one comes
                    break;
                case WatchEventType.BatchRefused:
                    refusalWaiting = true;
                    printer.Error($"syncengine: batch {e.Batch} refused by a safety guard ({e.ErrorId}): {string.Join(" ", e.Violations.Select(v => v.Message))}");
                    printer.Error($"Nothing of that batch was applied; the watch goes on and tries again when something changes. To go ahead after checking ('syncengine plan'), run: syncengine resume --force --state-dir '{pair.ResolvedStatePath}'");
                    break;
                case WatchEventType.BatchFailed:
                case WatchEventType.SideUnavailable:
                case WatchEventType.Warning:
                    printer.Warning(e.Message ?? e.Type.ToString());
                    break;
                case WatchEventType.SideAvailable:
                case WatchEventType.RescanRequested:
                    printer.Error(e.Message ?? e.Type.ToString());
                    break;
                case WatchEventType.StateChanged when e.State is WatchState.Idle or WatchState.Pending && !upToDateShown && !pausedShown:
                    // Once, when the first full sync has ended: from here on only changes are synced (scripts wait for it).
                    upToDateShown = true;
                    printer.Error("The first full sync is done; watching for changes.");
                    break;
                case WatchEventType.StateChanged when e.State == WatchState.Paused && !pausedShown:
                    pausedShown = true;
                    printer.Error($"Paused: changes are collected, no batch starts. Resume with: syncengine resume --state-dir '{pair.ResolvedStatePath}'");
                    break;
                case WatchEventType.StateChanged when e.State != WatchState.Paused && e.State != WatchState.Syncing && pausedShown:
                    pausedShown = false;
                    printer.Error("Resumed.");
                    break;
            }
        }

        using (var watch = WatchSession.Open(pair, new WatchOptions
        {
            Debounce = debounce,
            MaxDelay = maxDelay,
            RescanInterval = rescan,
            PollInterval = poll,
            Force = args.Force,
            Reseed = args.Reseed,
            Controller = controller,
            Progress = OnProgress,
            Events = OnWatchEvent,
        }))
        {
            watch.Run();
            var code = interrupts?.Terminated == true ? ExitCodes.Terminated
                : watch.StopRequested ? (refusalWaiting ? ExitCodes.SafetyGuard : ExitCodes.Success)
                : ExitCodes.Cancelled;
            var how = code == ExitCodes.Terminated ? "SIGTERM" : watch.StopRequested ? "stop" : "interrupt";
            if (json is not null)
            {
                printer.Out(json.WatchEnd(watch.Batch, how, code));
            }

            printer.Finish();
            printer.Error($"Stopped watching ({how}) after {batches} batch(es); finished actions were saved." + (refusalWaiting ? " A batch refused by a safety guard is still waiting (exit 3)." : ""));
            return code;
        }
    }

    /// <summary>A duration option as typed (<c>200ms</c>, <c>2s</c>, <c>10m</c>, <c>1h</c>), or its default; a bad one names the option (exit 2).</summary>
    private static TimeSpan Duration(string? text, string option, TimeSpan fallback, TimeSpan least)
    {
        if (text is null)
        {
            return fallback;
        }

        if (!WatchDurations.TryParse(text, out var value))
        {
            throw new CliUsageException($"{option}: '{text}' is not a duration. Write a whole number and a unit: ms, s, m, h or d (for example 200ms, 2s, 10m, 1h).", "watch");
        }

        if (value < least || value > TimeSpan.FromDays(30))
        {
            throw new CliUsageException($"{option}: '{text}' is out of range ({WatchDurations.Format(least)} to 30d).", "watch");
        }

        return value;
    }
}
