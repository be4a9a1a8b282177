using System;

namespace SyncEngine;

/// <summary>Broad category of an engine error; front ends map it to their own (PowerShell ErrorCategory, CLI exit code).</summary>
public enum SyncErrorKind
{
    /// <summary>A parameter or input value is invalid (bad root, bad pattern, bad option).</summary>
    InvalidArgument,
    /// <summary>A file, folder or root was not found.</summary>
    NotFound,
    /// <summary>Access to a file or folder was denied.</summary>
    PermissionDenied,
    /// <summary>Another run holds the pair's lock.</summary>
    ResourceBusy,
    /// <summary>A safety guard refused the run; nothing was changed.</summary>
    SafetyGuard,
    /// <summary>The state folder holds data this version cannot use safely.</summary>
    InvalidState,
    /// <summary>Reading or writing data failed.</summary>
    IOError,
    /// <summary>The operation was cancelled.</summary>
    Cancelled,
}

/// <summary>An error the engine reports with a stable identifier, for front ends to surface.</summary>
public class SyncEngineException : Exception
{
    /// <summary>Creates an engine error.</summary>
    public SyncEngineException(string errorId, SyncErrorKind kind, string message, string? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>Stable PascalCase identifier (for example <c>SyncRootNotFound</c>).</summary>
    public string ErrorId { get; }

    /// <summary>The category of the error.</summary>
    public SyncErrorKind Kind { get; }

    /// <summary>What the error is about: a path, a pattern, an option.</summary>
    public string? Target { get; }
}

/// <summary>A malformed ignore rule: names the file (or "parameter") and the line.</summary>
public sealed class IgnoreRuleException : SyncEngineException
{
    /// <summary>Creates the error for a malformed line.</summary>
    public IgnoreRuleException(string source, int line, string pattern, string problem)
        : base("SyncIgnoreRuleInvalid", SyncErrorKind.InvalidArgument,
               $"{source}:{line}: invalid ignore pattern '{pattern}': {problem}", source)
    {
        SourceName = source;
        Line = line;
        Pattern = pattern;
    }

    /// <summary>The file the rule came from, or "parameter" for caller patterns.</summary>
    public string SourceName { get; }

    /// <summary>1-based line number (for caller patterns, the 1-based position in the list).</summary>
    public int Line { get; }

    /// <summary>The offending text.</summary>
    public string Pattern { get; }
}
