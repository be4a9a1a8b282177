using System;
using System.IO;
using System.Reflection;
using System.Threading;
using SyncEngine.PowerShell.Pipeline;

namespace SyncEngine.PowerShell.Tests;

public class AdapterDispatcherTests
{
    [Fact]
    public void Work_invoked_from_a_worker_runs_on_the_pipeline_thread()
    {
        using var dispatcher = new PipelineDispatcher();
        var pipelineThread = Environment.CurrentManagedThreadId;
        int? ranOn = null;
        int? workerThread = null;

        var result = dispatcher.RunInBackground(_ =>
        {
            workerThread = Environment.CurrentManagedThreadId;
            return dispatcher.Invoke(() =>
            {
                ranOn = Environment.CurrentManagedThreadId;
                return 42;
            });
        }, CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Equal(pipelineThread, ranOn);
        Assert.NotEqual(pipelineThread, workerThread);
    }

    [Fact]
    public void Posted_work_runs_in_order_when_drained()
    {
        using var dispatcher = new PipelineDispatcher();
        var order = new System.Collections.Generic.List<int>();
        var t = new Thread(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                var n = i;
                dispatcher.Post(() => order.Add(n));
            }
        });
        t.Start();
        t.Join();

        Assert.Empty(order);
        Assert.Equal(100, dispatcher.Drain());
        Assert.Equal(System.Linq.Enumerable.Range(0, 100), order);
    }

    [Fact]
    public void Exceptions_travel_back_to_the_caller()
    {
        using var dispatcher = new PipelineDispatcher();
        var ex = Assert.Throws<InvalidOperationException>(() => dispatcher.RunInBackground<int>(_ => dispatcher.Invoke<int>(() => throw new InvalidOperationException("from the handler")), CancellationToken.None));
        Assert.Equal("from the handler", ex.Message);

        var io = Assert.Throws<IOException>(() => dispatcher.RunInBackground<int>(_ => throw new IOException("from the worker"), CancellationToken.None));
        Assert.Equal("from the worker", io.Message);
    }

    [Fact]
    public void Cancelled_background_work_ends_with_OperationCanceled()
    {
        using var dispatcher = new PipelineDispatcher();
        using var cts = new CancellationTokenSource();
        dispatcher.Post(() => cts.Cancel());

        Assert.ThrowsAny<OperationCanceledException>(() => dispatcher.RunInBackground(ct =>
        {
            ct.WaitHandle.WaitOne();
            ct.ThrowIfCancellationRequested();
            return 0;
        }, cts.Token));
    }

    [Fact]
    public void Draining_from_another_thread_is_refused()
    {
        using var dispatcher = new PipelineDispatcher();
        Exception? caught = null;
        var t = new Thread(() =>
        {
            try
            {
                dispatcher.Drain();
            }
            catch (Exception ex)
            {
                caught = ex;
            }
        });
        t.Start();
        t.Join();
        Assert.IsType<InvalidOperationException>(caught);
    }
}

public class AdapterDependencyResolverTests
{
    [Fact]
    public void Resolves_only_its_own_dependencies_at_a_sufficient_version()
    {
        var root = Path.Combine(Path.GetTempPath(), "se-deps-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        var dependencies = Path.Combine(root, "dependencies");
        Directory.CreateDirectory(dependencies);
        try
        {
            var core = typeof(SyncPair).Assembly;
            var copy = Path.Combine(dependencies, "SyncEngine.Core.dll");
            File.Copy(core.Location, copy);
            var version = core.GetName().Version!;
            var resolver = new DependencyResolver(dependencies, root);

            Assert.Equal(new[] { "SyncEngine.Core" }, resolver.Names);
            Assert.Equal(copy, resolver.Find(new AssemblyName("SyncEngine.Core"), null));
            Assert.Equal(copy, resolver.Find(new AssemblyName($"SyncEngine.Core, Version={version}"), null));
            Assert.Null(resolver.Find(new AssemblyName($"SyncEngine.Core, Version={version.Major + 1}.0.0.0"), null));
            Assert.Null(resolver.Find(new AssemblyName("Some.Other.Library"), null));

            // A request from an assembly outside the module folder is left to others.
            Assert.Null(resolver.Find(new AssemblyName("SyncEngine.Core"), typeof(object).Assembly));

            // A request from an assembly of the module is answered.
            var context = new System.Runtime.Loader.AssemblyLoadContext("module-copy", isCollectible: true);
            try
            {
                var ours = context.LoadFromAssemblyPath(copy);
                Assert.Equal(copy, resolver.Find(new AssemblyName("SyncEngine.Core"), ours));
            }
            finally
            {
                context.Unload();
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_missing_dependencies_folder_resolves_nothing()
    {
        var resolver = new DependencyResolver(Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N")), Path.GetTempPath());
        Assert.Empty(resolver.Names);
        Assert.Null(resolver.Find(new AssemblyName("System.Text.Json"), null));
        Assert.True(DependencyResolver.IsDotNetCore);
    }
}
