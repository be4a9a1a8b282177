using System;
using System.IO;
using SyncEngine.Ignore;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Commands;

/// <summary>
/// The pair parameters of New-SyncPair, Get-SyncPlan -Source and Invoke-Sync -Source, with paths already resolved;
/// <see cref="Build"/> makes and checks the <see cref="SyncPair"/>. Defaults are the engine's.
/// </summary>
internal sealed class PairSpec
{
    /// <summary>A pair with every default, to read the engine's defaults from.</summary>
    public static readonly SyncPair Defaults = new("source", "destination");

    public PairSpec(string source, string destination)
    {
        Source = source;
        Destination = destination;
    }

    public string Source { get; }

    public string Destination { get; }

    public string? Name { get; set; }

    public SyncMode Mode { get; set; } = Defaults.Mode;

    public CompareMode CompareMode { get; set; } = Defaults.CompareMode;

    public ConflictResolution ConflictResolution { get; set; } = Defaults.ConflictResolution;

    public InitialSyncPreference InitialSyncPreference { get; set; } = Defaults.InitialSyncPreference;

    public string[]? Ignore { get; set; }

    public string? IgnoreFile { get; set; }

    public string? StatePath { get; set; }

    public int TransferLimit { get; set; } = Defaults.TransferLimit;

    public int OperationLimit { get; set; } = Defaults.OperationLimit;

    public double MaxDeletePercent { get; set; } = Defaults.MaxDeletePercent;

    public bool NoTrash { get; set; }

    /// <summary>
    /// Makes the pair and checks it: roots and limits (<see cref="SyncPair.Validate"/>), an -IgnoreFile that exists,
    /// and every ignore rule (a malformed one is an error naming its file and line). Throws <see cref="SyncEngineException"/>.
    /// </summary>
    public SyncPair Build()
    {
        var pair = new SyncPair(Source, Destination)
        {
            Name = string.IsNullOrWhiteSpace(Name) ? null! : Name!.Trim(),
            Mode = Mode,
            CompareMode = CompareMode,
            ConflictResolution = ConflictResolution,
            InitialSyncPreference = InitialSyncPreference,
            IgnorePatterns = Ignore ?? Array.Empty<string>(),
            IgnoreFile = string.IsNullOrEmpty(IgnoreFile) ? null : IgnoreFile,
            StatePath = string.IsNullOrEmpty(StatePath) ? null : StatePath,
            TransferLimit = TransferLimit,
            OperationLimit = OperationLimit,
            MaxDeletePercent = MaxDeletePercent,
            UseTrash = !NoTrash,
        };
        pair.Validate();

        // The engine reads a missing ignore file as "no rules"; one the user named must exist, or a typo would sync
        // (and in a mirror, delete) the very files meant to be left alone.
        if (!string.IsNullOrEmpty(IgnoreFile) && !File.Exists(IgnoreFile))
        {
            throw new SyncEngineException(ModuleErrorIds.IgnoreFileNotFound, SyncErrorKind.NotFound, $"The ignore file '{IgnoreFile}' does not exist.", IgnoreFile);
        }

        var ignoreFile = pair.ResolvedIgnoreFile;
        IgnoreRules.Load(File.Exists(ignoreFile) ? ignoreFile : null, pair.IgnorePatterns);
        return pair;
    }
}
