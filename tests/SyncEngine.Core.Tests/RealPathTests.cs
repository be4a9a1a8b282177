using System;
using System.Diagnostics;
using System.IO;
using SyncEngine.State;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Issue 9 cases 8 and 9: roots are compared, and pairs identified, by their real paths. A root named through a
/// symbolic link (or a bind mount) is the folder it leads to: an overlap through a link is refused, and two names
/// of one pair share one id, one state folder and one lock.
/// </summary>
public class RealPathTests
{
    private static string Link(string at, string target)
    {
        Directory.CreateSymbolicLink(at, target);
        return at;
    }

    [SkippableFact]
    public void An_overlap_through_a_symbolic_link_is_refused_and_nothing_changes()
    {
        Skip.If(OperatingSystem.IsWindows(), "creating symbolic links needs a privilege on Windows");
        using var t = new TestPair();
        t.Write(SyncSide.Destination, "inner/keep.txt", "destination file");
        t.Write(SyncSide.Source, "nest/x.txt", "x");
        var links = Path.Combine(t.Root, "links");
        Directory.CreateDirectory(links);
        var cases = new[]
        {
            // A source that is a link to a folder inside the destination (a mirror would empty it).
            new SyncPair(Link(Path.Combine(links, "src-in-dst"), Path.Combine(t.Destination, "inner")), t.Destination) { Mode = SyncMode.SourceToDestination, StatePath = t.StateDir },
            // A destination that is a link to a folder inside the source (it would nest forever).
            new SyncPair(t.Source, Link(Path.Combine(links, "dst-in-src"), Path.Combine(t.Source, "nest"))) { StatePath = t.StateDir },
            // A destination that does not exist yet, below a link into the source.
            new SyncPair(t.Source, Path.Combine(Link(Path.Combine(links, "to-src"), t.Source), "new", "backup")) { StatePath = t.StateDir },
            // The same folder under two names.
            new SyncPair(t.Source, Link(Path.Combine(links, "same"), t.Source)) { StatePath = t.StateDir },
        };

        foreach (var pair in cases)
        {
            var ex = ThrowsSync(pair.Validate, "SyncRootsOverlap");
            Assert.Equal(SyncErrorKind.InvalidArgument, ex.Kind);
            Assert.Contains("really", ex.Message, StringComparison.Ordinal);
            ThrowsSync(() => SyncSession.Open(pair).Dispose(), "SyncRootsOverlap");
        }

        Assert.Equal(Tree(("inner/keep.txt", "destination file")), t.Tree(SyncSide.Destination));
        Assert.Equal(Tree(("nest/x.txt", "x")), t.Tree(SyncSide.Source));
        Assert.False(Directory.Exists(Path.Combine(t.Source, "new")));
    }

    [SkippableFact]
    public void A_state_folder_inside_a_root_through_a_link_is_refused()
    {
        Skip.If(OperatingSystem.IsWindows(), "creating symbolic links needs a privilege on Windows");
        using var t = new TestPair();
        var link = Link(Path.Combine(t.Root, "state-link"), t.Source);
        var pair = new SyncPair(t.Source, t.Destination) { StatePath = Path.Combine(link, "state") };
        ThrowsSync(pair.Validate, "SyncStateFolderInsideRoot");
    }

    [SkippableFact]
    public void An_overlap_through_a_bind_mount_is_refused()
    {
        Skip.If(!OperatingSystem.IsLinux(), "bind mounts are a Linux test here");
        using var t = new TestPair();
        var mountPoint = Path.Combine(t.Root, "bound");
        Directory.CreateDirectory(mountPoint);
        var mounted = Sh("mount", "--bind", t.Source, mountPoint);
        Skip.If(mounted != 0, "mount --bind is not permitted here (needs root and a mount namespace that allows it)");
        try
        {
            var pair = new SyncPair(t.Source, Path.Combine(mountPoint, "backup")) { StatePath = t.StateDir };
            ThrowsSync(pair.Validate, "SyncRootsOverlap");
            ThrowsSync(new SyncPair(t.Source, mountPoint) { StatePath = t.StateDir }.Validate, "SyncRootsOverlap");
        }
        finally
        {
            Sh("umount", mountPoint);
        }
    }

    [SkippableFact]
    public void Two_names_of_one_pair_are_one_pair_with_one_lock()
    {
        Skip.If(OperatingSystem.IsWindows(), "creating symbolic links needs a privilege on Windows");
        using var t = new TestPair();
        var viaLink = Link(Path.Combine(t.Root, "src-link"), t.Source);
        var direct = new SyncPair(t.Source, t.Destination);
        var linked = new SyncPair(viaLink, t.Destination);
        Assert.Equal(direct.Id, linked.Id);
        Assert.Equal(direct.ResolvedStatePath, linked.ResolvedStatePath);

        using (SyncSession.Open(direct))
        {
            var ex = ThrowsSync(() => SyncSession.Open(linked).Dispose(), "SyncPairLocked");
            Assert.Equal(SyncErrorKind.ResourceBusy, ex.Kind);
        }
    }

    [SkippableFact]
    public void A_default_state_folder_named_by_the_roots_as_written_is_adopted_with_its_state()
    {
        Skip.If(OperatingSystem.IsWindows(), "creating symbolic links needs a privilege on Windows");
        using var t = new TestPair();
        var home = Path.Combine(t.Root, "state-home");
        var saved = Environment.GetEnvironmentVariable("SYNCENGINE_STATE_HOME");
        Environment.SetEnvironmentVariable("SYNCENGINE_STATE_HOME", home);
        try
        {
            var viaLink = Link(Path.Combine(t.Root, "src-link"), t.Source);
            t.Write(SyncSide.Source, "a.txt", "a");
            t.Write(SyncSide.Source, "b.txt", "b");
            t.Write(SyncSide.Source, "c.txt", "c");
            var pair = new SyncPair(viaLink, t.Destination) { Mode = SyncMode.TwoWay };
            Run(pair);

            // As an earlier version left it: the folder and its pairId named by the roots as written.
            var literal = SyncPair.LiteralId(viaLink, t.Destination);
            Assert.NotEqual(pair.Id, literal);
            var legacy = Path.Combine(home, "pairs", literal);
            Directory.Move(pair.ResolvedStatePath, legacy);
            var meta = Path.Combine(legacy, "sync_metadata.json");
            File.WriteAllText(meta, File.ReadAllText(meta).Replace(pair.Id, literal, StringComparison.Ordinal));
            Assert.Equal(legacy, pair.ResolvedStatePath);

            // A file deleted since: the adopted state knows it was synced, so the deletion travels (no resurrection).
            File.Delete(Path.Combine(t.Source, "a.txt"));
            var run = Run(pair);
            Assert.Contains(run.Plan.Actions, a => a.Action == SyncActionType.DeleteDestination && a.RelativePath == "a.txt");
            Assert.Equal(Path.Combine(home, "pairs", pair.Id), pair.ResolvedStatePath);
            Assert.False(Directory.Exists(legacy));
            Assert.Contains(pair.Id, File.ReadAllText(Path.Combine(pair.ResolvedStatePath, "sync_metadata.json")), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SYNCENGINE_STATE_HOME", saved);
        }
    }

    private static int Sh(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        try
        {
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
