namespace Fabric.HostPe;

/// <summary>
/// A PE's TCE cache: a small direct-mapped cache of hardware TCEs in front of the table walk.
/// It is the reason kills exist: an entry stays here after the table changes until the kill
/// register removes it.
/// </summary>
public sealed class TceCache
{
    private readonly string?[] _tables;
    private readonly ulong[] _entries;
    private readonly ulong[] _values;
    private readonly int _mask;

    public TceCache(int slots = 512)
    {
        if (slots <= 0 || (slots & (slots - 1)) != 0) throw new ArgumentException("slots must be a power of two", nameof(slots));
        _tables = new string?[slots];
        _entries = new ulong[slots];
        _values = new ulong[slots];
        _mask = slots - 1;
    }

    public int Slots => _mask + 1;
    public long Hits { get; private set; }
    public long Misses { get; private set; }

    public bool TryGet(string table, ulong entry, out ulong tce)
    {
        var s = Slot(entry);
        if (_entries[s] == entry && _tables[s] == table)
        {
            Hits++;
            tce = _values[s];
            return true;
        }
        Misses++;
        tce = 0;
        return false;
    }

    public void Fill(string table, ulong entry, ulong tce)
    {
        var s = Slot(entry);
        _tables[s] = table;
        _entries[s] = entry;
        _values[s] = tce;
    }

    /// <summary>Kills a range of one table's entries; a range as large as the cache kills it all.</summary>
    public void Invalidate(string table, ulong first, ulong count)
    {
        if (count >= (ulong)Slots)
        {
            InvalidateTable(table);
            return;
        }
        for (ulong e = first; e < first + count; e++)
        {
            var s = Slot(e);
            if (_entries[s] == e && _tables[s] == table) _tables[s] = null;
        }
    }

    public void InvalidateTable(string table)
    {
        for (var s = 0; s < _tables.Length; s++)
            if (_tables[s] == table) _tables[s] = null;
    }

    public void InvalidateAll() => Array.Clear(_tables);

    private int Slot(ulong entry) => (int)(entry & (ulong)_mask);
}
