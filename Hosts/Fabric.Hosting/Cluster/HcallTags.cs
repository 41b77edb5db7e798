namespace Fabric.Hosting.Cluster;

/// <summary>
/// The callers of the calls a <see cref="HostRoute"/> has batched and not yet seen answered,
/// by the tag it gave each call. A call whose answer never comes (its host's node died with
/// the batch) is forgotten after a while: its caller has timed out and sent it again.
/// </summary>
public sealed class HcallTags<TCaller>
{
    private readonly Dictionary<long, (TCaller Caller, long CallerTag, long SentAt)> _pending = new();
    private long _last;

    public int Count => _pending.Count;

    /// <summary>A new tag (never 0) for a call of <paramref name="caller"/>, who gave it <paramref name="callerTag"/>.</summary>
    public long Add(TCaller caller, long callerTag, long now)
    {
        var tag = ++_last;
        _pending[tag] = (caller, callerTag, now);
        return tag;
    }

    /// <summary>The caller of the call tagged <paramref name="tag"/>, once: a second answer with the same tag finds nobody.</summary>
    public bool Take(long tag, out TCaller caller, out long callerTag)
    {
        if (_pending.Remove(tag, out var p))
        {
            (caller, callerTag) = (p.Caller, p.CallerTag);
            return true;
        }
        (caller, callerTag) = (default!, 0);
        return false;
    }

    /// <summary>Forgets the calls sent before <paramref name="sentBefore"/>; how many.</summary>
    public int Forget(long sentBefore)
    {
        var old = _pending.Where(p => p.Value.SentAt < sentBefore).Select(p => p.Key).ToArray();
        foreach (var tag in old) _pending.Remove(tag);
        return old.Length;
    }
}
