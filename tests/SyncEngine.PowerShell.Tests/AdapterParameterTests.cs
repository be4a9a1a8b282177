using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SyncEngine.PowerShell.Commands;
using SyncEngine.PowerShell.Completers;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

/// <summary>Named like PowerShell's exception so the resolver recognises a missing drive by type name.</summary>
internal sealed class DriveNotFoundException : Exception
{
    public DriveNotFoundException(string message)
        : base(message)
    {
    }
}

public class AdapterPathTests
{
    [Fact]
    public void A_FileSystem_path_resolves_through_PowerShell_and_the_input_is_passed_as_given()
    {
        var seen = new List<string>();
        var resolved = ProviderPaths.Resolve(@"~/docs\..\work", "Source", p =>
        {
            seen.Add(p);
            return ("/home/me/work", "FileSystem");
        });

        Assert.Equal("/home/me/work", resolved);
        Assert.Equal(new[] { @"~/docs\..\work" }, seen);
        Assert.Equal("/x", ProviderPaths.Resolve("x", "Source", _ => ("/x", @"Microsoft.PowerShell.Core\FileSystem")));
    }

    [Fact]
    public void Another_provider_is_refused_naming_the_parameter_and_provider()
    {
        var ex = Assert.Throws<SyncEngineException>(() => ProviderPaths.Resolve(@"HKLM:\Software", "Destination", _ => (@"HKEY_LOCAL_MACHINE\Software", "Registry")));
        Assert.Equal("SyncPathNotFileSystem", ex.ErrorId);
        Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("-Destination", ex.Message);
        Assert.Contains("Registry", ex.Message);
        Assert.Equal(PsErrorCategory.InvalidArgument, ErrorMapping.FromException(ex)!.Category);
        Assert.NotNull(ErrorMapping.FromException(ex)!.RecommendedAction);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_path_is_refused(string? input)
    {
        var ex = Assert.Throws<SyncEngineException>(() => ProviderPaths.Resolve(input, "StatePath", _ => throw new InvalidOperationException("not called")));
        Assert.Equal("SyncPathInvalid", ex.ErrorId);
        Assert.Contains("-StatePath", ex.Message);
    }

    [Fact]
    public void A_missing_drive_is_not_found_and_other_resolution_failures_are_invalid()
    {
        var missing = Assert.Throws<SyncEngineException>(() => ProviderPaths.Resolve(@"Q:\data", "Source", _ => throw new DriveNotFoundException("Cannot find drive Q.")));
        Assert.Equal("SyncPathNotFound", missing.ErrorId);
        Assert.Equal(SyncErrorKind.NotFound, missing.Kind);
        Assert.Contains("Cannot find drive Q.", missing.Message);

        var invalid = Assert.Throws<SyncEngineException>(() => ProviderPaths.Resolve("a\0b", "Source", _ => throw new ArgumentException("Illegal characters in path.")));
        Assert.Equal("SyncPathInvalid", invalid.ErrorId);
    }
}

public class AdapterPairSpecTests
{
    [Fact]
    public void Defaults_are_the_engines()
    {
        using var tp = new AdapterTestPair();
        var built = new PairSpec(tp.Source, tp.Destination).Build();
        var engine = new SyncPair(tp.Source, tp.Destination);

        Assert.Equal(engine.Mode, built.Mode);
        Assert.Equal(engine.CompareMode, built.CompareMode);
        Assert.Equal(engine.ConflictResolution, built.ConflictResolution);
        Assert.Equal(engine.InitialSyncPreference, built.InitialSyncPreference);
        Assert.Equal(engine.TransferLimit, built.TransferLimit);
        Assert.Equal(engine.OperationLimit, built.OperationLimit);
        Assert.Equal(engine.MaxDeletePercent, built.MaxDeletePercent);
        Assert.Equal(engine.UseTrash, built.UseTrash);
        Assert.Equal(engine.Name, built.Name);
        Assert.Equal(engine.ResolvedStatePath, built.ResolvedStatePath);
    }

