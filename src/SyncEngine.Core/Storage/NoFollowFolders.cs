using System;
using Microsoft.Win32.SafeHandles;

namespace SyncEngine.Storage;

/// <summary>
/// Opens a folder below a root one component at a time (Linux: openat with O_NOFOLLOW | O_DIRECTORY from the root's
/// descriptor), so a folder that is, or has meanwhile become, a symbolic link is refused instead of followed. Every
/// write of the local provider goes through a folder opened this way, looked up afresh for each operation.
/// </summary>
internal static class NoFollowFolders
{
    private const int FolderFlags = NativeFs.ORdOnly | NativeFs.OCloExec | NativeFs.ODirectory | NativeFs.ONoFollow;

    /// <summary>
    /// Opens <paramref name="root"/>/<paramref name="folder"/> (<paramref name="folder"/> '/'-separated, "" for the root
    /// itself, which may be reached through a link the user named). With <paramref name="create"/> missing folders are
    /// made, and <paramref name="onCreated"/> is told each one's relative path. Throws <see cref="SyncEngineException"/>
    /// (SyncUnsafePath) when a component is a link or not a folder, the BCL exceptions otherwise.
    /// </summary>
    public static SafeFileHandle Open(string root, string folder, string targetForMessages, bool create, Action<string>? onCreated = null)
    {
        var handle = NativeFs.Open(root, NativeFs.ORdOnly | NativeFs.OCloExec | NativeFs.ODirectory);
        if (folder.Length == 0)
        {
            return handle;
        }

        var start = 0;
        try
        {
            while (start <= folder.Length)
            {
                var slash = folder.IndexOf('/', start);
                var end = slash < 0 ? folder.Length : slash;
                var name = folder.Substring(start, end - start);
                var errno = NativeFs.TryOpenAt(handle, name, FolderFlags, 0, out var next);
                if (errno == 2 && create)
                {
                    var made = NativeFs.MkdirAt(handle, name, 0x1FF);
                    if (made == 0)
                    {
                        onCreated?.Invoke(folder.Substring(0, end));
                    }
                    else if (made != 17)
                    {
                        throw NativeFs.ErrnoException(made, root + "/" + folder.Substring(0, end));
                    }

                    errno = NativeFs.TryOpenAt(handle, name, FolderFlags, 0, out next);
                }

                if (errno is 40 or 20)
                {
                    // ELOOP: a symbolic link; ENOTDIR: a file (or anything else that is not a folder).
                    throw Unsafe(targetForMessages, folder.Substring(0, end));
                }

                if (errno != 0)
                {
                    throw errno == 2
                        ? new System.IO.DirectoryNotFoundException($"Could not find a part of the path '{root}/{folder.Substring(0, end)}'.")
                        : NativeFs.ErrnoException(errno, root + "/" + folder.Substring(0, end));
                }

                handle.Dispose();
                handle = next!;
                start = end + 1;
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The error for a write whose folder is a symbolic link or not a folder.</summary>
    public static SyncEngineException Unsafe(string target, string folder) =>
        new("SyncUnsafePath", SyncErrorKind.InvalidArgument,
            $"Refusing to write '{target}': its folder '{folder}' is a symbolic link or not a folder, and SyncEngine never writes through links.", target);
}

/// <summary>
/// Test hook: the local provider and the journal report each durability step here ("fsync-file", "rename",
/// "fsync-dir" with a full path; "journal" with a key when its line is handed to the journal file).
/// </summary>
internal static class DurabilityTrace
{
    internal static Action<string, string>? Hook;

    internal static void Note(string step, string what) => Hook?.Invoke(step, what);
}
