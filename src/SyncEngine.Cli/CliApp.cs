using System.IO;

namespace SyncEngine.Cli;

/// <summary>Placeholder until the CLI lands (replaced by the CLI work).</summary>
internal static class CliApp
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        stderr.WriteLine("syncengine: not built yet");
        return 2;
    }
}
