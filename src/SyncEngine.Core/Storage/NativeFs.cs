using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SyncEngine;

/// <summary>
/// The few filesystem calls the BCL of netstandard2.0 lacks: rename over an existing file, hard links, and an
/// lstat that yields the inode (Linux statx). Everything falls back to portable BCL calls where the native one is absent.
/// </summary>
internal static unsafe class NativeFs
{
    private static readonly bool IsWindows = Path.DirectorySeparatorChar == '\\';
    private static readonly bool IsLinux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
    private static bool _statxUnavailable;

    /// <summary>Renames a file; with <paramref name="overwrite"/> the target is replaced atomically.</summary>
    public static void Rename(string from, string to, bool overwrite)
    {
#if NET
        File.Move(from, to, overwrite);
#else
        if (!overwrite)
        {
            File.Move(from, to);
            return;
        }

        if (IsWindows)
        {
            if (!MoveFileEx(from, to, 0x1 | 0x8))
            {
                throw new IOException($"Cannot rename '{from}' to '{to}'.", Marshal.GetHRForLastWin32Error());
            }

            return;
        }

        if (rename(Utf8z(from), Utf8z(to)) != 0)
        {
            var errno = Marshal.GetLastWin32Error();
            throw new IOException($"Cannot rename '{from}' to '{to}' (errno {errno}).", errno);
        }
#endif
    }

