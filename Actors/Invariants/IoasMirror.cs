using Fabric.Messages;

namespace Fabric.Invariants;

/// <summary>
/// The invariant checker's own account of each IOAS, built from the changes the host applied and
/// nothing else: which areas it mapped at each generation and which devices were ever attached to
/// it. A device's DMA through an IOAS may reach only what that IOAS mapped, with the permission
/// the direction needs, at the generation its domain was filled to. A domain a little behind the
/// IOAS is a DMA racing an ioctl that has not returned; the host sends every attached PE its new
/// domain before it answers, so a later DMA cannot use an older one.
/// </summary>
public sealed class IoasMirror
{
    /// <summary>How many unmapped areas each IOAS remembers, to judge DMAs that raced their unmap.</summary>
    private const int RemovedKept = 1 << 14;

    private readonly Dictionary<(string Host, uint Ioas), Space> _spaces = new();

    private sealed class Space
    {
        public long Generation;
        public readonly List<(ulong Iova, ulong Length, ulong UserVa, bool Read, bool Write, long Added)> Areas = new();
        public readonly Queue<(ulong Iova, ulong Length, ulong UserVa, bool Read, bool Write, long Added, long Removed)> Removed = new();
        public readonly HashSet<int> EverAttached = new();
    }

    public void Apply(string host, IIommufdEvent e)
    {
        switch (e)
        {
            case IoasAllocated a:
                _spaces[(host, a.Ioas)] = new Space();
                break;
            case IoasDestroyed d:
                _spaces.Remove((host, d.Ioas));
                break;
            case IoasMapped m when _spaces.TryGetValue((host, m.Ioas), out var s):
                s.Generation++;
                s.Areas.Add((m.Iova, m.Length, m.UserVa, m.Readable, m.Writeable, s.Generation));
                break;
            case IoasUnmapped u when _spaces.TryGetValue((host, u.Ioas), out var s):
                var i = s.Areas.FindIndex(a => a.Iova == u.Iova && a.Length == u.Length);
                if (i < 0) break;
                s.Generation++;
                var gone = s.Areas[i];
                s.Areas.RemoveAt(i);
                s.Removed.Enqueue((gone.Iova, gone.Length, gone.UserVa, gone.Read, gone.Write, gone.Added, s.Generation));
                if (s.Removed.Count > RemovedKept) s.Removed.Dequeue();
                break;
            case IoasAttached a when _spaces.TryGetValue((host, a.Ioas), out var s):
                s.EverAttached.Add(a.Group);
                break;
            case IoasReplaced r when _spaces.TryGetValue((host, r.To), out var s):
                s.EverAttached.Add(r.Group);
                break;
        }
    }

    /// <summary>What is wrong with a DMA that reached hpa through the IOAS at that generation, or null when the IOAS mapped it so.</summary>
    public string? Wrong(string host, int group, uint ioas, long generation, ulong iova, DmaDirection dir, ulong hpa)
    {
        if (!_spaces.TryGetValue((host, ioas), out var s)) return $"IOAS {ioas} does not exist";
        if (!s.EverAttached.Contains(group)) return $"PE {group} was never attached to IOAS {ioas}";
        if (generation > s.Generation) return $"IOAS {ioas} never reached generation {generation} (it is at {s.Generation})";
        var covering = s.Areas.Where(a => a.Added <= generation && Covers(a.Iova, a.Length, iova))
            .Select(a => (a.UserVa, a.Iova, a.Read, a.Write))
            .Concat(s.Removed.Where(a => a.Added <= generation && generation < a.Removed && Covers(a.Iova, a.Length, iova))
                .Select(a => (a.UserVa, a.Iova, a.Read, a.Write)))
            .ToArray();
        if (covering.Length == 0)
            return $"IOAS {ioas} mapped nothing at iova 0x{iova:x} (generation {generation})";
        var (userVa, first, read, write) = covering[0];
        if (!(dir == DmaDirection.Write ? write : read))
            return $"IOAS {ioas} maps iova 0x{iova:x} {(write ? "write" : "read")}-only: a {dir.ToString().ToLowerInvariant()} is not allowed";
        var expected = userVa + (iova - first);
        return expected == hpa ? null : $"IOAS {ioas} maps iova 0x{iova:x} to 0x{expected:x}, not 0x{hpa:x}";
    }

    private static bool Covers(ulong first, ulong length, ulong iova) => iova >= first && iova - first < length;
}
