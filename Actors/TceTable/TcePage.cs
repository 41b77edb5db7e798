using Fabric.Messages;

namespace Fabric.TceTable;

/// <summary>
/// 512 entries of a TCE table copy, held as a stride while they are one (entry i is
/// First + i * Step: a page that is all zero, or one a guest mapped with consecutive pages of
/// RAM in one INDIRECT call, as Linux maps all RAM into a DDW) and as an array from the first
/// write that breaks the stride. A rack of guests that map all their RAM so costs about 70
/// bytes per 512 entries instead of 4 KiB; the values read back are the same either way.
/// Not thread-safe: it belongs to one actor.
/// </summary>
public sealed class TcePage
{
    public const int Bits = 9;
    public const int Entries = 1 << Bits;

    private ulong[]? _dense;
    private ulong _first;
    private ulong _step;

    /// <summary>An all-zero page (a stride of 0 from 0): no array until an entry is written.</summary>
    public TcePage() { }

    /// <summary>A page of these 512 values: a stride when they are one.</summary>
    public static TcePage Of(ReadOnlySpan<ulong> values)
    {
        var page = new TcePage();
        if (TceRunStrided.IsStride(values, out var step)) page.SetStride(values[0], step);
        else page._dense = values.ToArray();
        return page;
    }

    public bool IsStrided => _dense is null;

    public ulong this[int i] => _dense is { } d ? d[i] : _first + (ulong)i * _step;

    /// <summary>True when every entry is zero, without looking at each when the page is a stride.</summary>
    public bool IsAllZero => _dense is null ? _first == 0 && _step == 0 : Array.TrueForAll(_dense, v => v == 0);

    public void Set(int i, ulong value)
    {
        if (_dense is null)
        {
            if (value == _first + (ulong)i * _step) return;
            var dense = new ulong[Entries];
            CopyTo(dense);
            _dense = dense;
        }
        _dense[i] = value;
    }

    /// <summary>The whole page becomes entry i = first + i * step.</summary>
    public void SetStride(ulong first, ulong step)
    {
        _dense = null;
        _first = first;
        _step = step;
    }

    /// <summary>Entries that hold a non-zero value.</summary>
    public int NonZero()
    {
        var n = 0;
        for (var i = 0; i < Entries; i++)
            if (this[i] != 0) n++;
        return n;
    }

    public void CopyTo(Span<ulong> to)
    {
        if (_dense is { } d) d.CopyTo(to);
        else
            for (var i = 0; i < Entries; i++) to[i] = _first + (ulong)i * _step;
    }
}
