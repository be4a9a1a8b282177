using System;
using System.Collections.Generic;
using System.Text;

namespace SyncEngine.PowerShell.Completers;

/// <summary>
/// Converts option arguments the way the CLI does (<see cref="OptionNames"/>): enum names in any case with '-'
/// and '_' optional, plus the sync mode aliases (tw, std, sb, dts, db, mirror, localtocloud…).
/// </summary>
internal static class OptionArgument
{
    /// <summary>
    /// Strings become the enum value (or throw <see cref="SyncEngineException"/> SyncInvalidOption naming the
    /// accepted values); values of the enum pass; anything else is left to PowerShell's own conversion.
    /// </summary>
    public static object? Convert(Type enumType, object? input, string optionName)
    {
        if (input is null || input.GetType() == enumType)
        {
            return input;
        }

        if (input is not string text)
        {
            return input;
        }

        if (enumType == typeof(SyncMode))
        {
            return OptionNames.ParseSyncMode(text);
        }

        if (enumType == typeof(CompareMode))
        {
            return OptionNames.Parse<CompareMode>(text, optionName);
        }

        if (enumType == typeof(ConflictResolution))
        {
            return OptionNames.Parse<ConflictResolution>(text, optionName);
        }

        if (enumType == typeof(InitialSyncPreference))
        {
            return OptionNames.Parse<InitialSyncPreference>(text, optionName);
        }

        if (enumType == typeof(ConflictChoice))
        {
            return OptionNames.Parse<ConflictChoice>(text, optionName);
        }

        throw new ArgumentException($"{enumType.Name} is not an option type of SyncEngine.", nameof(enumType));
    }
}

/// <summary>One completion: what is inserted, what the list shows, and a tooltip.</summary>
internal sealed class CompletionItem
{
    public CompletionItem(string completionText, string listItemText, string toolTip)
    {
        CompletionText = completionText;
        ListItemText = listItemText;
        ToolTip = toolTip;
    }

    public string CompletionText { get; }

    public string ListItemText { get; }

    public string ToolTip { get; }

    /// <inheritdoc />
    public override string ToString() => CompletionText;
}

/// <summary>Completion of option values and pair names, free of PowerShell types.</summary>
internal static class CompletionLogic
{
    /// <summary>The enum an option parameter takes, by parameter name.</summary>
    public static Type? OptionType(string? parameterName) => parameterName?.ToUpperInvariant() switch
    {
        "MODE" => typeof(SyncMode),
        "COMPAREMODE" => typeof(CompareMode),
        "CONFLICTRESOLUTION" => typeof(ConflictResolution),
        "INITIALSYNCPREFERENCE" => typeof(InitialSyncPreference),
        _ => null,
    };

    /// <summary>Enum names starting with the word typed (any case), then, for -Mode, the aliases that do.</summary>
    public static IReadOnlyList<CompletionItem> Options(string? parameterName, string? wordToComplete)
    {
        var result = new List<CompletionItem>();
        var type = OptionType(parameterName);
        if (type is null)
        {
            return result;
        }

        var word = Unquote(wordToComplete);
        foreach (var name in Enum.GetNames(type))
        {
            if (name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            {
                result.Add(new CompletionItem(name, name, type.Name + "." + name));
            }
        }

        if (type == typeof(SyncMode) && word.Length > 0)
        {
            var aliases = new List<string>(OptionNames.SyncModeAliases);
            aliases.Sort(StringComparer.Ordinal);
            foreach (var alias in aliases)
            {
                if (alias.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                {
                    var mode = OptionNames.ParseSyncMode(alias);
                    result.Add(new CompletionItem(alias, alias + " (" + mode + ")", "Alias of SyncMode." + mode));
                }
            }
        }

        return result;
    }

    /// <summary>Names of known pairs (this session's, then the per-user state folder's) starting with the word typed.</summary>
    public static IReadOnlyList<CompletionItem> PairNames(string? wordToComplete, IEnumerable<Pipeline.KnownPair> known)
    {
        var word = Unquote(wordToComplete);
        var result = new List<CompletionItem>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in known)
        {
            if (pair.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase) && seen.Add(pair.Name))
            {
                result.Add(new CompletionItem(Quote(pair.Name), pair.Name, pair.Name + " (state: " + pair.StatePath + ")"));
            }
        }

        return result;
    }

    /// <summary>The text as typed without surrounding quotes.</summary>
    internal static string Unquote(string? word)
    {
        if (string.IsNullOrEmpty(word))
        {
            return "";
        }

        var w = word!.Trim();
        if (w.Length > 0 && (w[0] == '\'' || w[0] == '"'))
        {
            w = w.Substring(1);
        }

        if (w.Length > 0 && (w[w.Length - 1] == '\'' || w[w.Length - 1] == '"'))
        {
            w = w.Substring(0, w.Length - 1);
        }

        return w;
    }

    /// <summary>A name as a PowerShell argument: bare when it is plain (letters, digits, '.', '_', inner '-'), else single-quoted.</summary>
    internal static string Quote(string name)
    {
        var plain = name.Length > 0 && name[0] != '-';
        foreach (var c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c == '.' || c == '_' || c == '-'))
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            return name;
        }

        var sb = new StringBuilder(name.Length + 2).Append('\'');
        foreach (var c in name)
        {
            // PowerShell treats the typographic single quotes as quotes too: double them like '.
            sb.Append(c);
            if (c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B')
            {
                sb.Append(c);
            }
        }

        return sb.Append('\'').ToString();
    }
}
