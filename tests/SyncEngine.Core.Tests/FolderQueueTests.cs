using System.Threading;
using System.Threading.Tasks;

namespace SyncEngine.Core.Tests;

public class FolderQueueTests
{
    [Fact]
    public void A_second_taker_is_handed_another_folder_while_the_first_is_busy()
    {
        var q = new FolderQueue<string>();
        q.Add("a", "a/1");
        q.Add("a", "a/2");
        q.Add("b", "b/1");

        Assert.True(q.TryTake(out var first, out var firstFolder));
        Assert.True(q.TryTake(out var second, out var secondFolder));

        Assert.Equal(("a/1", "a"), (first, firstFolder));
        Assert.Equal(("b/1", "b"), (second, secondFolder));
    }

    [Fact]
    public void Items_of_one_folder_keep_their_order_and_a_lone_folder_is_shared_rather_than_left_idle()
    {
        var q = new FolderQueue<string>();
        q.Add("a", "a/1");
        q.Add("a", "a/2");
        q.Add("a", "a/3");

        Assert.True(q.TryTake(out var one, out _));
        Assert.True(q.TryTake(out var two, out _));
        q.Release("a");
        Assert.True(q.TryTake(out var three, out _));

        Assert.Equal(new[] { "a/1", "a/2", "a/3" }, new[] { one, two, three });
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public void A_released_folder_is_preferred_again_over_one_still_busy()
    {
        var q = new FolderQueue<string>();
        q.Add("a", "a/1");
        q.Add("b", "b/1");
        q.Add("a", "a/2");
        q.Add("b", "b/2");

        q.TryTake(out _, out var f1); // a
        q.TryTake(out _, out var f2); // b
        q.Release(f1);
        Assert.True(q.TryTake(out var next, out _));

        Assert.Equal(("a", "b"), (f1, f2));
        Assert.Equal("a/2", next);
    }

    [Fact]
    public async Task Takers_wait_for_items_and_stop_when_the_queue_is_completed_and_empty()
    {
        var q = new FolderQueue<string>();
        var taken = 0;
        var takers = new Task[3];
        for (var i = 0; i < takers.Length; i++)
        {
            takers[i] = Task.Run(() =>
            {
                while (q.TryTake(out _, out var folder))
                {
                    Interlocked.Increment(ref taken);
                    q.Release(folder);
                }
            });
        }

        for (var i = 0; i < 100; i++)
        {
            q.Add("f" + (i % 7), "item" + i);
        }

        q.CompleteAdding();
        await Task.WhenAll(takers).WaitAsync(System.TimeSpan.FromSeconds(30));
        Assert.Equal(100, taken);
        Assert.False(q.TryTake(out _, out _));
    }
}
