using System;
using System.IO;
using System.Text;

namespace SyncEngine.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        // Redirected output (a file, a pipe, a benchmark) is buffered and flushed at least once a second by the
        // printer; a terminal gets every line at once.
        var stdout = Console.IsOutputRedirected
            ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 64 * 1024) { AutoFlush = false }
            : Console.Out;
        try
        {
            return CliApp.Run(args, CliContext.ForConsole(stdout, Console.Error));
        }
        finally
        {
            try
            {
                stdout.Flush();
            }
            catch (IOException)
            {
                // The reader went away (for example 'syncengine plan … | head'); nothing more to write.
            }
        }
    }
}
