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
        public ulong Device;

        /// <summary>The permission bits (rwx for owner, group and others: <c>mode &amp; 0777</c>).</summary>
        public int Permissions;

        /// <summary>
        /// The file's identity across renames: its inode together with its birth time, so an inode freed and given to
        /// a new file is another identity. 0 (unknown) where the filesystem reports no birth time: an inode number
        /// alone is not proof of the same file.
        /// </summary>
        public ulong FileId;

        /// <summary>The file type bits of the mode (S_IFMT): 0x1000 FIFO, 0x2000 character device, 0x6000 block device, 0xC000 socket.</summary>
        public int FileType;
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

    /// <summary>stat through Linux statx, following a symbolic link to what it names. False when statx is not available here.</summary>
    public static bool TryStat(string path, out Stat st)
    {
        st = default;
        if (!IsLinux || _statxUnavailable)
        {
            return false;
        }

        fixed (byte* p = Utf8z(path))
        {
            return StatxInto(p, path, null, out st, follow: true);
        }
    }

    private static bool TryLStatSlow(string path, out Stat st)
    {
        fixed (byte* p = Utf8z(path))
        {
            return StatxInto(p, path, null, out st);
        }
    }

    /// <remarks>The path is passed in parts and joined only for an error message, never on the success path.</remarks>
    private static bool StatxInto(byte* pathz, string folder, string? name, out Stat st, bool follow = false)
    {
        st = default;
        var buf = stackalloc byte[256];
        int rc;
        try
        {
            rc = statx(-100, pathz, follow ? 0 : 0x100, StatxMask, buf);
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

        st = FromStatx(buf);
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

        try
        {
            using var inFd = new FdLease(input);
            using var outFd = new FdLease(output);
            long rc;
            fixed (long* inOff = &inputOffset)
            fixed (long* outOff = &outputOffset)
            {
                rc = copy_file_range(inFd.Fd, inOff, outFd.Fd, outOff, new UIntPtr((ulong)count), 0);
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
    }

    private static bool _copyRangeUnavailable;

    /// <summary>Whether the raw-descriptor calls below (open/read/write/futimens/renameat2 on Linux) are used here.</summary>
    public static bool RawFilesAvailable => IsLinux && !_statxUnavailable;

    public const int ORdOnly = 0x0;
    public const int OWrOnly = 0x1;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int ONoFollow = 0x20000;
    public const int OCloExec = 0x80000;
    public const int ODirectory = 0x10000;
    public const int ORdWr = 0x2;
    public const int ONonBlock = 0x800;
    private const int AtRemoveDir = 0x200;
    private const uint RenameNoReplaceFlag = 1;

    /// <summary>
    /// open(2) with the given flags (Linux values). Errors become the BCL's exceptions: a missing file
    /// <see cref="FileNotFoundException"/>, a missing folder <see cref="DirectoryNotFoundException"/>, a symbolic link
    /// (with O_NOFOLLOW) <see cref="SymbolicLinkException"/>, denied access <see cref="UnauthorizedAccessException"/>.
    /// </summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle Open(string path, int flags, int mode = 438)
    {
        var maxBytes = (path.Length * 3) + 1;
        int fd;
        if (maxBytes <= 16384)
        {
            var z = stackalloc byte[maxBytes];
            fixed (char* c = path)
            {
                z[System.Text.Encoding.UTF8.GetBytes(c, path.Length, z, maxBytes)] = 0;
            }

            fd = OpenRetrying(z, flags, mode);
        }
        else
        {
            fixed (byte* z = Utf8z(path))
            {
                fd = OpenRetrying(z, flags, mode);
            }
        }

        if (fd < 0)
        {
            throw ErrnoException(Marshal.GetLastWin32Error(), path);
        }

        return new Microsoft.Win32.SafeHandles.SafeFileHandle(new IntPtr(fd), ownsHandle: true);
    }

    private static int OpenRetrying(byte* z, int flags, int mode)
    {
        while (true)
        {
            var fd = open(z, flags, mode);
            if (fd >= 0 || Marshal.GetLastWin32Error() != 4)
            {
                return fd;
            }
        }
    }

    /// <summary>fstat of an open file (statx with AT_EMPTY_PATH): its current size, time and inode, without a path lookup.</summary>
    public static Stat FStat(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string pathForMessages)
    {
        using var fd = new FdLease(handle);
        var empty = stackalloc byte[1];
        empty[0] = 0;
        var buf = stackalloc byte[256];
        if (statx(fd.Fd, empty, 0x1000 | 0x100, StatxMask, buf) != 0)
        {
            throw ErrnoException(Marshal.GetLastWin32Error(), pathForMessages);
        }

        return FromStatx(buf);
    }

    /// <summary>read(2) into a buffer; returns the bytes read (0 at end of file).</summary>
    public static int Read(Microsoft.Win32.SafeHandles.SafeFileHandle handle, byte[] buffer, int offset, int count, string pathForMessages)
    {
        using var fd = new FdLease(handle);
        fixed (byte* b = buffer)
        {
            while (true)
            {
                var n = read(fd.Fd, b + offset, new UIntPtr((uint)count)).ToInt64();
                if (n >= 0)
                {
                    return (int)n;
                }

                var errno = Marshal.GetLastWin32Error();
                if (errno != 4)
                {
                    throw ErrnoException(errno, pathForMessages);
                }
            }
        }
    }

    /// <summary>write(2) of the whole buffer (short writes continue).</summary>
    public static void Write(Microsoft.Win32.SafeHandles.SafeFileHandle handle, byte[] buffer, int offset, int count, string pathForMessages)
    {
        using var fd = new FdLease(handle);
        fixed (byte* b = buffer)
        {
            while (count > 0)
            {
                var n = write(fd.Fd, b + offset, new UIntPtr((uint)count)).ToInt64();
                if (n < 0)
                {
                    var errno = Marshal.GetLastWin32Error();
                    if (errno == 4)
                    {
                        continue;
                    }

                    throw ErrnoException(errno, pathForMessages);
                }

                offset += (int)n;
                count -= (int)n;
            }
        }
    }

    /// <summary>
    /// Tells the kernel a file will be read from start to end (POSIX_FADV_SEQUENTIAL: a larger read-ahead window for
    /// the parts not in the page cache). Advice only: failure changes nothing.
    /// </summary>
    public static void AdviseSequential(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        if (!IsLinux)
        {
            return;
        }

        try
        {
            using var fd = new FdLease(handle);
            _ = posix_fadvise(fd.Fd, 0, 0, 2);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    /// <summary>Sets an open file's modification time (futimens), leaving its access time alone.</summary>
    public static void SetMtime(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long mtimeTicks, string pathForMessages)
    {
        using var fd = new FdLease(handle);
        var times = stackalloc long[4];
        var since = mtimeTicks - UnixEpochTicks;
        var sec = since / 10_000_000L;
        var rest = since % 10_000_000L;
        if (rest < 0)
        {
            sec--;
            rest += 10_000_000L;
        }

        times[0] = 0;
        times[1] = (1L << 30) - 2; // UTIME_OMIT: access time unchanged
        times[2] = sec;
        times[3] = rest * 100;
        if (futimens(fd.Fd, times) != 0)
        {
            throw ErrnoException(Marshal.GetLastWin32Error(), pathForMessages);
        }
    }

    /// <summary>
    /// Renames a file onto a name that must not exist, atomically (renameat2 RENAME_NOREPLACE): a file that appeared
    /// at the target meanwhile is never replaced. Throws <see cref="IOException"/> (HResult 17, EEXIST) in that case.
    /// Where the filesystem lacks the flag, falls back to a checked rename.
    /// </summary>
    public static void RenameNoReplace(string from, string to)
    {
        int rc;
        fixed (byte* f = Utf8z(from))
        fixed (byte* t = Utf8z(to))
        {
            rc = renameat2(-100, f, -100, t, 1);
        }

        if (rc == 0)
        {
            return;
        }

        var errno = Marshal.GetLastWin32Error();
        if (errno is 22 or 38 or 95)
        {
            // EINVAL, ENOSYS, EOPNOTSUPP: this filesystem cannot; the BCL's move refuses an existing target too.
            Rename(from, to, overwrite: false);
            return;
        }

        throw ErrnoException(errno, errno == 17 ? to : from);
    }

    /// <summary>rename(2), replacing the target.</summary>
    public static void RenameReplace(string from, string to)
    {
        int rc;
        fixed (byte* f = Utf8z(from))
        fixed (byte* t = Utf8z(to))
        {
            rc = renameat2(-100, f, -100, t, 0);
        }

        if (rc != 0)
        {
            var errno = Marshal.GetLastWin32Error();
            if (errno == 38)
            {
                Rename(from, to, overwrite: true);
                return;
            }

            throw ErrnoException(errno, from);
        }
    }

    // ---- calls relative to an open folder (Linux): a path is resolved one component at a time, links never followed ----

    /// <summary>openat(2) of one name in an open folder; returns 0 and the handle, or the errno.</summary>
    public static int TryOpenAt(Microsoft.Win32.SafeHandles.SafeFileHandle dir, string name, int flags, int mode, out Microsoft.Win32.SafeHandles.SafeFileHandle? handle)
    {
        handle = null;
        using var d = new FdLease(dir);
        fixed (byte* z = Utf8z(name))
        {
            while (true)
            {
                var fd = openat(d.Fd, z, flags, mode);
                if (fd >= 0)
                {
                    handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(new IntPtr(fd), ownsHandle: true);
                    return 0;
                }

                var errno = Marshal.GetLastWin32Error();
                if (errno != 4)
                {
                    return errno;
                }
            }
        }
    }

    /// <summary>mkdirat(2); returns 0 or the errno.</summary>
    public static int MkdirAt(Microsoft.Win32.SafeHandles.SafeFileHandle dir, string name, int mode)
    {
        using var d = new FdLease(dir);
        fixed (byte* z = Utf8z(name))
        {
            return mkdirat(d.Fd, z, mode) == 0 ? 0 : Marshal.GetLastWin32Error();
        }
    }

    /// <summary>
    /// renameat2(2) between two open folders. Without <paramref name="overwrite"/> an existing target is never replaced
    /// (RENAME_NOREPLACE; where the filesystem lacks the flag, a checked rename). Throws the BCL exceptions.
    /// </summary>
    public static void RenameAt(Microsoft.Win32.SafeHandles.SafeFileHandle fromDir, string fromName, Microsoft.Win32.SafeHandles.SafeFileHandle toDir, string toName, bool overwrite, string pathForMessages)
    {
        using var f = new FdLease(fromDir);
        using var t = new FdLease(toDir);
        fixed (byte* fz = Utf8z(fromName))
        fixed (byte* tz = Utf8z(toName))
        {
            if (renameat2(f.Fd, fz, t.Fd, tz, overwrite ? 0 : RenameNoReplaceFlag) == 0)
            {
                return;
            }

            var errno = Marshal.GetLastWin32Error();
            if (errno is 22 or 38 or 95)
            {
                // EINVAL, ENOSYS, EOPNOTSUPP: no RENAME_NOREPLACE here (or no renameat2): check, then rename.
                if (!overwrite)
                {
                    var buf = stackalloc byte[256];
                    if (statx(t.Fd, tz, 0x100, StatxMask, buf) == 0)
                    {
                        throw ErrnoException(17, pathForMessages);
                    }
                }

                if (renameat(f.Fd, fz, t.Fd, tz) == 0)
                {
                    return;
                }

                errno = Marshal.GetLastWin32Error();
            }

            throw ErrnoException(errno, pathForMessages);
        }
    }

    /// <summary>linkat(2) without following a link at the source; returns 0 or the errno.</summary>
    public static int LinkAt(Microsoft.Win32.SafeHandles.SafeFileHandle fromDir, string fromName, Microsoft.Win32.SafeHandles.SafeFileHandle toDir, string toName)
    {
        using var f = new FdLease(fromDir);
        using var t = new FdLease(toDir);
        fixed (byte* fz = Utf8z(fromName))
        fixed (byte* tz = Utf8z(toName))
        {
            return linkat(f.Fd, fz, t.Fd, tz, 0) == 0 ? 0 : Marshal.GetLastWin32Error();
        }
    }

    /// <summary>unlinkat(2) of a file (or, with <paramref name="folder"/>, an empty folder); returns 0 or the errno.</summary>
    public static int UnlinkAt(Microsoft.Win32.SafeHandles.SafeFileHandle dir, string name, bool folder)
    {
        using var d = new FdLease(dir);
        fixed (byte* z = Utf8z(name))
        {
            return unlinkat(d.Fd, z, folder ? AtRemoveDir : 0) == 0 ? 0 : Marshal.GetLastWin32Error();
        }
    }

    /// <summary>lstat of one name in an open folder (statx, no link following).</summary>
    public static Stat StatAt(Microsoft.Win32.SafeHandles.SafeFileHandle dir, string name, string pathForMessages)
    {
        using var d = new FdLease(dir);
        var buf = stackalloc byte[256];
        fixed (byte* z = Utf8z(name))
        {
            if (statx(d.Fd, z, 0x100, StatxMask, buf) == 0)
            {
                return FromStatx(buf);
            }
        }

        var errno = Marshal.GetLastWin32Error();
        if (errno is 2 or 20)
        {
            return default;
        }

        throw ErrnoException(errno, pathForMessages);
    }

    /// <summary>The POSIX permission bits a copy keeps: read, write and execute for owner, group and others. Set-user-id,
    /// set-group-id and sticky are not kept (the copy belongs to whoever runs the sync, not to the original's owner).</summary>
    public const int PermissionMask = 0x1FF;

    /// <summary>fchmod(2) of an open file (Linux): sets its permission bits exactly (the umask does not apply).</summary>
    public static void FChmod(Microsoft.Win32.SafeHandles.SafeFileHandle handle, int permissions, string pathForMessages)
    {
        using var d = new FdLease(handle);
        while (fchmod(d.Fd, permissions & PermissionMask) != 0)
        {
            var errno = Marshal.GetLastWin32Error();
            if (errno != 4)
            {
                throw ErrnoException(errno, pathForMessages);
            }
        }
    }

    /// <summary>chmod(2) by path on a Unix (the path-based branch); false where it is not available (Windows).</summary>
    public static bool TryChmod(string path, int permissions)
    {
        if (IsWindows)
        {
            return false;
        }

        var z = Utf8z(path);
        try
        {
            fixed (byte* p = z)
            {
                if (chmod(p, permissions & PermissionMask) != 0)
                {
                    throw ErrnoException(Marshal.GetLastWin32Error(), path);
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>fsync(2) of an open file or folder (Linux): its data and metadata reach the disk.</summary>
    public static void FSync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string pathForMessages)
    {
        using var d = new FdLease(handle);
        while (fsync(d.Fd) != 0)
        {
            var errno = Marshal.GetLastWin32Error();
            if (errno != 4)
            {
                throw ErrnoException(errno, pathForMessages);
            }
        }
    }

    /// <summary>
    /// fsync of a folder by path on a Unix other than Linux (macOS, BSD): makes the names created, renamed or removed
    /// in it durable. False where that is not possible here (Windows: NTFS journals its folders itself).
    /// </summary>
    public static bool TrySyncFolderByPath(string path)
    {
        if (IsWindows)
        {
            return false;
        }

        try
        {
            int fd;
            fixed (byte* z = Utf8z(path))
            {
                fd = unix_open(z, 0);
            }

            if (fd < 0)
            {
                var errno = Marshal.GetLastWin32Error();
                if (errno == 2)
                {
                    return true; // gone meanwhile: nothing of ours left in it to make durable
                }

                throw ErrnoException(errno, path);
            }

            try
            {
                if (unix_fsync(fd) != 0)
                {
                    var errno = Marshal.GetLastWin32Error();
                    if (errno is not (22 or 45 or 95))
                    {
                        // EINVAL, ENOTSUP: this filesystem cannot sync a folder (it needs no such sync).
                        throw ErrnoException(errno, path);
                    }
                }
            }
            finally
            {
                _ = unix_close(fd);
            }

            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The BCL exception for an errno of a call on <paramref name="path"/>.</summary>
    internal static Exception ErrnoException(int errno, string path) => errno switch
    {
        2 => new FileNotFoundException($"Could not find file '{path}'.", path),
        20 => new DirectoryNotFoundException($"Could not find a part of the path '{path}'."),
        1 or 13 => new UnauthorizedAccessException($"Access to the path '{path}' is denied."),
        17 => new IOException($"The file '{path}' already exists.", 17),
        28 => new IOException($"No space left on device while writing '{path}'.", 28),
        40 => new SymbolicLinkException($"'{path}' is a symbolic link; SyncEngine never follows links."),
        _ => new IOException($"'{path}': errno {errno}.", errno),
    };

    /// <summary>statx mask: the basic fields and the birth time (STATX_BASIC_STATS | STATX_BTIME).</summary>
    internal const uint StatxMask = 0xfff;

    private const uint StatxBirthTime = 0x800;

    /// <summary>Mixes an inode number and a birth time into one non-zero 64-bit identity (SplitMix64's finalizer).</summary>
    internal static ulong Identity(ulong inode, long birthSeconds, uint birthNanoseconds)
    {
        var z = inode ^ unchecked((ulong)birthSeconds * 0x9E3779B97F4A7C15UL) ^ ((ulong)birthNanoseconds << 34);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return z == 0 ? 1 : z;
    }

    internal static Stat FromStatx(byte* buf)
    {
        var st = default(Stat);
        var mode = *(ushort*)(buf + 28);
        var fmt = mode & 0xF000;
        st.Exists = true;
        st.IsFile = fmt == 0x8000;
        st.IsDirectory = fmt == 0x4000;
        st.IsSymlink = fmt == 0xA000;
        st.Permissions = mode & PermissionMask;
        st.FileType = fmt;
        st.Inode = *(ulong*)(buf + 32);
        st.FileId = (*(uint*)buf & StatxBirthTime) != 0 ? Identity(st.Inode, *(long*)(buf + 80), *(uint*)(buf + 88)) : 0;
        st.Device = ((ulong)*(uint*)(buf + 136) << 32) | *(uint*)(buf + 140);
        st.Size = *(long*)(buf + 40);
        var sec = *(long*)(buf + 112);
        var nsec = *(uint*)(buf + 120);
        st.MtimeTicks = TicksFromUnix(sec, nsec);
        return st;
    }

    /// <summary>Unix seconds of <see cref="DateTime.MinValue"/> (0001-01-01).</summary>
    private const long MinUnixSeconds = -62135596800L;

    /// <summary>Unix seconds of the last whole second <see cref="DateTime"/> holds (9999-12-31 23:59:59).</summary>
    private const long MaxUnixSeconds = 253402300799L;

    /// <summary>
    /// A Unix time as <see cref="DateTime"/> ticks. A filesystem can hold times before year 1 and after 9999 (tmpfs,
    /// XFS, Btrfs: 64-bit seconds); those are clamped to the nearest time DateTime holds, so such a file plans and
    /// copies like any other (its copy gets the clamped time).
    /// </summary>
    internal static long TicksFromUnix(long seconds, uint nanoseconds)
    {
        if (seconds < MinUnixSeconds)
        {
            return DateTime.MinValue.Ticks;
        }

        if (seconds > MaxUnixSeconds)
        {
            return DateTime.MaxValue.Ticks;
        }

        return UnixEpochTicks + (seconds * 10_000_000L) + (Math.Min(nanoseconds, 999_999_999u) / 100);
    }

    /// <summary>
    /// A modification time read through .NET as ticks. .NET refuses a time outside <see cref="DateTime"/>'s range
    /// (ArgumentOutOfRangeException); it is clamped to the nearest end instead, as <see cref="TicksFromUnix"/> does.
    /// </summary>
    internal static long LastWriteTicks(FileSystemInfo info)
    {
        try
        {
            return info.LastWriteTimeUtc.Ticks;
        }
        catch (ArgumentOutOfRangeException ex)
        {
            return ex.ActualValue is long value && value < 0 ? DateTime.MinValue.Ticks : DateTime.MaxValue.Ticks;
        }
    }

    [DllImport("libc.so.6", EntryPoint = "open", SetLastError = true)]
    private static extern int open(byte* path, int flags, int mode);

    [DllImport("libc.so.6", EntryPoint = "read", SetLastError = true)]
    private static extern IntPtr read(int fd, byte* buf, UIntPtr count);

    [DllImport("libc.so.6", EntryPoint = "write", SetLastError = true)]
    private static extern IntPtr write(int fd, byte* buf, UIntPtr count);

    [DllImport("libc.so.6", EntryPoint = "posix_fadvise")]
    private static extern int posix_fadvise(int fd, long offset, long len, int advice);

    [DllImport("libc.so.6", EntryPoint = "futimens", SetLastError = true)]
    private static extern int futimens(int fd, long* times);

    [DllImport("libc.so.6", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int renameat2(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);


    [DllImport("libc.so.6", EntryPoint = "openat", SetLastError = true)]
    private static extern int openat(int dirfd, byte* path, int flags, int mode);

    [DllImport("libc.so.6", EntryPoint = "mkdirat", SetLastError = true)]
    private static extern int mkdirat(int dirfd, byte* path, int mode);

    [DllImport("libc.so.6", EntryPoint = "renameat", SetLastError = true)]
    private static extern int renameat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath);

    [DllImport("libc.so.6", EntryPoint = "linkat", SetLastError = true)]
    private static extern int linkat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, int flags);

    [DllImport("libc.so.6", EntryPoint = "unlinkat", SetLastError = true)]
    private static extern int unlinkat(int dirfd, byte* path, int flags);

    [DllImport("libc.so.6", EntryPoint = "fsync", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc.so.6", EntryPoint = "fchmod", SetLastError = true)]
    private static extern int fchmod(int fd, int mode);

    [DllImport("libc", EntryPoint = "chmod", SetLastError = true)]
    private static extern int chmod(byte* path, int mode);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int unix_open(byte* path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int unix_fsync(int fd);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int unix_close(int fd);

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

/// <summary>A path that is a symbolic link where a file was expected (open with O_NOFOLLOW).</summary>
internal sealed class SymbolicLinkException : IOException
{
    public SymbolicLinkException(string message)
        : base(message, 40)
    {
    }
}

/// <summary>
/// A descriptor borrowed from a <see cref="Microsoft.Win32.SafeHandles.SafeFileHandle"/> for native calls: the handle
/// cannot be closed (and its number reused) until the lease is disposed.
/// </summary>
internal ref struct FdLease
{
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
    private bool _added;

    public FdLease(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        _handle = handle;
        _added = false;
        handle.DangerousAddRef(ref _added);
        Fd = handle.DangerousGetHandle().ToInt32();
    }

    /// <summary>The descriptor number.</summary>
    public int Fd { get; }

    public void Dispose()
    {
        if (_added)
        {
            _added = false;
            _handle.DangerousRelease();
        }
    }
}
