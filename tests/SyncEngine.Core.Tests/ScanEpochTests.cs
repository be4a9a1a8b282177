using System.Linq;
using static SyncEngine.Core.Tests.Support.Sync;

namespace SyncEngine.Core.Tests;

/// <summary>Records are marked "seen unchanged" with a 16-bit plan epoch; numbering starts again only after every mark is cleared.</summary>
public class ScanEpochTests
{
    [Fact]
    public void After_the_epoch_wraps_an_old_mark_does_not_make_a_deleted_file_look_present()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        t.Write(SyncSide.Source, "b.txt", "b");
        var pair = PairOf(t, SyncMode.SourceToDestination);
        Run(pair);

        using var session = SyncSession.Open(pair);
        session.State.SetEpochForTest(0);
        Assert.Empty(session.Plan().Visible(false)); // epoch 1: both records marked seen with 1

        t.Delete(SyncSide.Source, "a.txt");
        session.State.SetEpochForTest(State.PairState.MaxEpoch);
        var plan = session.Plan(); // wraps to epoch 1 again

        Assert.Equal(new[] { "DeleteDestination a.txt" }, Describe(plan.Visible(false)));
    }

    [Fact]
    public void Consecutive_plans_of_one_session_see_unchanged_files_as_unchanged()
    {
        using var t = new TestPair();
        t.Write(SyncSide.Source, "a.txt", "a");
        var pair = PairOf(t, SyncMode.SourceToDestination);
        Run(pair);

        using var session = SyncSession.Open(pair);
        session.State.SetEpochForTest(State.PairState.MaxEpoch - 1);
        var plans = Enumerable.Range(0, 3).Select(_ => session.Plan().Visible(false).Count()).ToArray();

        Assert.Equal(new[] { 0, 0, 0 }, plans);
    }
}
