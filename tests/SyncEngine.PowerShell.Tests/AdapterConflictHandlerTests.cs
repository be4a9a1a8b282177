using System;
using System.Collections.Generic;
using System.Linq;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

public class AdapterConflictHandlerTests
{
    public static IEnumerable<object?[]> Answers() => new List<object?[]>
    {
        new object?[] { new object?[] { "Source" }, ConflictChoice.Source, false },
        new object?[] { new object?[] { "destination" }, ConflictChoice.Destination, false },
        new object?[] { new object?[] { "keep-both" }, ConflictChoice.KeepBoth, false },
        new object?[] { new object?[] { "KEEP_BOTH" }, ConflictChoice.KeepBoth, false },
        new object?[] { new object?[] { ConflictChoice.Skip }, ConflictChoice.Skip, false },
        new object?[] { new object?[] { "stray output", "Destination" }, ConflictChoice.Destination, false },
        new object?[] { new object?[] { "Source", null }, ConflictChoice.Source, false },
        new object?[] { new object?[] { "newest" }, ConflictChoice.Skip, true },
        new object?[] { new object?[] { 1 }, ConflictChoice.Skip, true },
        new object?[] { Array.Empty<object?>(), ConflictChoice.Skip, true },
        new object?[] { null, ConflictChoice.Skip, true },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public void Handler_output_maps_to_a_choice(object?[]? output, ConflictChoice expected, bool problem)
    {
        var (choice, message) = ConflictChoiceMapping.Map(output, "x/y.txt");
        Assert.Equal(expected, choice);
        Assert.Equal(problem, message is not null);
        if (message is not null)
        {
            Assert.Contains("x/y.txt", message);
        }
    }

    private static (AdapterTestPair Pair, SyncPair SyncPair) Conflicted()
    {
        var tp = new AdapterTestPair();
        tp.WriteBoth("doc.txt", "original");
        var pair = tp.Pair(conflicts: ConflictResolution.Manual);
        tp.SyncDirect(pair);
        tp.Write(SyncSide.Source, "doc.txt", "source version");
        tp.Write(SyncSide.Destination, "doc.txt", "destination version");
        return (tp, pair);
    }

    [Fact]
    public void The_handler_decides_on_the_pipeline_thread()
    {
        var (tp, pair) = Conflicted();
        using var _ = tp;
        var pipelineThread = Environment.CurrentManagedThreadId;
        var calls = new List<(string Path, int Thread)>();
        var host = new FakeHost();
        var options = new SyncPipelineOptions
        {
            ConflictHandler = info =>
            {
                calls.Add((info.RelativePath, Environment.CurrentManagedThreadId));
                return new object?[] { "Source" };
            },
        };

        using (var pipeline = new SyncPipeline(host, options))
        {
            pipeline.Sync(pair);
        }

        Assert.Equal(new[] { ("doc.txt", pipelineThread) }, calls);
        Assert.Equal("source version", tp.Read(SyncSide.Destination, "doc.txt"));
        Assert.Equal("source version", tp.Read(SyncSide.Source, "doc.txt"));
        Assert.False(host.CalledFromOtherThread);
    }

    [Fact]
    public void The_handler_also_decides_for_Get_SyncPlan()
    {
        var (tp, pair) = Conflicted();
        using var _ = tp;
        var host = new FakeHost();
        using (var pipeline = new SyncPipeline(host, new SyncPipelineOptions { ConflictHandler = _ => new object?[] { ConflictChoice.Destination } }))
        {
            pipeline.WritePlan(pair);
        }

        var action = Assert.Single(host.Objects.Cast<SyncAction>());
        Assert.Equal(SyncActionType.DownloadUpdate, action.Action);
        Assert.True(action.IsConflict);
    }

    [Fact]
    public void A_failing_handler_skips_the_file_with_an_error()
    {
        var (tp, pair) = Conflicted();
        using var _ = tp;
        var host = new FakeHost();
        using (var pipeline = new SyncPipeline(host, new SyncPipelineOptions { ConflictHandler = _ => throw new InvalidOperationException("handler bug") }))
        {
            pipeline.Sync(pair);
        }

        var error = Assert.Single(host.Errors);
        Assert.Equal("SyncConflictHandlerFailed", error.ErrorId);
        Assert.Equal("doc.txt", error.TargetObject);
        Assert.Contains("handler bug", error.Message);
        Assert.Equal(SyncResultStatus.Skipped, Assert.Single(host.Results).Status);
        Assert.Equal("source version", tp.Read(SyncSide.Source, "doc.txt"));
        Assert.Equal("destination version", tp.Read(SyncSide.Destination, "doc.txt"));
    }

    [Fact]
    public void An_unusable_answer_skips_the_file_with_a_warning()
    {
        var (tp, pair) = Conflicted();
        using var _ = tp;
        var host = new FakeHost();
        using (var pipeline = new SyncPipeline(host, new SyncPipelineOptions { ConflictHandler = _ => new object?[] { "whichever" } }))
        {
            pipeline.Sync(pair);
        }

        Assert.Contains(host.Warnings, w => w.Contains("whichever") && w.Contains("doc.txt"));
        Assert.Empty(host.Errors);
        Assert.Equal("destination version", tp.Read(SyncSide.Destination, "doc.txt"));
        Assert.Empty(host.ShouldProcessCalls);
    }
}
