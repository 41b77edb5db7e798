using System.Globalization;

namespace Fabric.Hosting.Replay;

/// <summary>
/// Where <c>--until</c> stops replay: after the row with that global ordering, or before the
/// first row written later than a time (rows are taken in global order, so the state shown
/// is always a prefix of the journal).
/// </summary>
public readonly record struct ReplayLimit(long? Ordering, DateTime? Time)
{
    /// <summary>No limit: the whole journal.</summary>
    public static ReplayLimit None => default;

    public static ReplayLimit AtOrdering(long ordering) => new(ordering, null);

    public static ReplayLimit AtTime(DateTime utc) => new(null, utc.ToUniversalTime());

    public bool IsNone => Ordering is null && Time is null;

    /// <summary>
    /// <c>SEQ</c> (decimal digits: the journal's global ordering) or <c>TIME</c> (ISO 8601, e.g.
    /// <c>2025-11-27T16:32:04Z</c>; a time without an offset is UTC). False with the reason otherwise.
    /// </summary>
    public static bool TryParse(string text, out ReplayLimit limit, out string error)
    {
        limit = None;
        error = "";
        text = text.Trim();
        if (text.Length > 0 && text.All(char.IsAsciiDigit))
        {
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ordering))
            {
                limit = AtOrdering(ordering);
                return true;
            }
            error = $"--until {text}: the row number is too large";
            return false;
        }
        if (text.Length >= 10 && char.IsAsciiDigit(text[0]) &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            limit = AtTime(time.UtcDateTime);
            return true;
        }
        error = $"--until {text}: expected a row number (the journal's global ordering, e.g. --until 120) or an ISO 8601 time (e.g. --until 2025-11-27T16:32:04Z; UTC unless it has an offset)";
        return false;
    }

    public override string ToString() =>
        Ordering is { } o ? $"row {o}" : Time is { } t ? t.ToString("o", CultureInfo.InvariantCulture) : "the end";
}
