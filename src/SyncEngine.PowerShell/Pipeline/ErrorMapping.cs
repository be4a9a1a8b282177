using System;
using System.IO;

namespace SyncEngine.PowerShell.Pipeline;

/// <summary>Turns engine errors and failed results into error records: the engine's stable id, a fitting category, the path as target.</summary>
internal static class ErrorMapping
{
    /// <summary>The category for each kind of engine error.</summary>
    public static PsErrorCategory CategoryOf(SyncErrorKind? kind) => kind switch
    {
        SyncErrorKind.InvalidArgument => PsErrorCategory.InvalidArgument,
        SyncErrorKind.NotFound => PsErrorCategory.ObjectNotFound,
        SyncErrorKind.PermissionDenied => PsErrorCategory.PermissionDenied,
        SyncErrorKind.ResourceBusy => PsErrorCategory.ResourceBusy,
        SyncErrorKind.SafetyGuard => PsErrorCategory.LimitsExceeded,
        SyncErrorKind.InvalidState => PsErrorCategory.InvalidData,
        SyncErrorKind.IOError => PsErrorCategory.WriteError,
        SyncErrorKind.Cancelled => PsErrorCategory.OperationStopped,
        _ => PsErrorCategory.NotSpecified,
    };

    /// <summary>What a user can do about an error, for the ones where it is not obvious.</summary>
    public static string? RecommendedActionFor(string errorId) => errorId switch
    {
        "SyncMassDeleteGuard" => "Review the deletions with Get-SyncPlan. If they are intended, run again with -Force (or raise -MaxDeletePercent).",
        "SyncRootEmptied" => "Check that the folder is mounted and holds the files. To copy everything back into it (nothing is deleted), run again with -Reseed; with -Force the sync goes ahead as planned and the files the state recorded there count as deleted on the other side (to the trash).",
        "SyncPairLocked" => "Wait for the other run to finish, or stop it with Stop-Sync.",
        "SyncStateFromNewerVersion" => "Use the newer SyncEngine version for this pair, or give a different -StatePath.",
        "SyncStateForAnotherPair" => "Give a -StatePath that belongs to this pair.",
        "SyncStateFolderInsideRoot" => "Give a -StatePath outside both folders, or leave it out for the per-user default.",
        ModuleErrorIds.PathNotFileSystem => "Give a path on a FileSystem drive (for example C:\\data or /srv/data).",
        _ => null,
    };

    /// <summary>
    /// An error record for an exception that stops a run from starting, or null for exceptions that are not expected
    /// (those are left to PowerShell, so a bug is not disguised as a user error).
    /// </summary>
    public static ErrorRecordInfo? FromException(Exception exception, object? fallbackTarget = null)
    {
        switch (exception)
        {
            case SyncEngineException se:
                return new ErrorRecordInfo(se.ErrorId, CategoryOf(se.Kind), se, se.Target ?? fallbackTarget)
                {
                    RecommendedAction = RecommendedActionFor(se.ErrorId),
                };
            case UnauthorizedAccessException:
                return new ErrorRecordInfo(ModuleErrorIds.AccessDenied, PsErrorCategory.PermissionDenied, exception, fallbackTarget);
            case FileNotFoundException:
            case DirectoryNotFoundException:
                return new ErrorRecordInfo(ModuleErrorIds.FileNotFound, PsErrorCategory.ObjectNotFound, exception, fallbackTarget);
            case IOException:
                return new ErrorRecordInfo(ModuleErrorIds.IOError, PsErrorCategory.ReadError, exception, fallbackTarget);
            default:
                return null;
        }
    }

    /// <summary>The error record for a failed action: the result's id and kind, the relative path as target.</summary>
    public static ErrorRecordInfo FromResult(SyncResult result)
    {
        var id = string.IsNullOrEmpty(result.ErrorId) ? ModuleErrorIds.ActionFailed : result.ErrorId!;
        var kind = result.ErrorKind ?? SyncErrorKind.IOError;
        var message = string.IsNullOrEmpty(result.Error)
            ? $"{ActionFacts.Describe(result.Action)} failed for '{ShouldProcessText.Target(result.ActionItem)}'."
            : result.Error!;
        var exception = new SyncEngineException(id, kind, message, result.RelativePath);
        return new ErrorRecordInfo(id, CategoryOf(kind), exception, result.RelativePath)
        {
            RecommendedAction = RecommendedActionFor(id),
        };
    }
}

/// <summary>The texts of one ShouldProcess call (and of -WhatIf lines and verbose narration).</summary>
internal static class ShouldProcessText
{
    /// <summary>
    /// The target: the relative path and the side it changes, with "old -> new" for renames,
    /// for example <c>docs/a.txt (destination)</c> or <c>old.txt -> new.txt (source)</c>.
    /// </summary>
    public static string Target(SyncAction action)
    {
        var side = action.TargetSide switch
        {
            SyncSide.Source => " (source)",
            SyncSide.Destination => " (destination)",
            _ => "",
        };
        return action.PreviousPath is null ? action.RelativePath + side : action.PreviousPath + " -> " + action.RelativePath + side;
    }

    /// <summary>The action: the engine's description of the action type.</summary>
    public static string Action(SyncAction action) => ActionFacts.Describe(action.Action);
}
