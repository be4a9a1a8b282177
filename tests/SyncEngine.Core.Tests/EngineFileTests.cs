using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using SyncEngine.Core.Tests.Support;
using SyncEngine.Storage;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// An engine file (the ignore file, a state file, the lock, the control and run files, the records beside them) that is
/// a FIFO: the run is refused at once with an error naming the file, never blocks, and leaves the pair unlocked.
/// </summary>
public class EngineFileTests
{
    /// <summary>Long enough for any machine; the run either ends in milliseconds or blocks forever.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static void MakeFifo(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        using var p = Process.Start(new ProcessStartInfo("mkfifo", $"\"{path}\"") { RedirectStandardError = true, UseShellExecute = false })!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "mkfifo failed: " + p.StandardError.ReadToEnd());
    }

    /// <summary>Whether a task ends (succeeds or fails) within <see cref="Patience"/>.</summary>
    private static bool Ends(Task task) => ((IAsyncResult)task).AsyncWaitHandle.WaitOne(Patience);

    /// <summary>Runs the pair on another thread; fails the test (and lets the blocked run go) if it does not end in time.</summary>
    private static Exception? RunWithin(SyncPair pair, string fifo)
    {
        var run = Task.Run(() => Run(pair));
        if (!Ends(run))
        {
            // Give the blocked open a writer and then an end of file, so the run's thread can finish.
            using (new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite))
            {
            }

            Assert.Fail($"The run blocked on the FIFO '{fifo}'.");
        }

        return run.Exception?.GetBaseException();
    }

    private static SyncPair SyncedPair(TestPair t)
    {
        t.Write(SyncSide.Source, "a.txt", "a");
        var pair = PairOf(t);
        Run(pair);
        t.Write(SyncSide.Source, "b.txt", "b");
        return pair;
    }

    [SkippableTheory]
    [InlineData("sync_metadata.json")]
    [InlineData("source_tree.json")]
    [InlineData("destination_tree.json")]
    [InlineData("journal.jsonl")]
    [InlineData("lock")]
    [InlineData("control.json")]
    [InlineData("temp_runs.json")]
    public void A_state_file_that_is_a_FIFO_is_refused_naming_it_and_the_pair_is_not_left_locked(string name)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "FIFOs are made with mkfifo on Linux only.");
        using var t = new TestPair();
        var pair = SyncedPair(t);
        var fifo = Path.Combine(t.StateDir, name);
        MakeFifo(fifo);

        var error = RunWithin(pair, fifo);

        var refused = Assert.IsType<SyncEngineException>(error);
        Assert.Equal("SyncEngineFileNotRegular", refused.ErrorId);
        Assert.Equal(SyncErrorKind.InvalidArgument, refused.Kind);
        Assert.Equal(fifo, refused.Target);
        Assert.Contains(fifo, refused.Message, StringComparison.Ordinal);
        Assert.Contains("FIFO", refused.Message, StringComparison.Ordinal);
        Assert.Null(t.Read(SyncSide.Destination, "b.txt"));

        File.Delete(fifo);
        Run(pair);
        Assert.Equal("b", t.Read(SyncSide.Destination, "b.txt"));
    }

    [SkippableFact]
    public void A_journal_that_is_a_FIFO_before_the_first_snapshot_is_refused()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "FIFOs are made with mkfifo on Linux only.");
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        Directory.CreateDirectory(t.StateDir);
        var fifo = Path.Combine(t.StateDir, "journal.jsonl");
        MakeFifo(fifo);

        var error = RunWithin(PairOf(t), fifo);

        Assert.Equal("SyncEngineFileNotRegular", Assert.IsType<SyncEngineException>(error).ErrorId);
        Assert.Null(t.Read(SyncSide.Destination, "a.txt"));
    }

    [SkippableFact]
    public void An_ignore_file_that_is_a_FIFO_is_refused_naming_it()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "FIFOs are made with mkfifo on Linux only.");
        using var t = new TestPair();
        var pair = SyncedPair(t);
        var fifo = Path.Combine(t.Source, ".syncignore");
        MakeFifo(fifo);

        var error = RunWithin(pair, fifo);

        var refused = Assert.IsType<SyncEngineException>(error);
        Assert.Equal("SyncEngineFileNotRegular", refused.ErrorId);
        Assert.Equal(fifo, refused.Target);
        Assert.Null(t.Read(SyncSide.Destination, "b.txt"));
        var plan = Task.Run(() => SyncPlanner.Plan(pair));
        Assert.True(Ends(plan), "The plan blocked on the FIFO.");
    }

    [SkippableFact]
    public void A_run_file_or_trash_ledger_that_is_a_FIFO_is_replaced_and_the_run_goes_ahead()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "FIFOs are made with mkfifo on Linux only.");
        using var t = new TestPair();
        var pair = SyncedPair(t);
        t.Write(SyncSide.Destination, "a.txt", "changed"); // makes trash on the source, so clean-up reads the ledger
        Run(pair);
        var runFile = Path.Combine(t.StateDir, "run.json");
        var ledger = Path.Combine(t.Source, ".syncengine", "trash-ages.json");
        MakeFifo(runFile);
        MakeFifo(ledger);

        Assert.Null(RunWithin(pair, runFile));

        Assert.Equal("b", t.Read(SyncSide.Destination, "b.txt"));
        Assert.True(new FileInfo(ledger).Length > 0);
    }

    [SkippableFact]
    public void Engine_file_reads_never_wait_for_a_writer()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "FIFOs are made with mkfifo on Linux only.");
        using var t = new TestPair();
        Directory.CreateDirectory(t.StateDir);
        var fifo = Path.Combine(t.StateDir, "x.json");
        MakeFifo(fifo);

        var read = Task.Run(() => EngineFile.ReadAllBytes(fifo));
        Assert.True(Ends(read), "The read blocked on the FIFO.");

        Assert.Equal("SyncEngineFileNotRegular", Assert.IsType<SyncEngineException>(read.Exception!.GetBaseException()).ErrorId);
    }
}
