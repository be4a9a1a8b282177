using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using SyncEngine.TestSupport;

namespace SyncEngine.Core.Tests.S3;

/// <summary>
/// The test clusters' folders go with the test process however it ends: a detached watcher stops the daemons and
/// removes the folder once the process has gone, and leftovers of earlier runs (no daemon alive, untouched for an
/// hour) are swept when a cluster starts. No Ceph is started here: the folders are stand-ins with a ceph.conf.
/// </summary>
public sealed class CephTeardownTests
{
    private static string StandIn(string? name = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), name ?? CephServer.FolderPrefix + "teardown-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(Path.Combine(folder, "run"));
        Directory.CreateDirectory(Path.Combine(folder, "log"));
        File.WriteAllText(Path.Combine(folder, "ceph.conf"), "[global]\n");
        File.WriteAllText(Path.Combine(folder, "log", "mon.a.log"), "log\n");
        return folder;
    }

    private static string StopScript()
    {
        var script = Path.Combine(Path.GetTempPath(), "se-teardown-stop-" + Guid.NewGuid().ToString("N").Substring(0, 8) + ".sh");
        File.WriteAllText(script, "#!/bin/bash\ntouch \"$D.stopped\"\n");
        return script;
    }

    private static void Age(string folder, TimeSpan by)
    {
        var then = DateTime.UtcNow - by;
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories))
        {
            if (File.Exists(entry))
            {
                File.SetLastWriteTimeUtc(entry, then);
            }
            else
            {
                Directory.SetLastWriteTimeUtc(entry, then);
            }
        }

        Directory.SetLastWriteTimeUtc(folder, then);
    }

    [SkippableFact]
    public void The_watcher_stops_the_cluster_and_removes_its_folder_once_the_test_process_has_gone()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && ToolProcess.Which("bash") is not null, "the test clusters run on Linux with bash only");
        var folder = StandIn();
        var stop = StopScript();
        try
        {
            using var owner = Process.Start(new ProcessStartInfo("sleep", "1") { UseShellExecute = false })!;
            CephServer.StartReaper(owner.Id, folder, stop);
            Thread.Sleep(300);
            Assert.True(Directory.Exists(folder), "removed while its test process still ran");

            owner.WaitForExit();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (Directory.Exists(folder) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }

            Assert.False(Directory.Exists(folder), "the folder was left behind");
            Assert.True(File.Exists(folder + ".stopped"), "the stop script did not run");
        }
        finally
        {
            File.Delete(stop);
            File.Delete(folder + ".stopped");
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [SkippableFact]
    public void Leftovers_with_no_daemon_alive_are_swept_and_clusters_in_use_or_recent_are_kept()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the test clusters run on Linux only");
        var dead = StandIn();
        var alive = StandIn();
        var recent = StandIn();
        var other = StandIn("se-other-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        try
        {
            File.WriteAllText(Path.Combine(alive, "run", "mon.a.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(dead, "run", "mon.a.pid"), "999999999");
            Age(dead, TimeSpan.FromHours(3));
            Age(alive, TimeSpan.FromHours(3));
            Age(other, TimeSpan.FromHours(3));

            CephServer.SweepLeftovers();

            Assert.False(Directory.Exists(dead), "a dead cluster's folder was kept");
            Assert.True(Directory.Exists(alive), "a cluster in use was removed");
            Assert.True(Directory.Exists(recent), "a cluster being started was removed");
            Assert.True(Directory.Exists(other), "a folder that is no test cluster was removed");
        }
        finally
        {
            foreach (var f in new[] { dead, alive, recent, other })
            {
                if (Directory.Exists(f))
                {
                    Directory.Delete(f, recursive: true);
                }
            }
        }
    }
}
