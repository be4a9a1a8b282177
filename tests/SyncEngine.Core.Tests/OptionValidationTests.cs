using System;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;

namespace SyncEngine.Core.Tests;

/// <summary>Bad options are a clear error naming the option, before anything is touched.</summary>
public class OptionValidationTests
{
    public static TheoryData<string, Func<TestPair, SyncPair>> BadPairs() => new()
    {
        { "TransferLimit", t => new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, TransferLimit = 0 } },
        { "OperationLimit", t => new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, OperationLimit = 0 } },
        { "MaxDeletePercent", t => new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, MaxDeletePercent = -1 } },
        { "MaxDeletePercent", t => new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, MaxDeletePercent = 101 } },
        { "MaxDeletePercent", t => new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, MaxDeletePercent = double.NaN } },
    };

    [Theory]
    [MemberData(nameof(BadPairs))]
    public void Invalid_limits_are_refused_naming_the_option(string option, Func<TestPair, SyncPair> make)
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        var pair = make(t);

        var ex = Sync.ThrowsSync(pair.Validate, "SyncInvalidOption");
        Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains(option, ex.Message, StringComparison.Ordinal);
        Sync.ThrowsSync(() => SyncPlanner.Plan(pair), "SyncInvalidOption");
        Sync.ThrowsSync(() => SyncSession.Open(pair).Dispose(), "SyncInvalidOption");
        Assert.Empty(t.Tree(SyncSide.Destination));
    }

    [Theory]
    [MemberData(nameof(BadPairs))]
    public void Invalid_limits_are_refused_with_custom_providers_too(string option, Func<TestPair, SyncPair> make)
    {
        // Providers replace the local root checks, not the option checks: a TransferLimit of 0 starts no transfer
        // worker, so every posted copy is silently dropped and the run still reports "Succeeded"; a NaN
        // MaxDeletePercent switches the mass-deletion guard off.
        using var t = new TestPair();
        var pair = make(t);
        SyncSession? session = null;
        try
        {
            var ex = Assert.ThrowsAny<SyncEngineException>(() => session = SyncSession.Open(pair, new LocalStorageProvider(t.Source), new LocalStorageProvider(t.Destination)));
            Assert.Equal("SyncInvalidOption", ex.ErrorId);
            Assert.Contains(option, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            session?.Dispose();
        }
    }
}
