using System;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// Resolves a path parameter the PowerShell way: against PowerShell's current location (not the process's), through
/// PowerShell drives, refusing anything that is not on the FileSystem provider. The PowerShell call itself is passed
/// in, so the checks are tested without a runspace.
/// </summary>
internal static class ProviderPaths
{
    /// <summary>The FileSystem provider's name.</summary>
    public const string FileSystemProvider = "FileSystem";

    /// <summary>
    /// Resolves <paramref name="input"/> with <paramref name="resolve"/> (GetUnresolvedProviderPathFromPSPath: the
    /// provider path and the provider's name). Throws <see cref="SyncEngineException"/>: SyncPathInvalid (empty or
    /// unusable), SyncPathNotFound (drive or provider missing), SyncPathNotFileSystem (another provider).
    /// </summary>
    public static string Resolve(string? input, string parameterName, Func<string, (string Path, string Provider)> resolve)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            throw new SyncEngineException(ModuleErrorIds.PathInvalid, SyncErrorKind.InvalidArgument, $"-{parameterName} is empty; give a folder path.", parameterName);
        }

        (string Path, string Provider) resolved;
        try
        {
            resolved = resolve(input!);
        }
        catch (Exception ex) when (ex is not SyncEngineException)
        {
            var missing = ex.GetType().Name is "DriveNotFoundException" or "ProviderNotFoundException" or "ItemNotFoundException";
            throw new SyncEngineException(missing ? ModuleErrorIds.PathNotFound : ModuleErrorIds.PathInvalid, missing ? SyncErrorKind.NotFound : SyncErrorKind.InvalidArgument,
                $"-{parameterName} '{input}' cannot be resolved: {ex.Message}", input, ex);
        }

        if (!string.Equals(resolved.Provider, FileSystemProvider, StringComparison.OrdinalIgnoreCase)
            && !resolved.Provider.EndsWith("\\" + FileSystemProvider, StringComparison.OrdinalIgnoreCase))
        {
            throw new SyncEngineException(ModuleErrorIds.PathNotFileSystem, SyncErrorKind.InvalidArgument,
                $"-{parameterName} '{input}' is on the {resolved.Provider} provider; SyncEngine works with folders of the FileSystem provider only.", input);
        }

        if (string.IsNullOrWhiteSpace(resolved.Path))
        {
            throw new SyncEngineException(ModuleErrorIds.PathInvalid, SyncErrorKind.InvalidArgument, $"-{parameterName} '{input}' does not name a folder.", input);
        }

        return resolved.Path;
    }

    /// <summary>
    /// A root as typed: a remote one (sftp://…) passed on for the engine to parse and check (a malformed one throws
    /// its <see cref="SyncEngineException"/>), anything else a FileSystem path resolved by <paramref name="resolvePath"/>.
    /// </summary>
    public static string ResolveRoot(string input, string parameterName, Func<string, string, string> resolvePath) =>
        input is not null && input.IndexOf("://", StringComparison.Ordinal) > 0 && !Storage.ProviderSpec.Parse(input).IsLocal
            ? input
            : resolvePath(input!, parameterName);
}
