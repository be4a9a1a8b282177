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
        { "TransferLimit", t => new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, TransferLimit = 100000 } },
        { "OperationLimit", t => new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, OperationLimit = 100000 } },
        { "RetryCount", t => new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, RetryCount = 1000000 } },
        { "RetryDelay", t => new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, RetryDelay = TimeSpan.FromMilliseconds(-1) } },
        { "RetryDelay", t => new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, RetryDelay = TimeSpan.FromDays(2) } },
        { "TrashRetention", t => new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, TrashRetention = TimeSpan.FromDays(-1) } },
    };

    [Theory]
    [InlineData(nameof(SyncPair.TransferLimit))]
    [InlineData(nameof(SyncPair.OperationLimit))]
    public void Concurrency_limits_are_bounded_and_the_error_gives_the_allowed_range(string option)
    {
        // 100000 transfer workers are 100000 threads: the process aborted after about 20 s instead of refusing.
        using var t = new TestPair();
        var pair = option == nameof(SyncPair.TransferLimit)
            ? new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, TransferLimit = 100000 }
            : new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, OperationLimit = 100000 };

        var ex = Sync.ThrowsSync(pair.Validate, "SyncInvalidOption");
        Assert.Equal(option, ex.Target);
        Assert.Contains("between 1 and 1024", ex.Message, StringComparison.Ordinal);
        Assert.Contains("100000", ex.Message, StringComparison.Ordinal);

        // The largest allowed value is accepted.
        new SyncPair(t.Source, t.Destination) { StatePath = t.StateDir, TransferLimit = 1024, OperationLimit = 1024 }.Validate();
    }

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
