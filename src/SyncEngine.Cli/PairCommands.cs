using System;
using System.Linq;
using SyncEngine.Cli.Output;
using SyncEngine.Control;
using SyncEngine.Execution;

namespace SyncEngine.Cli;

/// <summary><c>syncengine plan</c> and <c>syncengine sync</c>: glue between the arguments, the engine and the printer.</summary>
internal static class PairCommands
{
    /// <summary>Prints the plan (table, what-if lines or JSON); changes nothing and takes no lock.</summary>
    public static int Plan(CliContext context, PairArguments args)
    {
        args.ToPlanOptions(null);
        var pair = args.BuildPair(context);
        var printer = new Printer(context, args.Json, progress: true);
        using var controller = new SyncController();
        using var interrupts = InterruptHandler.Install(context, controller, printer.Error, executing: false);
        SyncPlan plan;
        try
        {
            plan = SyncPlanner.Plan(pair, args.ToPlanOptions(printer.OnEvent), controller.Token);
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

        WritePlan(printer, pair, plan, args);
        printer.Finish();
        return ExitCodes.Success;
    }

    /// <summary>Plans and executes. With --what-if, prints what would happen and changes nothing.</summary>
    public static int Sync(CliContext context, PairArguments args)
    {
        if (args.WhatIf)
        {
            return Plan(context, args);
        }

        args.ToPlanOptions(null);
        var pair = args.BuildPair(context);
        var printer = new Printer(context, args.Json, progress: true, pair.ResolvedStatePath);
        using var controller = new SyncController();
        using var interrupts = InterruptHandler.Install(context, controller, printer.Error, executing: true);
        try
        {
            using var session = SyncSession.Open(pair);
            var plan = session.Plan(args.ToPlanOptions(printer.OnEvent), controller.Token);
            foreach (var w in plan.Warnings)
            {
                printer.Warning(w);
            }

            SyncExecution execution;
            try
            {
                execution = session.BeginExecute(plan.Actions, new ExecuteOptions
                {
                    Force = args.Force,
                    Progress = printer.OnEvent,
                    Controller = controller,
                });
            }
            catch (SyncEngineException ex) when (ex.Kind == SyncErrorKind.SafetyGuard)
            {
                printer.Finish();
                printer.Error(GuardRefusal(ex));
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
                var notStarted = printer.NotStarted > 0 ? $" {TextFormat.Count(printer.NotStarted)} actions were not started (counted as skipped, not listed)." : "";
                printer.Error("Cancelled: finished actions were saved." + notStarted + " Run the sync again to finish.");
            }
            else if (summary.Conflicts > 0 && code == ExitCodes.Conflicts)
            {
                var caseConflicts = plan.Actions.Count(a => a.Action == SyncActionType.Conflict && a.IsCaseConflict);
                if (caseConflicts < summary.Conflicts)
                {
                    printer.Error($"{summary.Conflicts - caseConflicts} conflict(s) left unresolved: both sides changed. Resolve them by hand, or sync with --conflict newest-wins, source-wins, destination-wins or keep-both.");
                }

                if (caseConflicts > 0)
                {
                    printer.Error($"{caseConflicts} file(s) not synchronized: their names differ only in case from another file's, and a side that ignores case cannot hold both. Rename one of each pair.");
                }
            }
            else if (code == ExitCodes.Stale)
            {
                printer.Error($"{summary.Stale} action(s) were stale: their files changed after the plan was made, so they were left for the next run. Run the sync again.");
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

    /// <summary>What a guard refusal says on standard error: the engine's reason and how to go ahead.</summary>
    public static string GuardRefusal(SyncEngineException ex) =>
        "syncengine: refused by a safety guard (" + ex.ErrorId + "): " + ex.Message + Environment.NewLine +
        (ex.ErrorId == "SyncRootEmptied"
            ? "Nothing was changed. Review the plan with 'syncengine plan' (add --reseed to see the re-seed); then run the sync again with --reseed to copy everything back, or with --force to go ahead as planned."
            : "Nothing was changed. Review the plan with 'syncengine plan'; to go ahead anyway, run the sync again with --force.");

    private static void WritePlan(Printer printer, SyncPair pair, SyncPlan plan, PairArguments args)
    {
        foreach (var w in plan.Warnings)
        {
            printer.Warning(w);
        }

        foreach (var v in SafetyGuards.Evaluate(plan.Actions, plan.Info, pair.MaxDeletePercent))
        {
            printer.Warning("a sync of this plan would be refused (" + v.ErrorId + "): " + v.Message
                + (v.ErrorId == "SyncRootEmptied" ? " ('syncengine sync' goes ahead only with --reseed or --force.)" : " ('syncengine sync' goes ahead only with --force.)"));
        }

        var visible = plan.Visible().ToList();
        if (printer.Json)
        {
            var json = new JsonLines();
            foreach (var a in visible)
            {
                printer.Out(json.Action(a));
            }
        }
        else if (args.WhatIf)
        {
            foreach (var a in visible)
            {
                printer.Out(TextFormat.WhatIf(a));
            }
        }
        else
        {
            foreach (var line in TextFormat.PlanTable(visible))
            {
                printer.Out(line);
            }

            printer.Out(TextFormat.PlanSummary(visible, plan.Info));
        }
    }
}
