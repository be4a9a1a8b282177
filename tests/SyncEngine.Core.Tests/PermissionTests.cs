using System;
using System.IO;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>
/// Issue 9 case 20: copies keep the POSIX permission bits of the file they copy (rwx for owner, group and others),
/// whatever the umask: an executable stays executable and a private file stays private.
/// </summary>
public class PermissionTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode GroupWritable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    private static UnixFileMode ModeOf(TestPair t, SyncSide side, string key) => File.GetUnixFileMode(Full(t, side, key));

    private static void Chmod(TestPair t, SyncSide side, string key, UnixFileMode mode) => File.SetUnixFileMode(Full(t, side, key), mode);

    [SkippableFact]
    public void New_and_updated_copies_keep_the_permission_bits_of_their_source()
    {
        Skip.If(OperatingSystem.IsWindows(), "Windows files have no POSIX permission bits");
        using var t = new TestPair();
        t.Write(SyncSide.Source, "id_ed25519", "private key");
        t.Write(SyncSide.Source, "bin/run.sh", "#!/bin/sh\necho hi\n");
        t.Write(SyncSide.Source, "shared/notes.txt", "group writable, beyond the usual umask");
        Chmod(t, SyncSide.Source, "id_ed25519", Private);
        Chmod(t, SyncSide.Source, "bin/run.sh", Executable);
        Chmod(t, SyncSide.Source, "shared/notes.txt", GroupWritable);
        var pair = PairOf(t, SyncMode.SourceToDestination);

        Run(pair);
        Assert.Equal(Private, ModeOf(t, SyncSide.Destination, "id_ed25519"));
        Assert.Equal(Executable, ModeOf(t, SyncSide.Destination, "bin/run.sh"));
        Assert.Equal(GroupWritable, ModeOf(t, SyncSide.Destination, "shared/notes.txt"));

        // An update brings the bits the source has now (here: the script is no longer executable).
        t.Write(SyncSide.Source, "bin/run.sh", "#!/bin/sh\necho changed\n");
        Chmod(t, SyncSide.Source, "bin/run.sh", Private);
        Run(pair);
        Assert.Equal("#!/bin/sh\necho changed\n", t.Read(SyncSide.Destination, "bin/run.sh"));
        Assert.Equal(Private, ModeOf(t, SyncSide.Destination, "bin/run.sh"));
    }

    [SkippableFact]
    public void Two_way_copies_and_kept_conflict_versions_keep_their_bits_in_both_directions()
    {
        Skip.If(OperatingSystem.IsWindows(), "Windows files have no POSIX permission bits");
        using var t = new TestPair();
        t.Write(SyncSide.Destination, "tool.sh", "made on the destination");
        Chmod(t, SyncSide.Destination, "tool.sh", Executable);
        t.Write(SyncSide.Source, "both.txt", "v1");
        var pair = PairOf(t, SyncMode.TwoWay, conflicts: ConflictResolution.KeepBoth);
        Run(pair);
        Assert.Equal(Executable, ModeOf(t, SyncSide.Source, "tool.sh"));

        // Both edited: the older (destination) version loses and is kept under a conflict name on both sides.
        t.Write(SyncSide.Destination, "both.txt", "destination edit");
        Chmod(t, SyncSide.Destination, "both.txt", Private);
        t.Write(SyncSide.Source, "both.txt", "source edit, newer");
        SetMtime(t, SyncSide.Destination, "both.txt", Mtime(t, SyncSide.Source, "both.txt").AddMinutes(-5));
        Run(pair);
        var kept = Assert.Single(Directory.GetFiles(t.Source, "both (conflict destination *).txt"));
        Assert.Equal("destination edit", File.ReadAllText(kept));
        Assert.Equal(Private, File.GetUnixFileMode(kept));
    }
}