    [Fact]
    public void Every_option_reaches_the_pair()
    {
        using var tp = new AdapterTestPair();
        var ignore = Path.Combine(tp.Root, "rules.txt");
        File.WriteAllText(ignore, "*.tmp\n");
        var pair = new PairSpec(tp.Source, tp.Destination)
        {
            Name = "  Docs  ",
            Mode = SyncMode.SourceBackup,
            CompareMode = CompareMode.SizeOnly,
            ConflictResolution = ConflictResolution.KeepBoth,
            InitialSyncPreference = InitialSyncPreference.DestinationWins,
            Ignore = new[] { "build/" },
            IgnoreFile = ignore,
            StatePath = tp.StateDir,
            TransferLimit = 2,
            OperationLimit = 3,
            MaxDeletePercent = 10,
            NoTrash = true,
        }.Build();

        Assert.Equal("Docs", pair.Name);
        Assert.Equal(SyncMode.SourceBackup, pair.Mode);
        Assert.Equal(CompareMode.SizeOnly, pair.CompareMode);
        Assert.Equal(ConflictResolution.KeepBoth, pair.ConflictResolution);
        Assert.Equal(InitialSyncPreference.DestinationWins, pair.InitialSyncPreference);
        Assert.Equal(new[] { "build/" }, pair.IgnorePatterns);
        Assert.Equal(ignore, pair.IgnoreFile);
        Assert.Equal(tp.StateDir, pair.ResolvedStatePath);
        Assert.Equal(2, pair.TransferLimit);
        Assert.Equal(3, pair.OperationLimit);
        Assert.Equal(10, pair.MaxDeletePercent);
        Assert.False(pair.UseTrash);
    }

    [Fact]
    public void A_named_ignore_file_must_exist()
    {
        using var tp = new AdapterTestPair();
        var ex = Assert.Throws<SyncEngineException>(() => new PairSpec(tp.Source, tp.Destination) { IgnoreFile = Path.Combine(tp.Root, "typo.txt") }.Build());
        Assert.Equal("SyncIgnoreFileNotFound", ex.ErrorId);
        Assert.Equal(SyncErrorKind.NotFound, ex.Kind);
    }

    [Fact]
    public void A_malformed_ignore_rule_is_an_error_naming_its_line()
    {
        using var tp = new AdapterTestPair();
        var ex = Assert.ThrowsAny<SyncEngineException>(() => new PairSpec(tp.Source, tp.Destination) { Ignore = new[] { "ok.txt", "[z-a]" } }.Build());
        Assert.Equal("SyncIgnoreRuleInvalid", ex.ErrorId);
        Assert.Contains(":2:", ex.Message);
    }

    [Fact]
    public void Bad_roots_are_the_engines_errors()
    {
        using var tp = new AdapterTestPair();
        Assert.Equal("SyncRootNotFound", Assert.Throws<SyncEngineException>(() => new PairSpec(Path.Combine(tp.Root, "missing"), tp.Destination).Build()).ErrorId);
        Assert.Equal("SyncRootsOverlap", Assert.Throws<SyncEngineException>(() => new PairSpec(tp.Source, Path.Combine(tp.Source, "inner")).Build()).ErrorId);
        var file = Path.Combine(tp.Root, "file.txt");
        File.WriteAllText(file, "x");
        Assert.Equal("SyncRootNotFolder", Assert.Throws<SyncEngineException>(() => new PairSpec(tp.Source, file).Build()).ErrorId);
    }
}

public class AdapterOptionTests
{
    [Theory]
    [InlineData("tw", SyncMode.TwoWay)]
    [InlineData("TwoWay", SyncMode.TwoWay)]
    [InlineData("two-way", SyncMode.TwoWay)]
    [InlineData("mirror", SyncMode.SourceToDestination)]
    [InlineData("STD", SyncMode.SourceToDestination)]
    [InlineData("source_backup", SyncMode.SourceBackup)]
    [InlineData("localbackup", SyncMode.SourceBackup)]
    [InlineData("cloudtolocal", SyncMode.DestinationToSource)]
    [InlineData("db", SyncMode.DestinationBackup)]
    public void Mode_aliases_are_transformed(string input, SyncMode expected) =>
        Assert.Equal(expected, OptionArgument.Convert(typeof(SyncMode), input, "Mode"));

