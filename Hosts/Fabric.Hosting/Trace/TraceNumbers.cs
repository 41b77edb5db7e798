namespace Fabric.Hosting.Trace;

internal enum NumberStatus
{
    Ok,
    NotANumber,
    TooLarge,
    BadSuffix,
}

/// <summary>Numbers of the trace language: decimal or 0x hex, 64-bit unsigned; sizes may end in K, M or G (binary).</summary>
internal static class TraceNumbers
{
    /// <summary>A whole number: <c>4096</c>, <c>0x1000</c>.</summary>
    public static NumberStatus Parse(ReadOnlySpan<char> s, out ulong value)
    {
        var status = ParsePrefix(s, out value, out var used);
        return status == NumberStatus.Ok && used != s.Length ? NumberStatus.NotANumber : status;
    }

    /// <summary>A number with an optional binary suffix: <c>2G</c>, <c>512M</c>, <c>0x40000000</c>.</summary>
    public static NumberStatus ParseSize(ReadOnlySpan<char> s, out ulong value, out int suffixStart)
    {
        var status = ParsePrefix(s, out value, out suffixStart);
        if (status != NumberStatus.Ok || suffixStart == s.Length)
        {
            return status;
        }
        if (suffixStart != s.Length - 1)
        {
            return NumberStatus.BadSuffix;
        }
        var shift = s[suffixStart] switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            _ => -1,
        };
        if (shift < 0)
        {
            return NumberStatus.BadSuffix;
        }
        if (value > ulong.MaxValue >> shift)
        {
            return NumberStatus.TooLarge;
        }
        value <<= shift;
        return NumberStatus.Ok;
    }

    /// <summary>The longest number at the start of <paramref name="s"/>; <paramref name="used"/> is its length.</summary>
    private static NumberStatus ParsePrefix(ReadOnlySpan<char> s, out ulong value, out int used)
    {
        value = 0;
        var hex = s.Length >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        var radix = hex ? 16u : 10u;
        var i = hex ? 2 : 0;
        var first = i;
        var overflow = false;
        for (; i < s.Length; i++)
        {
            var digit = Digit(s[i], radix);
            if (digit < 0)
            {
                break;
            }
            if (value > (ulong.MaxValue - (ulong)digit) / radix)
            {
                overflow = true;
            }
            value = unchecked(value * radix + (ulong)digit);
        }
        used = i;
        if (i == first)
        {
            return NumberStatus.NotANumber;
        }
        return overflow ? NumberStatus.TooLarge : NumberStatus.Ok;
    }

    private static int Digit(char c, uint radix) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' when radix == 16 => c - 'a' + 10,
        >= 'A' and <= 'F' when radix == 16 => c - 'A' + 10,
        _ => -1,
    };
}
