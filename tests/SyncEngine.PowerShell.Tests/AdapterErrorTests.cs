using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

public class AdapterErrorTests
{
    [Theory]
    [InlineData(SyncErrorKind.InvalidArgument, "InvalidArgument")]
    [InlineData(SyncErrorKind.NotFound, "ObjectNotFound")]
    [InlineData(SyncErrorKind.PermissionDenied, "PermissionDenied")]
    [InlineData(SyncErrorKind.ResourceBusy, "ResourceBusy")]
    [InlineData(SyncErrorKind.SafetyGuard, "LimitsExceeded")]
    [InlineData(SyncErrorKind.InvalidState, "InvalidData")]
    [InlineData(SyncErrorKind.IOError, "WriteError")]
    [InlineData(SyncErrorKind.Cancelled, "OperationStopped")]
    public void Each_error_kind_has_a_fitting_category(SyncErrorKind kind, string category)
    {
        Assert.Equal(category, ErrorMapping.CategoryOf(kind).ToString());
        var info = ErrorMapping.FromException(new SyncEngineException("SyncSomething", kind, "it broke", "some/path"));
        Assert.NotNull(info);
        Assert.Equal("SyncSomething", info!.ErrorId);
        Assert.Equal(category, info.Category.ToString());
        Assert.Equal("some/path", info.TargetObject);
        Assert.Equal("it broke", info.Message);
    }

    [Fact]
    public void Every_kind_is_mapped()
    {
        foreach (SyncErrorKind kind in Enum.GetValues(typeof(SyncErrorKind)))
        {
            Assert.NotEqual(PsErrorCategory.NotSpecified, ErrorMapping.CategoryOf(kind));
        }
    }

    [Fact]
    public void A_failed_result_becomes_an_error_with_its_id_category_and_path()
    {
        var info = new SyncPlanInfo(new SyncPair("/s", "/d"), Guid.NewGuid(), DateTime.UtcNow, 1, 0, true);
        var action = new SyncAction(SyncActionType.UploadNew, "docs/a.txt", "new", new FileVersion("docs/a.txt", 3, 1), null, info);
        var failed = new SyncResult(action, SyncResultStatus.Failed, 0, TimeSpan.Zero, "Could not copy 'docs/a.txt': disk full", "SyncDiskFull", SyncErrorKind.IOError);

        var record = ErrorMapping.FromResult(failed);

        Assert.Equal("SyncDiskFull", record.ErrorId);
        Assert.Equal(PsErrorCategory.WriteError, record.Category);
        Assert.Equal("docs/a.txt", record.TargetObject);
        Assert.Equal("Could not copy 'docs/a.txt': disk full", record.Message);
        var engineError = Assert.IsType<SyncEngineException>(record.Exception);
        Assert.Equal("SyncDiskFull", engineError.ErrorId);

        var anonymous = ErrorMapping.FromResult(new SyncResult(action, SyncResultStatus.Failed, 0, TimeSpan.Zero));
        Assert.Equal("SyncActionFailed", anonymous.ErrorId);
        Assert.Contains("docs/a.txt", anonymous.Message);
    }

