namespace Fabric.Batching;

/// <summary>
/// What an actor receives while it is busy, sent on as one message. The first item asks the
/// actor to flush (a message to itself, behind whatever is already in its mailbox), so a batch
/// holds everything that came in meanwhile and an idle actor sends at once: no timer, no added
/// latency. A batch never holds more than <paramref name="max"/> items.
/// </summary>
public sealed class Coalescer<T>(int max)
{
    private readonly List<T> _items = new();

    /// <summary>Adds an item; true when it is the first of a batch and the actor must schedule a flush.</summary>
    public bool Add(T item)
    {
        _items.Add(item);
        return _items.Count == 1;
    }

    public int Count => _items.Count;

    /// <summary>The batch is as large as it may get: send it now.</summary>
    public bool Full => _items.Count >= max;

    /// <summary>The items in arrival order; the coalescer is empty afterwards.</summary>
    public T[] Drain()
    {
        var items = _items.ToArray();
        _items.Clear();
        return items;
    }
}