    [Fact]
    public void Other_options_take_the_same_spellings()
    {
        Assert.Equal(CompareMode.SizeOnly, OptionArgument.Convert(typeof(CompareMode), "size-only", "CompareMode"));
        Assert.Equal(ConflictResolution.KeepBoth, OptionArgument.Convert(typeof(ConflictResolution), "keep_both", "ConflictResolution"));
        Assert.Equal(InitialSyncPreference.SourceWins, OptionArgument.Convert(typeof(InitialSyncPreference), "sourcewins", "InitialSyncPreference"));
    }

    [Fact]
    public void Values_that_are_not_strings_are_left_to_PowerShell()
    {
        Assert.Equal(SyncMode.SourceBackup, OptionArgument.Convert(typeof(SyncMode), SyncMode.SourceBackup, "Mode"));
        Assert.Equal(2, OptionArgument.Convert(typeof(SyncMode), 2, "Mode"));
        Assert.Null(OptionArgument.Convert(typeof(SyncMode), null, "Mode"));
    }

    [Fact]
    public void A_bad_value_names_the_accepted_ones()
    {
        var ex = Assert.Throws<SyncEngineException>(() => OptionArgument.Convert(typeof(SyncMode), "sideways", "Mode"));
        Assert.Equal("SyncInvalidOption", ex.ErrorId);
        Assert.Contains("sideways", ex.Message);
        Assert.Contains("TwoWay", ex.Message);
        Assert.Contains("tw", ex.Message);
        var compare = Assert.Throws<SyncEngineException>(() => OptionArgument.Convert(typeof(CompareMode), "fuzzy", "CompareMode"));
        Assert.Contains("HashThenMtime", compare.Message);
    }

    [Fact]
    public void Completion_lists_names_then_matching_aliases()
    {
        Assert.Equal(Enum.GetNames(typeof(SyncMode)), CompletionLogic.Options("Mode", "").Select(c => c.CompletionText));
        Assert.Equal(new[] { "TwoWay", "tw" }, CompletionLogic.Options("mode", "t").Select(c => c.CompletionText));
        Assert.Equal(new[] { "SourceToDestination", "SourceBackup" }, CompletionLogic.Options("Mode", "'sou").Select(c => c.CompletionText));
        Assert.Equal(new[] { "HashThenMtime", "HashOnly" }, CompletionLogic.Options("CompareMode", "h").Select(c => c.CompletionText));
        Assert.Equal(new[] { "KeepBoth" }, CompletionLogic.Options("ConflictResolution", "k").Select(c => c.CompletionText));
        Assert.Empty(CompletionLogic.Options("Source", ""));
        Assert.Contains("TwoWay", CompletionLogic.Options("Mode", "tw").Single(c => c.CompletionText == "tw").ListItemText);
    }

    [Theory]
    [InlineData("docs", "docs")]
    [InlineData("my.pair-2", "my.pair-2")]
    [InlineData("src->dst", "'src->dst'")]
    [InlineData("two words", "'two words'")]
    [InlineData("it's", "'it''s'")]
    [InlineData("-dash", "'-dash'")]
    public void Pair_names_are_quoted_when_needed(string name, string expected) => Assert.Equal(expected, CompletionLogic.Quote(name));

    [Fact]
    public void Pair_name_completion_filters_by_prefix()
    {
        var known = new[]
        {
            new KnownPair("Docs", "/s/1", null),
            new KnownPair("docs->backup", "/s/2", null),
            new KnownPair("Photos", "/s/3", null),
            new KnownPair("docs", "/s/4", null),
        };

        Assert.Equal(new[] { "Docs", "'docs->backup'" }, CompletionLogic.PairNames("do", known).Select(c => c.CompletionText));
        Assert.Equal(new[] { "Photos" }, CompletionLogic.PairNames("'P", known).Select(c => c.CompletionText));
        Assert.Equal(3, CompletionLogic.PairNames("", known).Count);
    }
}
