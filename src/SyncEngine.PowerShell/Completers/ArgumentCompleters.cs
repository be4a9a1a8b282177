using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Completers;

/// <summary>Completes -Mode, -CompareMode, -ConflictResolution and -InitialSyncPreference: value names, and the mode aliases.</summary>
public sealed class OptionValueCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        foreach (var item in CompletionLogic.Options(parameterName, wordToComplete))
        {
            yield return new CompletionResult(item.CompletionText, item.ListItemText, CompletionResultType.ParameterValue, item.ToolTip);
        }
    }
}

/// <summary>Completes -Name with the pairs named in this session (New-SyncPair -Name) and those recorded in the per-user state folder.</summary>
public sealed class PairNameCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        foreach (var item in CompletionLogic.PairNames(wordToComplete, PairDirectory.All()))
        {
            yield return new CompletionResult(item.CompletionText, item.ListItemText, CompletionResultType.ParameterValue, item.ToolTip);
        }
    }
}

/// <summary>
/// Lets option parameters take the spellings the CLI takes: <c>-Mode tw</c>, <c>-Mode mirror</c>,
/// <c>-CompareMode size-only</c>. A value that is not valid is refused with the list of accepted ones.
/// </summary>
[System.AttributeUsage(System.AttributeTargets.Property | System.AttributeTargets.Field)]
public sealed class OptionTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>Creates the transformation for an option enum.</summary>
    public OptionTransformationAttribute(System.Type optionType)
    {
        OptionType = optionType;
    }

    /// <summary>The option enum (SyncMode, CompareMode, ConflictResolution, InitialSyncPreference).</summary>
    public System.Type OptionType { get; }

    /// <inheritdoc />
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        // The parameters are strings (an enum-typed parameter gets PowerShell's own enum completion, which never asks
        // the module's completer, so the aliases would not complete); the value is checked and named here.
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        try
        {
            var converted = OptionArgument.Convert(OptionType, value, OptionType.Name);
            if (converted is not null && converted.GetType() != OptionType)
            {
                converted = LanguagePrimitives.ConvertTo(converted, OptionType, System.Globalization.CultureInfo.InvariantCulture);
            }

            if (converted is not null && !System.Enum.IsDefined(OptionType, converted))
            {
                throw new ArgumentTransformationMetadataException($"{value} is not a valid {OptionType.Name}; accepted: {string.Join(", ", System.Enum.GetNames(OptionType))}.");
            }

            return converted?.ToString();
        }
        catch (SyncEngineException ex)
        {
            throw new ArgumentTransformationMetadataException(ex.Message, ex);
        }
        catch (PSInvalidCastException ex)
        {
            throw new ArgumentTransformationMetadataException(ex.Message, ex);
        }
    }
}

/// <summary>
/// Lets a TimeSpan parameter take a duration as the CLI writes it (<c>200ms</c>, <c>2s</c>, <c>10m</c>, <c>1h</c>) or a
/// number of seconds, besides a TimeSpan or PowerShell's own TimeSpan text (<c>00:00:02</c>).
/// </summary>
[System.AttributeUsage(System.AttributeTargets.Property | System.AttributeTargets.Field)]
public sealed class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    /// <inheritdoc />
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        switch (value)
        {
            case null:
            case System.TimeSpan:
                return value;
            case string text when Watch.WatchDurations.TryParse(text, out var parsed):
                return parsed;
            case string text when System.TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span):
                return span;
            case string text:
                throw new ArgumentTransformationMetadataException($"'{text}' is not a duration. Write a whole number and a unit in quotes ('200ms', '2s', '10m', '1h'), a number of seconds, or a TimeSpan.");
            case decimal:
                // PowerShell reads a bare 1d as the decimal number 1: days were surely meant, seconds would be taken.
                throw new ArgumentTransformationMetadataException($"{value} came as a decimal number (PowerShell reads a bare 1d as the decimal 1): write days in quotes ('1d') or give seconds (86400).");
            case double seconds:
                return System.TimeSpan.FromSeconds(seconds);
            case float seconds:
                return System.TimeSpan.FromSeconds(seconds);
            case System.IConvertible number when value is sbyte or byte or short or ushort or int or uint or long or ulong:
                // Whole numbers are seconds (PowerShell reads a bare 2s as the short number 2).
                return System.TimeSpan.FromSeconds(number.ToDouble(System.Globalization.CultureInfo.InvariantCulture));
            default:
                return value;
        }
    }
}
