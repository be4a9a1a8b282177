using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace SyncEngine.Cli.Output;

/// <summary>The plain-text lines of <c>syncengine</c>: plan tables, what-if lines, result lines and summaries.</summary>
internal static class TextFormat
{
    /// <summary>Width of the action column (the longest action name, <c>RenameDestination</c>).</summary>
    public static readonly int ActionWidth = Enum.GetNames(typeof(SyncActionType)).Max(n => n.Length);

    /// <summary>Paths longer than this are not padded (the reason column then follows after two spaces).</summary>
    public const int MaxPathColumn = 60;

    private static readonly int StatusWidth = Enum.GetNames(typeof(SyncResultStatus)).Max(n => n.Length);

    /// <summary>The path an action is about; renames show <c>old -&gt; new</c>.</summary>
    public static string PathText(SyncAction action) =>
        action.PreviousPath is null ? action.RelativePath : action.PreviousPath + " -> " + action.RelativePath;

    /// <summary><c>What if: &lt;Action&gt; &lt;path&gt;</c> (renames: <c>What if: RenameDestination old -&gt; new</c>).</summary>
    public static string WhatIf(SyncAction action) => "What if: " + action.Action + " " + PathText(action);

    /// <summary>The plan as an aligned table: action, path, reason; one line per action.</summary>
    public static IEnumerable<string> PlanTable(IReadOnlyList<SyncAction> actions)
    {
        var pathWidth = 0;
        foreach (var a in actions)
        {
            pathWidth = Math.Max(pathWidth, PathText(a).Length);
        }

        pathWidth = Math.Min(pathWidth, MaxPathColumn);
        var sb = new StringBuilder();
        foreach (var a in actions)
        {
            sb.Clear();
            sb.Append(a.Action.ToString().PadRight(ActionWidth)).Append("  ");
            var path = PathText(a);
            sb.Append(path);
            var reason = Reason(a);
            if (reason.Length > 0)
            {
                sb.Append(' ', Math.Max(pathWidth - path.Length, 0) + 2).Append(reason);
            }

            yield return sb.ToString();
        }
    }

    /// <summary>The planner's reason (for a resolved conflict it says who won and where a kept copy went).</summary>
    public static string Reason(SyncAction action) => action.Reason ?? "";

    /// <summary>
    /// The plan's last line: counts per action type in enum order and the bytes to copy, or "nothing to do".
    /// </summary>
    public static string PlanSummary(IReadOnlyList<SyncAction> actions, SyncPlanInfo info)
    {
        if (actions.Count == 0)
        {
            return string.Format(CultureInfo.InvariantCulture, "Plan: nothing to do ({0} files on the source, {1} on the destination).",
                info.SourceFileCount, info.DestinationFileCount);
        }

        var counts = new int[Enum.GetValues(typeof(SyncActionType)).Length];
        long bytes = 0;
        foreach (var a in actions)
        {
            counts[(int)a.Action]++;
            bytes += a.Bytes;
        }

        var parts = new List<string>();
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] > 0)
            {
                parts.Add(counts[i].ToString(CultureInfo.InvariantCulture) + " " + ((SyncActionType)i));
            }
        }

        return string.Format(CultureInfo.InvariantCulture, "Plan: {0} {1} ({2}), {3} to copy.",
            actions.Count, actions.Count == 1 ? "action" : "actions", string.Join(", ", parts), Bytes(bytes));
    }

    /// <summary><c>&lt;Status&gt; &lt;Action&gt; &lt;path&gt;</c>, then the error in parentheses when there is one.</summary>
    public static string ResultLine(SyncResult result)
    {
        var sb = new StringBuilder(96);
        sb.Append(result.Status.ToString().PadRight(StatusWidth)).Append(' ');
        sb.Append(result.Action.ToString().PadRight(ActionWidth)).Append(' ');
        sb.Append(PathText(result.ActionItem));
        if (!string.IsNullOrEmpty(result.Error))
        {
            sb.Append("  (").Append(result.Error).Append(')');
        }
        else if (result.ActionItem.IsConflict)
        {
            sb.Append("  (").Append(Reason(result.ActionItem)).Append(')');
        }

        return sb.ToString();
    }

    /// <summary><c>N succeeded, N failed, N skipped, N stale, N conflicts, &lt;bytes&gt; copied in &lt;s&gt;</c>.</summary>
    public static string RunSummary(SyncSummary s) => string.Format(CultureInfo.InvariantCulture,
        "{0} succeeded, {1} failed, {2} skipped, {3} stale, {4} conflicts, {5} copied in {6}",
        s.Succeeded, s.Failed, s.Skipped, s.Stale, s.Conflicts, Bytes(s.BytesTransferred), Duration(s.Duration));

    /// <summary>Bytes for people: <c>512 B</c>, <c>1.5 KiB</c>, <c>12.0 MiB</c>.</summary>
    public static string Bytes(long bytes)
    {
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }

        string[] units = { "KiB", "MiB", "GiB", "TiB", "PiB" };
        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    /// <summary>A duration: <c>0.42 s</c>, <c>12.3 s</c>, or <c>h:mm:ss</c> from a minute on.</summary>
    public static string Duration(TimeSpan duration)
    {
        var seconds = duration.TotalSeconds;
        if (seconds < 10)
        {
            return seconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
        }

        if (seconds < 60)
        {
            return seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        }

        return Clock(duration);
    }

    /// <summary><c>m:ss</c> or <c>h:mm:ss</c>.</summary>
    public static string Clock(TimeSpan duration)
    {
        var total = (long)Math.Max(0, Math.Round(duration.TotalSeconds));
        var h = total / 3600;
        var m = total / 60 % 60;
        var s = total % 60;
        return h > 0
            ? string.Format(CultureInfo.InvariantCulture, "{0}:{1:00}:{2:00}", h, m, s)
            : string.Format(CultureInfo.InvariantCulture, "{0}:{1:00}", m, s);
    }

    /// <summary>A number with thousands separators (invariant culture).</summary>
    public static string Count(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);
}
