using System;
using System.IO;
using SyncEngine.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SyncEngine.Reliability.Tests;

/// <summary>
/// A small crash run inside the unit tests (the CI run of at least 20 kills is
/// <c>dotnet run --project tests/CrashHarness -c Release -- --kills 20</c>, called from .ci/run).
/// </summary>
public class CrashHarnessTests
{
    private readonly ITestOutputHelper _out;

    public CrashHarnessTests(ITestOutputHelper output) => _out = output;

    [Fact]
    public void Killed_syncs_in_every_mode_converge_and_lose_nothing()
    {
        var harness = Path.Combine(AppContext.BaseDirectory, "CrashHarness.dll");
        Assert.True(File.Exists(harness), "CrashHarness.dll is missing beside the tests");
        var seed = Environment.GetEnvironmentVariable("SYNCENGINE_CRASH_SEED") ?? (Environment.TickCount & 0x7fffffff).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (exit, output) = Native.RunFor(TimeSpan.FromMinutes(5), "dotnet", harness, "--kills", "5", "--seed", seed, "--files", "200", "--state-files", "800",
            "--kills-per-scenario", "2", "--state-every", "3");

        _out.WriteLine(output);
        Assert.True(exit == 0, $"crash harness failed (seed {seed}; set SYNCENGINE_CRASH_SEED={seed} to replay):\n{output}");
        Assert.Contains("content lost: 0", output);
    }
}