    /// <summary>Creates a hard link; false when the filesystem or platform cannot.</summary>
    public static bool TryHardLink(string existing, string link)
    {
        try
        {
            if (IsWindows)
            {
                return CreateHardLinkW(link, existing, IntPtr.Zero);
            }

            return IsLinux ? linux_link(Utf8z(existing), Utf8z(link)) == 0 : unix_link(Utf8z(existing), Utf8z(link)) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Result of <see cref="TryLStat(string, out Stat)"/>.</summary>
    public struct Stat
    {
        public bool Exists;
        public bool IsFile;
        public bool IsDirectory;
        public bool IsSymlink;
        public long Size;
        public long MtimeTicks;
        public ulong Inode;
    }

    /// <summary>A NUL-terminated UTF-8 copy of a path for native calls.</summary>
    private static byte[] Utf8z(string s)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
        System.Text.Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
        return bytes;
    }

    private const long UnixEpochTicks = 621355968000000000L;

    /// <summary>lstat through Linux statx (no link following). False when statx is not available here.</summary>
    public static bool TryLStat(string path, out Stat st) => TryLStat(path, null, out st);

    /// <summary>
    /// lstat of <paramref name="folder"/>/<paramref name="name"/> (or of <paramref name="folder"/> alone when
    /// <paramref name="name"/> is null), encoding the path on the stack: listing a million files allocates nothing here.
    /// </summary>
    public static bool TryLStat(string folder, string? name, out Stat st)
    {
        st = default;
        if (!IsLinux || _statxUnavailable)
        {
            return false;
        }

        var maxBytes = ((folder.Length + (name?.Length ?? 0) + 1) * 3) + 1;
        if (maxBytes > 16384)
        {
            return TryLStatSlow(Join(folder, name), out st);
        }

        var pathBytes = stackalloc byte[maxBytes];
        int used;
        fixed (char* f = folder)
        {
            used = System.Text.Encoding.UTF8.GetBytes(f, folder.Length, pathBytes, maxBytes);
        }

        if (name is not null)
        {
            pathBytes[used++] = (byte)'/';
            fixed (char* n = name)
            {
                used += System.Text.Encoding.UTF8.GetBytes(n, name.Length, pathBytes + used, maxBytes - used);
            }
        }

        pathBytes[used] = 0;
        return StatxInto(pathBytes, folder, name, out st);
    }

    private static string Join(string folder, string? name) => name is null ? folder : folder + "/" + name;

    private static bool TryLStatSlow(string path, out Stat st)
    {
        fixed (byte* p = Utf8z(path))
        {
            return StatxInto(p, path, null, out st);
        }
    }

    /// <remarks>The path is passed in parts and joined only for an error message, never on the success path.</remarks>
    private static bool StatxInto(byte* pathz, string folder, string? name, out Stat st)
    {
        st = default;
        var buf = stackalloc byte[256];
        int rc;
        try
        {
            rc = statx(-100, pathz, 0x100, 0x7ff, buf);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            _statxUnavailable = true;
            return false;
        }

        if (rc != 0)
        {
            var errno = Marshal.GetLastWin32Error();
            if (errno is 2 or 20)
            {
                // ENOENT, ENOTDIR: nothing there.
                st.Exists = false;
                return true;
            }

            if (errno == 38)
            {
                // ENOSYS: old kernel.
                _statxUnavailable = true;
                return false;
            }

            if (errno == 13)
            {
                throw new UnauthorizedAccessException($"Access to '{Join(folder, name)}' is denied.");
            }

            throw new IOException($"Cannot read attributes of '{Join(folder, name)}' (errno {errno}).", errno);
        }

        var mode = *(ushort*)(buf + 28);
        var fmt = mode & 0xF000;
        st.Exists = true;
        st.IsFile = fmt == 0x8000;
        st.IsDirectory = fmt == 0x4000;
        st.IsSymlink = fmt == 0xA000;
        st.Inode = *(ulong*)(buf + 32);
        st.Size = *(long*)(buf + 40);
        var sec = *(long*)(buf + 112);
        var nsec = *(uint*)(buf + 120);
        st.MtimeTicks = UnixEpochTicks + (sec * 10_000_000L) + (nsec / 100);
        return true;
    }

    /// <summary>
    /// Copies up to <paramref name="count"/> bytes between two open files inside the kernel (Linux copy_file_range,
    /// which also clones on filesystems that can). Returns the bytes copied, 0 at end of input, or -1 when the call is
    /// not possible here (other OS, old kernel, cross-filesystem on old kernels): the caller then copies by hand.
    /// </summary>
    /// <remarks>
    /// Explicit offsets are passed (and advanced by the kernel): the file offsets of handles that came from a
    /// <see cref="FileStream"/> are not to be trusted, since the stream re-seeks them when its handle is exposed.
    /// </remarks>
    public static long CopyFileRange(Microsoft.Win32.SafeHandles.SafeFileHandle input, ref long inputOffset, Microsoft.Win32.SafeHandles.SafeFileHandle output, ref long outputOffset, long count)
    {
        if (!IsLinux || _copyRangeUnavailable)
        {
            return -1;
        }

        var added = false;
        var added2 = false;
        try
        {
            input.DangerousAddRef(ref added);
            output.DangerousAddRef(ref added2);
            long rc;
            fixed (long* inOff = &inputOffset)
            fixed (long* outOff = &outputOffset)
            {
                rc = copy_file_range(input.DangerousGetHandle().ToInt32(), inOff, output.DangerousGetHandle().ToInt32(), outOff, new UIntPtr((ulong)count), 0);
            }

            if (rc >= 0)
            {
                return rc;
            }

            var errno = Marshal.GetLastWin32Error();
            if (errno is 38 or 18 or 22 or 95 or 1)
            {
                // ENOSYS, EXDEV, EINVAL, EOPNOTSUPP, EPERM: not here; copy by hand.
                return -1;
            }

            if (errno == 28)
            {
                throw new IOException("No space left on device.", 28);
            }

            throw new IOException($"copy_file_range failed (errno {errno}).", errno);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            _copyRangeUnavailable = true;
            return -1;
        }
        finally
        {
            if (added)
            {
                input.DangerousRelease();
            }

            if (added2)
            {
                output.DangerousRelease();
            }
        }
    }

    private static bool _copyRangeUnavailable;

    [DllImport("libc.so.6", EntryPoint = "copy_file_range", SetLastError = true)]
    private static extern long copy_file_range(int fdIn, long* offIn, int fdOut, long* offOut, UIntPtr len, uint flags);

    [DllImport("libc.so.6", EntryPoint = "statx", SetLastError = true)]
    private static extern int statx(int dirfd, byte* path, int flags, uint mask, byte* buf);

    [DllImport("libc.so.6", EntryPoint = "link", SetLastError = true)]
    private static extern int linux_link(byte[] existing, byte[] link);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int unix_link(byte[] existing, byte[] link);

#if !NET
    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int rename(byte[] from, byte[] to);

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern bool MoveFileEx(string existing, string newName, int flags);
#endif

    [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    private static extern bool CreateHardLinkW(string newName, string existing, IntPtr security);
}
