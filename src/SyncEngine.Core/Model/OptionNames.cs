using System;
using System.Collections.Generic;
using System.Linq;

namespace SyncEngine;

/// <summary>
/// Parses option values the way users type them: case-insensitive, with '-' and '_' optional, plus the seed's
/// mode aliases. Shared by the CLI and the PowerShell module so both accept exactly the same spellings.
/// </summary>
public static class OptionNames
{
    private static readonly Dictionary<string, SyncMode> ModeAliases = new(StringComparer.Ordinal)
    {
        ["tw"] = SyncMode.TwoWay,
        ["bidirectional"] = SyncMode.TwoWay,
        ["std"] = SyncMode.SourceToDestination,
        ["localtocloud"] = SyncMode.SourceToDestination,
        ["mirror"] = SyncMode.SourceToDestination,
        ["sb"] = SyncMode.SourceBackup,
        ["localbackup"] = SyncMode.SourceBackup,
        ["dts"] = SyncMode.DestinationToSource,
        ["cloudtolocal"] = SyncMode.DestinationToSource,
        ["db"] = SyncMode.DestinationBackup,
        ["cloudbackup"] = SyncMode.DestinationBackup,
    };

    /// <summary>Every spelling accepted for a mode besides the enum names (for completion and help).</summary>
    public static IReadOnlyCollection<string> SyncModeAliases => ModeAliases.Keys;

    /// <summary>Parses a sync mode name or alias.</summary>
    public static SyncMode ParseSyncMode(string value)
    {
        if (TryParseSyncMode(value, out var mode))
        {
            return mode;
        }

        throw Invalid("mode", value, Enum.GetNames(typeof(SyncMode)).Concat(ModeAliases.Keys));
    }

    /// <summary>Tries to parse a sync mode name or alias.</summary>
    public static bool TryParseSyncMode(string? value, out SyncMode mode)
    {
        var key = Squash(value);
        if (key.Length > 0 && ModeAliases.TryGetValue(key, out mode))
        {
            return true;
        }

        return TryParseEnum(value, out mode);
    }

    /// <summary>Parses any of the engine's option enums by name (case-insensitive, '-' and '_' optional).</summary>
    public static T Parse<T>(string value, string optionName)
        where T : struct, Enum
    {
        if (typeof(T) == typeof(SyncMode))
        {
            return (T)(object)ParseSyncMode(value);
        }

        if (TryParseEnum<T>(value, out var result))
        {
            return result;
        }

        throw Invalid(optionName, value, Enum.GetNames(typeof(T)));
    }

    /// <summary>Tries to parse an enum by name, ignoring case, '-' and '_'. Numbers are refused.</summary>
    public static bool TryParseEnum<T>(string? value, out T result)
        where T : struct, Enum
    {
        var key = Squash(value);
        foreach (T candidate in Enum.GetValues(typeof(T)))
        {
            if (string.Equals(Squash(candidate.ToString()), key, StringComparison.Ordinal))
            {
                result = candidate;
                return true;
            }
        }

        result = default;
        return false;
    }

    /// <summary>The kebab-case spelling the CLI shows for an enum value (TwoWay → two-way).</summary>
    public static string Kebab<T>(T value)
        where T : struct, Enum
    {
        var name = value.ToString();
        var sb = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0)
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    private static string Squash(string? value)
    {
        if (value is null)
        {
            return "";
        }

        var sb = new System.Text.StringBuilder(value.Length);
        foreach (var c in value.Trim())
        {
            if (c != '-' && c != '_' && c != ' ')
            {
                sb.Append(char.ToLowerInvariant(c));
            }
        }

        return sb.ToString();
    }

    private static SyncEngineException Invalid(string option, string? value, IEnumerable<string> allowed) =>
        new("SyncInvalidOption", SyncErrorKind.InvalidArgument,
            $"'{value}' is not a valid {option}. Use one of: {string.Join(", ", allowed)}.", option);
}

/// <summary>What each sync mode allows (seed 003's mode properties).</summary>
public static class SyncModeProperties
{
    /// <summary>Copies source changes to the destination.</summary>
    public static bool AllowsUpload(this SyncMode m) => m is SyncMode.TwoWay or SyncMode.SourceToDestination or SyncMode.SourceBackup;

    /// <summary>Copies destination changes to the source.</summary>
    public static bool AllowsDownload(this SyncMode m) => m is SyncMode.TwoWay or SyncMode.DestinationToSource or SyncMode.DestinationBackup;

    /// <summary>May delete files on the source.</summary>
    public static bool AllowsSourceDelete(this SyncMode m) => m is SyncMode.TwoWay or SyncMode.DestinationToSource;

    /// <summary>May delete files on the destination.</summary>
    public static bool AllowsDestinationDelete(this SyncMode m) => m is SyncMode.TwoWay or SyncMode.SourceToDestination;

    /// <summary>Changes flow both ways.</summary>
    public static bool IsBidirectional(this SyncMode m) => m == SyncMode.TwoWay;

    /// <summary>The source must be listed.</summary>
    public static bool RequiresSourceScan(this SyncMode m) => true;

    /// <summary>The destination must be listed.</summary>
    public static bool RequiresDestinationScan(this SyncMode m) => true;
}
