using BenchmarkDotNet.Running;

namespace SyncEngine.Benchmarks.Micro;

/// <summary>
/// Micro-benchmarks of engine hot paths. Run: <c>dotnet run -c Release --project tests/Benchmarks/Micro -- --filter '*'</c>
/// (add <c>--job short</c> for a quick look). Whole-process comparisons with rsync, rclone and unison are
/// <c>tests/Benchmarks/run.sh</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
