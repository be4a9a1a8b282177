using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.ExceptionServices;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// Base of the SyncEngine cmdlets: the bridge between the plain pipeline code (<see cref="ICmdletHost"/>) and
/// PowerShell (ShouldProcess, WriteObject, ErrorRecord, ProgressRecord), plus path resolution against PowerShell's
/// current location.
/// </summary>
public abstract class SyncCmdletBase : PSCmdlet, ICmdletHost
{
    bool ICmdletHost.IsStopping => Stopping;

    bool ICmdletHost.ShouldProcess(string target, string action) => ShouldProcess(target, action);

    void ICmdletHost.WriteObject(object sendToPipeline) => WriteObject(sendToPipeline);

    void ICmdletHost.WriteError(ErrorRecordInfo error) => WriteError(ToErrorRecord(error));

    void ICmdletHost.WriteProgress(ProgressInfo progress)
    {
        if (!Stopping)
        {
            WriteProgress(ToProgressRecord(progress));
        }
    }

    void ICmdletHost.WriteWarning(string text) => WriteWarning(text);

    void ICmdletHost.WriteVerbose(string text) => WriteVerbose(text);

    void ICmdletHost.WriteDebug(string text) => WriteDebug(text);

    /// <summary>The record PowerShell writes for an <see cref="ErrorRecordInfo"/>.</summary>
    internal static ErrorRecord ToErrorRecord(ErrorRecordInfo info)
    {
        var record = new ErrorRecord(info.Exception, info.ErrorId, (ErrorCategory)(int)info.Category, info.TargetObject);
        if (info.RecommendedAction is not null)
        {
            record.ErrorDetails = new ErrorDetails(info.Message) { RecommendedAction = info.RecommendedAction };
        }

        return record;
    }

    /// <summary>The record PowerShell writes for a <see cref="ProgressInfo"/>.</summary>
    internal static ProgressRecord ToProgressRecord(ProgressInfo info) =>
        new(info.ActivityId, info.Activity, info.StatusDescription)
        {
            ParentActivityId = info.ParentActivityId,
            CurrentOperation = info.CurrentOperation,
            PercentComplete = ProgressReporter.Clamp(info.PercentComplete) == info.PercentComplete ? info.PercentComplete : -1,
            SecondsRemaining = info.SecondsRemaining,
            RecordType = info.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };

    /// <summary>Resolves a path parameter against PowerShell's current location; FileSystem provider only.</summary>
    internal string ResolvePath(string path, string parameterName) =>
        ProviderPaths.Resolve(path, parameterName, p =>
        {
            var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(p, out var provider, out _);
            return (resolved, provider?.Name ?? "");
        });

    /// <summary>
    /// True when -WhatIf is in effect: the -WhatIf switch when given, else $WhatIfPreference (the same rule
    /// ShouldProcess follows). Under -WhatIf no session is opened, so nothing is locked or recorded.
    /// </summary>
    internal bool IsWhatIf()
    {
        if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound))
        {
            return bound is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(bound);
        }

        var preference = GetVariableValue("WhatIfPreference");
        return preference is not null && LanguagePrimitives.IsTrue(preference);
    }

    /// <summary>True when -Confirm was given (and not as -Confirm:$false).</summary>
    internal bool IsConfirmRequested() =>
        MyInvocation.BoundParameters.TryGetValue("Confirm", out var bound) && (bound is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(bound));

    /// <summary>
    /// Ends the command with the error record of an engine error (its ErrorId, its category). Exceptions that are not
    /// expected are rethrown as they are, so a bug is not disguised as a user error.
    /// </summary>
    internal void ThrowTerminating(Exception exception, object? target = null)
    {
        var info = ErrorMapping.FromException(exception, target);
        if (info is null)
        {
            ExceptionDispatchInfo.Capture(exception).Throw();
            return;
        }

        ThrowTerminatingError(ToErrorRecord(info));
    }

    /// <summary>
    /// -Path: checked by the engine before anything starts (a bad path ends the command with SyncInvalidPath naming it,
    /// category InvalidArgument, the path as target; with -Reseed, SyncPathWithReseed).
    /// </summary>
    internal void CheckPaths(string[]? paths, bool reseed)
    {
        if (paths is null)
        {
            return;
        }

        try
        {
            new PlanOptions { Paths = paths, Reseed = reseed }.Validate();
        }
        catch (SyncEngineException ex)
        {
            ThrowTerminating(ex, ex.Target ?? "Path");
        }
    }

    /// <summary>Writes the error record of an engine error and goes on; unexpected exceptions are rethrown.</summary>
    internal void WriteNonTerminating(Exception exception, object? target = null)
    {
        var info = ErrorMapping.FromException(exception, target);
        if (info is null)
        {
            ExceptionDispatchInfo.Capture(exception).Throw();
            return;
        }

        WriteError(ToErrorRecord(info));
    }

    /// <summary>Writes an error record built by the plain code.</summary>
    internal void WriteErrorInfo(ErrorRecordInfo info) => WriteError(ToErrorRecord(info));

    /// <summary>
    /// Adapts a -ConflictHandler scriptblock: it receives the <see cref="ConflictInfo"/> as <c>$_</c> and as its first
    /// argument, and its output objects (unwrapped) are what <see cref="ConflictChoiceMapping"/> reads. The pipeline
    /// calls it on the pipeline thread only.
    /// </summary>
    internal static Func<ConflictInfo, IEnumerable<object?>> ConflictHandlerFrom(ScriptBlock script) => info =>
    {
        var variables = new List<PSVariable> { new("_", info) };
        var output = script.InvokeWithContext((IDictionary?)null, variables, info);
        return output.Select(o => o?.BaseObject).ToList();
    };

    /// <summary>A wildcard matcher for -Name values (case-insensitive).</summary>
    internal static Func<string, bool> NameMatcher(string pattern)
    {
        if (!WildcardPattern.ContainsWildcardCharacters(pattern))
        {
            return name => string.Equals(name, pattern, StringComparison.OrdinalIgnoreCase);
        }

        var wildcard = new WildcardPattern(pattern, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
        return wildcard.IsMatch;
    }
}
