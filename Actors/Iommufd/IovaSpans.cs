using Fabric.Messages;

namespace Fabric.Iommufd;

/// <summary>Arithmetic on inclusive iova ranges, free of overflow at the top of the 64-bit space.</summary>
public static class IovaSpans
{
    /// <summary>The ranges of [lo, hi] that none of <paramref name="used"/> touches, in order (interval_tree_span_iter's holes).</summary>
    public static IEnumerable<IovaRange> Holes(IEnumerable<IovaRange> used, ulong lo, ulong hi)
    {
        var at = lo;
        foreach (var u in used.Where(u => u.Overlaps(lo, hi)).OrderBy(u => u.Start))
        {
            if (u.Start > at) yield return new IovaRange(at, u.Start - 1);
            if (u.Last >= hi) yield break;
            at = Math.Max(at, u.Last + 1);
        }
        if (at <= hi) yield return new IovaRange(at, hi);
    }

    /// <summary>value rounded up to a multiple of the power of two <paramref name="alignment"/>, or null past the top.</summary>
    public static ulong? AlignUp(ulong value, ulong alignment)
    {
        var mask = alignment - 1;
        if (value > ulong.MaxValue - mask) return null;
        return (value + mask) & ~mask;
    }

    public static bool IsPowerOfTwo(ulong v) => v != 0 && (v & (v - 1)) == 0;

    /// <summary>roundup_pow_of_two, for v at most 2^63.</summary>
    public static ulong RoundUpPowerOfTwo(ulong v) => v <= 1 ? 1 : 1UL << (64 - System.Numerics.BitOperations.LeadingZeroCount(v - 1));

    /// <summary>1UL &lt;&lt; __ffs64(v): the lowest set bit.</summary>
    public static ulong LowestBit(ulong v) => v & (~v + 1);

    /// <summary>The last byte of [first, first+length), or null when it passes the top (check_add_overflow).</summary>
    public static ulong? LastOf(ulong first, ulong length) =>
        length == 0 || first > ulong.MaxValue - (length - 1) ? null : first + (length - 1);
}
