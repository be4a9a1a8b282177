using System.Collections.Generic;

namespace SyncEngine.PowerShell.Pipeline;

/// <summary>
/// Reads a conflict handler's answer. The last non-null value it output decides: a <see cref="ConflictChoice"/>, or
/// one of the strings Source, Destination, KeepBoth, Skip (any case, '-' and '_' optional). Anything else, or
/// nothing, skips the file (it stays in conflict) and says why.
/// </summary>
internal static class ConflictChoiceMapping
{
    /// <summary>The choice, and a problem to warn about when the answer could not be used (then the choice is Skip).</summary>
    public static (ConflictChoice Choice, string? Problem) Map(IEnumerable<object?>? output, string relativePath)
    {
        object? last = null;
        if (output is not null)
        {
            foreach (var item in output)
            {
                if (item is not null)
                {
                    last = item;
                }
            }
        }

        switch (last)
        {
            case null:
                return (ConflictChoice.Skip, $"The conflict handler returned nothing for '{relativePath}'; the file is skipped and stays in conflict. Return Source, Destination, KeepBoth or Skip.");
            case ConflictChoice c:
                return (c, null);
            case string s when OptionNames.TryParseEnum<ConflictChoice>(s, out var parsed):
                return (parsed, null);
            default:
                return (ConflictChoice.Skip, $"The conflict handler returned '{last}' for '{relativePath}', which is not Source, Destination, KeepBoth or Skip; the file is skipped and stays in conflict.");
        }
    }
}
