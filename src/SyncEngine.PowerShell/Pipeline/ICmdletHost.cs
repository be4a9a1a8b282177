using System;

namespace SyncEngine.PowerShell.Pipeline;

/// <summary>
/// What the sync pipeline needs from a cmdlet (or from a job standing in for one). Every member is called on the
/// pipeline thread only: worker threads never reach it. The cmdlet base class implements it with the real
/// <c>ShouldProcess</c>/<c>WriteObject</c>/<c>WriteError</c>/<c>WriteProgress</c>; tests implement it with a recorder.
/// </summary>
internal interface ICmdletHost
{
    /// <summary>Asks whether to apply one change (the cmdlet's <c>ShouldProcess(target, action)</c>: -WhatIf, -Confirm, Yes/No to All).</summary>
    bool ShouldProcess(string target, string action);

    /// <summary>Writes an output object.</summary>
    void WriteObject(object sendToPipeline);

    /// <summary>Writes a non-terminating error.</summary>
    void WriteError(ErrorRecordInfo error);

    /// <summary>Writes a progress record.</summary>
    void WriteProgress(ProgressInfo progress);

    /// <summary>Writes a warning.</summary>
    void WriteWarning(string text);

    /// <summary>Writes a verbose message.</summary>
    void WriteVerbose(string text);

    /// <summary>Writes a debug message.</summary>
    void WriteDebug(string text);

    /// <summary>True once the pipeline is being stopped (Ctrl+C): nothing more may be written.</summary>
    bool IsStopping { get; }
}

/// <summary>A progress record, free of PowerShell types (the cmdlet turns it into a <c>ProgressRecord</c>).</summary>
internal sealed class ProgressInfo
{
    public ProgressInfo(int activityId, int parentActivityId, string activity, string statusDescription)
    {
        if (activityId == parentActivityId)
        {
            throw new ArgumentException("An activity cannot be its own parent.", nameof(parentActivityId));
        }

        ActivityId = activityId;
        ParentActivityId = parentActivityId;
        Activity = string.IsNullOrEmpty(activity) ? "SyncEngine" : activity;
        StatusDescription = string.IsNullOrEmpty(statusDescription) ? "..." : statusDescription;
    }

    /// <summary>Identifies the activity (fixed ids, see <see cref="ProgressReporter"/>).</summary>
    public int ActivityId { get; }

    /// <summary>The parent activity, or -1.</summary>
    public int ParentActivityId { get; }

    /// <summary>What is going on (never empty).</summary>
    public string Activity { get; }

    /// <summary>The state of the activity (never empty).</summary>
    public string StatusDescription { get; }

    /// <summary>The operation in hand, or null.</summary>
    public string? CurrentOperation { get; init; }

    /// <summary>0–100, or -1 when unknown.</summary>
    public int PercentComplete { get; init; } = -1;

    /// <summary>Estimated seconds left, or -1 when unknown.</summary>
    public int SecondsRemaining { get; init; } = -1;

    /// <summary>True for the record that ends the activity.</summary>
    public bool Completed { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"#{ActivityId}(parent {ParentActivityId}) {(Completed ? "Completed" : PercentComplete + "%")} {Activity}: {StatusDescription}";
}

/// <summary>
/// The PowerShell error categories the module uses, with the names and values of
/// <c>System.Management.Automation.ErrorCategory</c> (tests/SyncEngine.PowerShell.RunspaceTests checks them against PowerShell's own enum).
/// </summary>
internal enum PsErrorCategory
{
    NotSpecified = 0,
    InvalidArgument = 5,
    InvalidData = 6,
    InvalidOperation = 7,
    InvalidResult = 8,
    ObjectNotFound = 13,
    OperationStopped = 14,
    PermissionDenied = 18,
    ResourceBusy = 19,
    ReadError = 22,
    WriteError = 23,
    LimitsExceeded = 29,
}

/// <summary>An error record, free of PowerShell types (the cmdlet turns it into an <c>ErrorRecord</c>).</summary>
internal sealed class ErrorRecordInfo
{
    public ErrorRecordInfo(string errorId, PsErrorCategory category, Exception exception, object? targetObject)
    {
        ErrorId = errorId;
        Category = category;
        Exception = exception;
        TargetObject = targetObject;
    }

    /// <summary>Stable PascalCase identifier (the engine's, for example <c>SyncCopyFailed</c>).</summary>
    public string ErrorId { get; }

    /// <summary>The category.</summary>
    public PsErrorCategory Category { get; }

    /// <summary>The exception (its message is what users read).</summary>
    public Exception Exception { get; }

    /// <summary>What the error is about (a relative path, a root, a pair).</summary>
    public object? TargetObject { get; }

    /// <summary>What to do about it, or null.</summary>
    public string? RecommendedAction { get; init; }

    /// <summary>The message.</summary>
    public string Message => Exception.Message;

    /// <inheritdoc />
    public override string ToString() => $"{ErrorId} ({Category}) {Message}";
}
