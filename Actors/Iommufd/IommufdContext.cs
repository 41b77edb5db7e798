using Fabric.Messages;

namespace Fabric.Iommufd;

/// <summary>
/// The iommufd state of one host (struct iommufd_ctx): its IOASes by id and which IOAS each
/// device is attached to. Apply is the only mutation; it takes events in any state without
/// throwing (replay reads journals it does not trust), and <see cref="Inconsistency"/> says
/// beforehand whether an event fits.
/// </summary>
public sealed class IommufdContext
{
    private readonly SortedDictionary<uint, Ioas> _ioases = new();
    private readonly Dictionary<int, uint> _attached = new();

    public IReadOnlyDictionary<uint, Ioas> Ioases => _ioases;

    public Ioas? Find(uint id) => _ioases.GetValueOrDefault(id);

    /// <summary>The IOAS the device of the group is attached to, or null.</summary>
    public uint? IoasOf(int group) => _attached.TryGetValue(group, out var id) ? id : null;

    /// <summary>The id IOMMU_IOAS_ALLOC gives next: the lowest free from 1 (xa_alloc over XA_FLAGS_ALLOC1).</summary>
    public uint NextId()
    {
        uint id = 1;
        while (_ioases.ContainsKey(id)) id++;
        return id;
    }

    /// <summary>The groups attached to an IOAS, in group order.</summary>
    public IEnumerable<int> DevicesOf(uint ioas) => Find(ioas)?.Devices.Keys ?? Enumerable.Empty<int>();

    /// <summary>Null when Apply can take the event whole; else what it refers to that does not exist.</summary>
    public string? Inconsistency(IIommufdEvent e) => e switch
    {
        IoasAllocated a => _ioases.ContainsKey(a.Ioas) ? $"IOAS {a.Ioas} is allocated twice" : null,
        IoasAttached a when _attached.TryGetValue(a.Group, out var on) => $"PE {a.Group} is attached to IOAS {on} already",
        IoasAttached a => IommuHardware.Of(a.Iommu) is null ? $"PE {a.Group} has no IOMMU to attach" : NoIoas(a.Ioas),
        IoasReplaced r => IoasOf(r.Group) != r.From ? $"PE {r.Group} is not attached to IOAS {r.From}" : NoIoas(r.To),
        IoasDetached d => IoasOf(d.Group) != d.Ioas ? $"PE {d.Group} is not attached to IOAS {d.Ioas}" : null,
        IoasDestroyed d => NoIoas(d.Ioas) ?? (_ioases[d.Ioas].Devices.Count > 0 ? $"IOAS {d.Ioas} still has devices" : null),
        IoasWindowCreated w => NoIoas(w.Ioas) ?? (w.Size == 0 || w.PageSize == 0 || (w.PageSize & (w.PageSize - 1)) != 0 || w.Base + (w.Size - 1) < w.Base
            ? $"the window 0x{w.Base:x}+0x{w.Size:x} of 0x{w.PageSize:x} pages is impossible"
            : _ioases[w.Ioas].Windows.Any(o => o.Overlaps(w.Base, w.Base + (w.Size - 1))) ? $"the window at 0x{w.Base:x} overlaps another" : null),
        IoasWindowRemoved r => NoIoas(r.Ioas) ?? (_ioases[r.Ioas].Windows.Any(w => w.Base == r.Base) ? null : $"IOAS {r.Ioas} has no window at 0x{r.Base:x}"),
        IoasMapped m => NoIoas(m.Ioas) ?? (m.Length == 0 || m.Iova + (m.Length - 1) < m.Iova
            ? $"the area 0x{m.Iova:x}+0x{m.Length:x} is impossible"
            : _ioases[m.Ioas].Areas.AnyIn(m.Iova, m.Iova + (m.Length - 1)) ? $"IOAS {m.Ioas} maps part of 0x{m.Iova:x}+0x{m.Length:x} already" : null),
        IoasUnmapped u => NoIoas(u.Ioas) ?? (_ioases[u.Ioas].Areas.At(u.Iova) is { } a && a.Iova == u.Iova && a.Length == u.Length
            ? null : $"IOAS {u.Ioas} has no area of 0x{u.Length:x} bytes at 0x{u.Iova:x}"),
        IoasIovasAllowed a => NoIoas(a.Ioas) ?? (a.Ranges is null || a.Ranges.Any(r => r is null) ? "the allowed ranges are missing" : null),
        IoasReserved r => NoIoas(r.Ioas),
        _ => null,
    };

    private string? NoIoas(uint id) => _ioases.ContainsKey(id) ? null : $"there is no IOAS {id}";

    public void Apply(IIommufdEvent e)
    {
        if (Inconsistency(e) is not null) return;
        switch (e)
        {
            case IoasAllocated a:
                _ioases[a.Ioas] = new Ioas(a.Ioas);
                break;
            case IoasDestroyed d:
                _ioases.Remove(d.Ioas);
                break;
            case IoasWindowCreated w:
                var windows = _ioases[w.Ioas].Windows;
                windows.Add(new IoasWindow(w.Base, w.Size, w.PageSize));
                windows.Sort((a, b) => a.Base.CompareTo(b.Base));
                break;
            case IoasWindowRemoved r:
                var ioas = _ioases[r.Ioas];
                var window = ioas.Windows.First(w => w.Base == r.Base);
                foreach (var area in ioas.Areas.Overlapping(window.Base, window.Last).ToArray())
                {
                    ioas.Areas.Remove(area.Iova, area.Length);
                    ioas.Generation++;
                }
                ioas.Windows.Remove(window);
                break;
            case IoasMapped m:
                _ioases[m.Ioas].Areas.Add(new IoasArea(m.Iova, m.Length, m.UserVa, m.Readable, m.Writeable));
                _ioases[m.Ioas].Generation++;
                break;
            case IoasUnmapped u:
                _ioases[u.Ioas].Areas.Remove(u.Iova, u.Length);
                _ioases[u.Ioas].Generation++;
                break;
            case IoasIovasAllowed a:
                _ioases[a.Ioas].Allowed.Clear();
                _ioases[a.Ioas].Allowed.AddRange(a.Ranges);
                break;
            case IoasReserved r:
                _ioases[r.Ioas].TestReserved.Add(new IovaRange(r.Start, r.Last));
                break;
            case IoasAttached a:
                _ioases[a.Ioas].Devices[a.Group] = IommuHardware.Of(a.Iommu)!;
                _attached[a.Group] = a.Ioas;
                break;
            case IoasReplaced r:
                var from = _ioases[r.From];
                var hardware = from.Devices[r.Group];
                from.Devices.Remove(r.Group);
                _ioases[r.To].Devices[r.Group] = hardware;
                _attached[r.Group] = r.To;
                break;
            case IoasDetached d:
                _ioases[d.Ioas].Devices.Remove(d.Group);
                _attached.Remove(d.Group);
                break;
        }
    }
}
