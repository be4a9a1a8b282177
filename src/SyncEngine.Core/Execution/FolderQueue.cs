using System.Collections.Generic;
using System.Threading;

namespace SyncEngine;

/// <summary>
/// The work queue of one worker pool, grouped by folder. A worker is handed an action from a folder no other worker
/// is busy in whenever there is one: creating or renaming files in one folder serialises on that folder's lock in
/// the kernel, and a second writer there only waits (or spins) instead of working. With a single folder left, workers
/// share it rather than idle. Within a folder, actions keep the order they were added in.
/// </summary>
internal sealed class FolderQueue<T>
    where T : class
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Folder> _folders = new(System.StringComparer.Ordinal);
    private readonly LinkedList<Folder> _ready = new();
    private bool _completed;

    /// <summary>Number of items added and not yet taken.</summary>
    public int Count { get; private set; }

    /// <summary>Adds an item to its folder's queue.</summary>
    public void Add(string folder, T item)
    {
        lock (_gate)
        {
            if (_completed)
            {
                throw new System.InvalidOperationException("The queue was completed.");
            }

            if (!_folders.TryGetValue(folder, out var f))
            {
                f = new Folder(folder);
                _folders.Add(folder, f);
            }

            f.Items.Enqueue(item);
            if (f.Node is null)
            {
                f.Node = _ready.AddLast(f);
            }

            Count++;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>No more items will be added: <see cref="TryTake"/> returns false once the queue is empty.</summary>
    public void CompleteAdding()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Waits for an item; false when the queue is completed and empty. Pass the returned folder to
    /// <see cref="Release"/> when the item is done.
    /// </summary>
    public bool TryTake(out T item, out string folder)
    {
        lock (_gate)
        {
            while (_ready.Count == 0)
            {
                if (_completed)
                {
                    item = null!;
                    folder = null!;
                    return false;
                }

                Monitor.Wait(_gate);
            }

            // At most one folder per busy worker is skipped before an idle one is found.
            var node = _ready.First!;
            for (var n = node; n is not null; n = n.Next)
            {
                if (n.Value.Busy == 0)
                {
                    node = n;
                    break;
                }
            }

            var f = node.Value;
            item = f.Items.Dequeue();
            folder = f.Name;
            f.Busy++;
            Count--;
            if (f.Items.Count == 0)
            {
                _ready.Remove(node);
                f.Node = null;
            }

            return true;
        }
    }

    /// <summary>The worker is done with an item taken from <paramref name="folder"/>.</summary>
    public void Release(string folder)
    {
        lock (_gate)
        {
            var f = _folders[folder];
            f.Busy--;
            if (f.Busy == 0 && f.Node is null)
            {
                _folders.Remove(folder);
            }
        }
    }

    private sealed class Folder
    {
        public Folder(string name) => Name = name;

        public string Name { get; }

        public Queue<T> Items { get; } = new();

        public LinkedListNode<Folder>? Node { get; set; }

        public int Busy { get; set; }
    }
}
