using System;
using System.Globalization;
using System.Linq;
using SyncEngine.Cli.Output;
using SyncEngine.Control;
using SyncEngine.History;

namespace SyncEngine.Cli;

/// <summary><c>syncengine history</c> and <c>syncengine restore</c>: the change log read and restored by the engine.</summary>
internal static class HistoryCommands
{
    /// <summary>The values given to <c>history</c>.</summary>
    internal sealed class HistoryArguments
    {
        public string? StateDir { get; init; }

        public string? Source { get; init; }

        public string? Destination { get; init; }

        public string? Path { get; init; }

        public string? Since { get; init; }

        public string? Until { get; init; }

        public bool Json { get; init; }
    }

    /// <summary>The values given to <c>restore</c> (the pair options are those of <c>sync</c>).</summary>
    internal sealed class RestoreArguments
    {
        public string? Side { get; init; }

        public string? Path { get; init; }

        public string? Date { get; init; }

        public string? Version { get; init; }

        public string? To { get; init; }
    }

    /// <summary>Prints the pair's changes, newest first: one line each, or one JSON object each.</summary>
    public static int History(CliContext context, HistoryArguments args)
    {
        var now = DateTime.UtcNow;
        var since = args.Since is null ? (DateTime?)null : HistoryTime.Parse(args.Since, "--since", now);
        var until = args.Until is null ? (DateTime?)null : HistoryTime.Parse(args.Until, "--until", now);
        var dir = ControlCommands.ResolveStateDir(context, args.StateDir, args.Source, args.Destination);
        var entries = SyncHistory.ReadStateFolder(dir, args.Path, since, until, w => context.Error.WriteLine("syncengine: warning: " + w));
        var json = new JsonLines();
        foreach (var e in entries)
        {
            context.Out.WriteLine(args.Json ? json.HistoryEntry(e) : Line(e));
        }

        return ExitCodes.Success;
    }

    /// <summary>One change as a line: time, side, action, path (renames: old -&gt; new), sizes, the entry's id.</summary>
    public static string Line(SyncHistoryEntry e)
    {
        var path = e.PreviousPath is null ? e.Path : e.PreviousPath + " -> " + e.Path;
        var sizes = (e.OldVersion, e.NewVersion) switch
        {
            (null, { } n) => TextFormat.Bytes(n.Size),
            ({ } o, null) => TextFormat.Bytes(o.Size) + " -> (deleted)",
            ({ } o, { } n) when e.Action == ChangeKind.Rename => TextFormat.Bytes(n.Size),
            ({ } o, { } n) => TextFormat.Bytes(o.Size) + " -> " + TextFormat.Bytes(n.Size),
            _ => "",
        };
        var kept = e.HasKeptVersion ? "  kept" : "";
        return string.Format(CultureInfo.InvariantCulture, "{0:yyyy-MM-dd HH:mm:ss}Z  {1,-11}  {2,-7}  {3}  ({4}){5}  {6}",
            e.TimeUtc, SyncHistory.SideName(e.Side), SyncHistory.ActionName(e.Action), path, sizes, kept, e.Id);
    }

    /// <summary>
    /// Plans a restore and executes it (or prints it with --what-if): exit 0, 1 (actions failed), 2 (bad input, a
    /// version that cannot be found), 3 (a guard refused), 6 (stale).
    /// </summary>
    public static int Restore(CliContext context, PairArguments pairArgs, RestoreArguments args)
    {
        if (args.Date is null == (args.Version is null))
        {
            throw new CliUsageException("restore: give either --date T or --version ID.", "restore");
        }

        SyncSide? side = args.Side switch
        {
            null => null,
            "source" => SyncSide.Source,
            "destination" => SyncSide.Destination,
            _ => throw new CliUsageException($"--side: '{args.Side}' is not a side. Use source or destination.", "restore"),
        };
        if (side is null && args.Version is null)
        {
            throw new CliUsageException("restore: say which side to restore with --side source|destination.", "restore");
        }

        if (args.Version is not null && args.Path is not null)
        {
            throw new CliUsageException("restore: --version names one version of one file; --path goes with --date.", "restore");
        }

        var asOf = args.Date is null ? (DateTime?)null : HistoryTime.Parse(args.Date, "--date", DateTime.UtcNow);
        var pair = pairArgs.BuildPair(context);
        var printer = new Printer(context, pairArgs.Json, progress: !pairArgs.WhatIf, pair.ResolvedStatePath);
        using var controller = new SyncController();
        using var interrupts = InterruptHandler.Install(context, controller, printer.Error, executing: !pairArgs.WhatIf);
        var options = new RestoreOptions { Side = side, Path = args.Path, AsOf = asOf, VersionId = args.Version, To = args.To };
        if (pairArgs.WhatIf)
        {
            // Planned without the lock: nothing is changed or recorded.
            var preview = SyncRestore.Preview(pair, options);
            foreach (var w in preview.Warnings)
            {
                printer.Warning(w);
            }

            foreach (var v in Execution.SafetyGuards.Evaluate(preview.Actions, preview.Info, pair.MaxDeletePercent))
            {
                printer.Warning("this restore would be refused (" + v.ErrorId + "): " + v.Message + " (it goes ahead only with --force.)");
            }

            var json = new JsonLines();
            var visible = preview.Visible().ToList();
            foreach (var a in visible)
            {
                printer.Out(printer.Json ? json.Action(a) : TextFormat.WhatIf(a));
            }

            if (!printer.Json)
            {
                printer.Out(TextFormat.PlanSummary(visible, preview.Info));
            }

            printer.Finish();
            return ExitCodes.Success;
        }

        try
        {
            using var session = SyncSession.Open(pair);
            var plan = SyncRestore.Plan(session, options);
            foreach (var w in plan.Warnings)
            {
                printer.Warning(w);
            }

            SyncExecution execution;
            try
            {
                execution = session.BeginExecute(plan.Actions, new ExecuteOptions { Force = pairArgs.Force, Progress = printer.OnEvent, Controller = controller });
            }
            catch (SyncEngineException ex) when (ex.Kind == SyncErrorKind.SafetyGuard)
            {
                printer.Finish();
                printer.Error("syncengine: refused by a safety guard (" + ex.ErrorId + "): " + ex.Message + Environment.NewLine +
                              "Nothing was changed. Review the restore with --what-if; to go ahead anyway, run it again with --force.");
                return ExitCodes.SafetyGuard;
            }

            foreach (var action in plan.Actions)
            {
                execution.Post(action);
            }

            execution.Complete();
            var summary = execution.Wait();
            printer.Finish();
            var code = ExitCodes.For(summary, interrupts?.Terminated == true);
            printer.Out(printer.Json ? new JsonLines().Summary(summary, code) : TextFormat.RunSummary(summary));
            if (summary.Cancelled)
            {
                printer.Error("Cancelled: the files restored so far stay restored. Run the restore again to finish.");
            }
            else if (code == ExitCodes.Stale)
            {
                printer.Error($"{summary.Stale} file(s) changed after the restore was planned and were left as they are. Run the restore again.");
            }

            return code;
        }
        catch (OperationCanceledException) when (controller.IsCancelled)
        {
            printer.Finish();
            printer.Error("Cancelled while planning; nothing was changed.");
            return interrupts?.Terminated == true ? ExitCodes.Terminated : ExitCodes.Cancelled;
        }
        finally
        {
            printer.Finish();
        }
    }
}