    [Fact]
    public void A_failing_action_is_a_non_terminating_error_and_the_run_goes_on()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "blocked/inner.txt", "cannot land");
        tp.Write(SyncSide.Source, "fine.txt", "lands");
        var pair = tp.Pair(SyncMode.SourceToDestination);
        var host = new FakeHost();

        // A file where the destination needs a folder: the copy into it must fail.
        host.OnShouldProcess = (target, _) =>
        {
            if (target.StartsWith("blocked/", StringComparison.Ordinal) && !File.Exists(tp.FullPath(SyncSide.Destination, "blocked")))
            {
                File.WriteAllText(tp.FullPath(SyncSide.Destination, "blocked"), "a file, not a folder");
            }
        };

        using (var pipeline = new SyncPipeline(host))
        {
            pipeline.Sync(pair);
        }

        Assert.Equal("lands", tp.Read(SyncSide.Destination, "fine.txt"));
        var failed = Assert.Single(host.Results, r => r.RelativePath == "blocked/inner.txt");
        Assert.Equal(SyncResultStatus.Failed, failed.Status);
        var error = Assert.Single(host.Errors);
        Assert.Equal(failed.ErrorId, error.ErrorId);
        Assert.StartsWith("Sync", error.ErrorId);
        Assert.Equal(ErrorMapping.CategoryOf(failed.ErrorKind), error.Category);
        Assert.Equal("blocked/inner.txt", error.TargetObject);
        Assert.Equal("a file, not a folder", File.ReadAllText(tp.FullPath(SyncSide.Destination, "blocked")));
    }

    [Fact]
    public void A_locked_pair_cannot_start()
    {
        using var tp = new AdapterTestPair();
        tp.Write(SyncSide.Source, "a.txt", "A");
        var pair = tp.Pair();
        using var other = SyncSession.Open(pair);
        var host = new FakeHost();

        using var pipeline = new SyncPipeline(host);
        var ex = Assert.Throws<SyncEngineException>(() => pipeline.Sync(pair));

        var record = ErrorMapping.FromException(ex)!;
        Assert.Equal("SyncPairLocked", record.ErrorId);
        Assert.Equal(PsErrorCategory.ResourceBusy, record.Category);
        Assert.NotNull(record.RecommendedAction);
        Assert.Empty(tp.Tree(SyncSide.Destination));
        Assert.Empty(host.ShouldProcessCalls);
    }

    [Fact]
    public void A_tripped_guard_stops_the_run_unless_forced()
    {
        using var tp = new AdapterTestPair();
        for (var i = 0; i < 4; i++)
        {
            tp.Write(SyncSide.Source, $"f{i}.txt", "x" + i);
        }

        var pair = tp.Pair();
        tp.SyncDirect(pair);
        for (var i = 0; i < 3; i++)
        {
            tp.Delete(SyncSide.Source, $"f{i}.txt");
        }

        var host = new FakeHost();
        using (var pipeline = new SyncPipeline(host))
        {
            var ex = Assert.Throws<SyncEngineException>(() => pipeline.Sync(pair));
            var record = ErrorMapping.FromException(ex)!;
            Assert.Equal("SyncMassDeleteGuard", record.ErrorId);
            Assert.Equal(PsErrorCategory.LimitsExceeded, record.Category);
            Assert.Contains("-Force", record.RecommendedAction);
        }

        Assert.Equal(4, tp.Tree(SyncSide.Destination).Count);
        Assert.Empty(host.ShouldProcessCalls);

        var forced = new FakeHost();
        using (var pipeline = new SyncPipeline(forced, new SyncPipelineOptions { Force = true }))
        {
            pipeline.Sync(pair);
        }

        Assert.Equal(new[] { "f3.txt" }, tp.Tree(SyncSide.Destination).Keys);
        Assert.Contains(forced.Warnings, w => w.Contains("-Force", StringComparison.Ordinal));
        Assert.Equal(3, forced.ShouldProcessCalls.Count);
    }

    [Fact]
    public void A_missing_root_cannot_start()
    {
        using var tp = new AdapterTestPair();
        var pair = new SyncPair(Path.Combine(tp.Root, "not-there"), tp.Destination) { StatePath = tp.StateDir };
        using var pipeline = new SyncPipeline(new FakeHost());

        var ex = Assert.Throws<SyncEngineException>(() => pipeline.Sync(pair));

        Assert.Equal("SyncRootNotFound", ex.ErrorId);
        Assert.Equal(PsErrorCategory.ObjectNotFound, ErrorMapping.FromException(ex)!.Category);
    }

    [Fact]
    public void Unexpected_exceptions_are_not_disguised_as_user_errors()
    {
        Assert.Null(ErrorMapping.FromException(new InvalidOperationException("bug")));
        Assert.Null(ErrorMapping.FromException(new NullReferenceException()));
        Assert.Equal(PsErrorCategory.PermissionDenied, ErrorMapping.FromException(new UnauthorizedAccessException("no"))!.Category);
        Assert.Equal("SyncIOError", ErrorMapping.FromException(new IOException("io"))!.ErrorId);
    }
}
