using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SyncEngine.TestSupport;

/// <summary>
/// Modification times outside <see cref="DateTime"/>'s range (before year 1, after 9999), which .NET cannot set:
/// set through utimensat on Linux, on a filesystem that stores 64-bit seconds (tmpfs does; ext4 clamps to 1901–2446).
/// </summary>
public static class ExtremeTimes
{
    /// <summary>Unix seconds of DateTime.MinValue (0001-01-01).</summary>
    public const long MinSeconds = -62135596800L;

    /// <summary>Unix seconds of the last whole second of DateTime.MaxValue (9999-12-31 23:59:59).</summary>
    public const long MaxSeconds = 253402300799L;

    /// <summary>A folder on tmpfs for temporary pairs, or null with the reason in <paramref name="why"/>.</summary>
    public static string? Folder(out string why)
    {
        why = "";
        if (!OperatingSystem.IsLinux())
        {
            why = "needs Linux (utimensat) to set a modification time outside DateTime's range";
            return null;
        }

        const string shm = "/dev/shm";
        if (!Directory.Exists(shm))
        {
            why = "needs /dev/shm (tmpfs), which stores modification times outside DateTime's range";
            return null;
        }

        var probe = Path.Combine(shm, "se-time-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllText(probe, "probe");
            if (!TrySet(probe, MinSeconds - 1_000_000) || Seconds(probe) != MinSeconds - 1_000_000)
            {
                why = "/dev/shm does not store a modification time before year 1 here";
                return null;
            }

            return shm;
        }
        catch (IOException ex)
        {
            why = "/dev/shm is not writable: " + ex.Message;
            return null;
        }
        catch (UnauthorizedAccessException ex)
        {
            why = "/dev/shm is not writable: " + ex.Message;
            return null;
        }
        finally
        {
            File.Delete(probe);
        }
    }

    /// <summary>Sets a file's modification time to Unix <paramref name="seconds"/>; throws when the call fails.</summary>
    public static void Set(string path, long seconds)
    {
        if (!TrySet(path, seconds))
        {
            throw new IOException($"utimensat('{path}', {seconds}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>The file's modification time in whole Unix seconds, as the filesystem keeps it (stat, not .NET).</summary>
    public static long Seconds(string path)
    {
        var buf = new byte[256];
        if (statx(-100, path, 0x100, 0x40, buf) != 0)
        {
            throw new IOException($"statx('{path}') failed: errno {Marshal.GetLastPInvokeError()}.");
        }

        return BitConverter.ToInt64(buf, 112);
    }

    private static bool TrySet(string path, long seconds)
    {
        var times = new[] { 0L, (1L << 30) - 2, seconds, 0L }; // atime UTIME_OMIT, mtime seconds.0
        return utimensat(-100, path, times, 0x100) == 0;
    }

    [DllImport("libc.so.6", EntryPoint = "utimensat", SetLastError = true)]
    private static extern int utimensat(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, long[] times, int flags);

    [DllImport("libc.so.6", EntryPoint = "statx", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buf);
}
