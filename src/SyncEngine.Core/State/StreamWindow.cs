using System;
using System.IO;

namespace SyncEngine.State;

/// <summary>A read window over a stream, shared by the tree and journal readers.</summary>
internal static class StreamWindow
{
    /// <summary>
    /// Moves the unread bytes <c>buffer[start..end)</c> to the front (growing the buffer when they fill it) and reads
    /// more after them. Returns false at the end of the stream (nothing was added).
    /// </summary>
    public static bool Refill(Stream stream, ref byte[] buffer, ref int start, ref int end)
    {
        var remaining = end - start;
        if (remaining == buffer.Length)
        {
            Array.Resize(ref buffer, buffer.Length * 2);
        }
        else if (start > 0 && remaining > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, remaining);
        }

        start = 0;
        end = remaining;
        var read = stream.Read(buffer, end, buffer.Length - end);
        if (read <= 0)
        {
            return false;
        }

        end += read;
        return true;
    }
}
