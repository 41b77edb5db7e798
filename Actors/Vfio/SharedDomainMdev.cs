using Fabric.Host;
using Fabric.Messages;

namespace Fabric.Vfio;

/// <summary>
/// Shared-domain mdevs (seed 001, "vfio: add sdmdev support"): an mdev that shares its parent
/// device's IOMMU domain, with a PASID of its own, instead of getting a domain of its own. The
/// attach follows vfio_iommu_type1_attach_sdgroup and its helpers vfio_sdmdev_type and
/// vfio_sdmdev_bus, plus the check the review asked for: only an UNMANAGED domain may be shared,
/// a kernel DMA-API domain is refused (Fabric answers -EINVAL; the seed names no errno).
/// </summary>
public static class SharedDomainMdev
{
    /// <summary>The bus type of every device of a PE's group: Fabric's PEs hold PCI devices.</summary>
    public const string PciBus = "pci";

    public static (SetupResult, IFabricEvent[]) Decide(HostTopology host, IVfioCommand command) => command switch
    {
        SetIommuDomain c => SetDomain(host, c),
        CreateSdmdev c => Create(host, c),
        AttachSdmdevGroup c => Attach(host, c),
        MapSdmdev c => Map(host, c),
        _ => Fail(Errno.EINVAL, $"{command.GetType().Name} is not a shared-domain mdev command"),
    };

    private static (SetupResult, IFabricEvent[]) SetDomain(HostTopology host, SetIommuDomain c)
    {
        if (!host.Pes.ContainsKey(c.Group)) return Fail(Errno.ENOENT, $"host {host.Name} has no PE {c.Group}");
        if (host.SharedDomains.PasidsOf(c.Group).Count > 0)
            return Fail(Errno.EBUSY, $"group {c.Group}'s domain is shared with mdevs; it cannot be replaced");
        return Ok(new IommuDomainSet(host.Name, c.Group, c.Type));
    }

    private static (SetupResult, IFabricEvent[]) Create(HostTopology host, CreateSdmdev c)
    {
        var parent = host.Pes.Values.FirstOrDefault(pe => pe.Vfio.Devices.ContainsKey(c.Parent));
        if (parent is null) return Fail(Errno.ENODEV, $"host {host.Name} has no device {c.Parent} to be the parent");
        if (host.SharedDomains.Mdevs.ContainsKey(c.Name)) return Fail(Errno.EEXIST, $"mdev {c.Name} already exists");
        if (host.Pes.ContainsKey(c.MdevGroup)) return Fail(Errno.EEXIST, $"group {c.MdevGroup} is a PE's group, not a new mdev group");
        if (host.SharedDomains.PasidOf(c.MdevGroup) is { } pasid)
            return Fail(Errno.EBUSY, $"mdev group {c.MdevGroup} is attached already (PASID {pasid}); a new mdev needs a group of its own");
        return Ok(new SdmdevCreated(host.Name, c.Name, c.Parent, parent.Group, c.MdevGroup));
    }

    /// <summary>vfio_iommu_type1_attach_sdgroup, in its order; answers the PASID.</summary>
    private static (SetupResult, IFabricEvent[]) Attach(HostTopology host, AttachSdmdevGroup c)
    {
        var domains = host.SharedDomains;
        var members = domains.MdevsIn(c.MdevGroup);
        if (members.Length == 0) return Fail(Errno.ENOENT, $"no mdev is in group {c.MdevGroup}");
        if (domains.PasidOf(c.MdevGroup) is { } pasid)
            return Fail(Errno.EINVAL, $"group {c.MdevGroup} is already attached (PASID {pasid})");
        // vfio_sdmdev_type, for each device of the group.
        if (AllDevicesHaveOneParentGroup(members.Select(m => (int?)m.ParentGroup)) is { } parents) return Fail(parents);
        var parentGroup = members[0].ParentGroup;
        // iommu_group_share_domain(pgroup), with the review's check.
        if (DomainIsUserManaged(domains.DomainOf(parentGroup), parentGroup) is { } kernelOwned) return Fail(kernelOwned);
        // vfio_sdmdev_bus over the parent's group.
        var busTypes = host.Pes[parentGroup].Vfio.Devices.Keys.Select(_ => (string?)PciBus);
        if (AllDevicesShareOneBusType(busTypes) is { } mixed) return Fail(mixed);
        var next = domains.NextPasid(parentGroup);
        return (SetupResult.Returned(next), [new SdmdevGroupAttached(host.Name, c.MdevGroup, parentGroup, next)]);
    }

    private static (SetupResult, IFabricEvent[]) Map(HostTopology host, MapSdmdev c)
    {
        var domains = host.SharedDomains;
        if (domains.PasidOf(c.MdevGroup) is not { } pasid)
            return Fail(Errno.EINVAL, $"group {c.MdevGroup} shares no domain yet; attach it first");
        if (c.Size == 0 || ((c.Iova | c.Size | c.Hpa) & 0xFFF) != 0)
            return Fail(Errno.EINVAL, "iova, hpa and size must be 4K aligned and size non-zero");
        if (c.Iova + c.Size < c.Iova || c.Hpa + c.Size < c.Hpa) return Fail(Errno.EINVAL, "the range wraps around");
        var parentGroup = domains.MdevsIn(c.MdevGroup)[0].ParentGroup;
        if (domains.Translations(parentGroup, pasid).Any(m => m.Iova < c.Iova + c.Size && c.Iova < m.Iova + m.Size))
            return Fail(Errno.EEXIST, $"PASID {pasid} already maps part of 0x{c.Iova:x}+0x{c.Size:x}");
        return Ok(new SdmdevMapped(host.Name, parentGroup, pasid, c.Iova, c.Hpa, c.Size));
    }

    /// <summary>vfio_sdmdev_type: every parent has an IOMMU group (-ENODEV) and it is the same one (-ENODEV).</summary>
    public static SetupResult? AllDevicesHaveOneParentGroup(IEnumerable<int?> parentGroups) =>
        OneValue(parentGroups.Select(g => g?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Errno.ENODEV, "an mdev's parent has no IOMMU group",
            Errno.ENODEV, (a, b) => $"the group's mdevs have parents in groups {a} and {b}: all must share one parent group");

    /// <summary>vfio_sdmdev_bus: every device has a bus (-ENODEV) of one type (-EINVAL).</summary>
    public static SetupResult? AllDevicesShareOneBusType(IEnumerable<string?> busTypes) =>
        OneValue(busTypes, Errno.ENODEV, "a device of the parent's group is on no bus",
            Errno.EINVAL, (a, b) => $"the parent's group mixes bus types {a} and {b}");

    /// <summary>The shape of both helpers of the seed: each device has the thing, and all have the same one.</summary>
    private static SetupResult? OneValue(IEnumerable<string?> values, Errno missing, string missingDetail, Errno differs, Func<string, string, string> differsDetail)
    {
        string? first = null;
        foreach (var v in values)
        {
            if (v is null) return SetupResult.Fail(missing, missingDetail);
            first ??= v;
            if (v != first) return SetupResult.Fail(differs, differsDetail(first, v));
        }
        return null;
    }

    /// <summary>Only a domain its user manages can be shared: a DMA-API domain has the kernel's IOVA allocator in it.</summary>
    public static SetupResult? DomainIsUserManaged(IommuDomainType type, int group) =>
        type == IommuDomainType.Unmanaged ? null
            : SetupResult.Fail(Errno.EINVAL, $"group {group}'s domain is the kernel's DMA-API domain: only an UNMANAGED domain can be shared");

    /// <summary>
    /// The parent's IOMMU translating a DMA tagged with the mdev's PASID: only that PASID's
    /// mappings count. Not attached, or nothing mapped at iova for it: a fault.
    /// </summary>
    public static (int ParentGroup, int Pasid, DmaResult Result)? Translate(SharedDomains domains, int mdevGroup, ulong iova)
    {
        if (domains.PasidOf(mdevGroup) is not { } pasid) return null;
        var parentGroup = domains.MdevsIn(mdevGroup)[0].ParentGroup;
        foreach (var m in domains.Translations(parentGroup, pasid))
            if (iova >= m.Iova && iova - m.Iova < m.Size)
                return (parentGroup, pasid, new DmaResult(DmaOutcome.Ok, m.Hpa + (iova - m.Iova)));
        return (parentGroup, pasid, new DmaResult(DmaOutcome.Fault, 0));
    }

    private static (SetupResult, IFabricEvent[]) Ok(params IFabricEvent[] events) => (SetupResult.Ok, events);
    private static (SetupResult, IFabricEvent[]) Fail(SetupResult r) => (r, []);
    private static (SetupResult, IFabricEvent[]) Fail(Errno e, string detail) => (SetupResult.Fail(e, detail), []);
}

/// <summary>One mdev: its parent device and the parent's group, and the mdev group it is in.</summary>
public sealed record Sdmdev(string Name, string Parent, int ParentGroup, int MdevGroup);

/// <summary>One translation of a PASID's address space in a shared domain.</summary>
public sealed record PasidMapping(ulong Iova, ulong Hpa, ulong Size);

/// <summary>
/// The state of shared domains on one host: each group's domain type (a group not named is on
/// the kernel's DMA domain), the mdevs, which mdev group has which PASID, and each PASID's
/// translations. Apply is the only mutation.
/// </summary>
public sealed class SharedDomains
{
    private readonly Dictionary<int, IommuDomainType> _domains = new();
    private readonly Dictionary<int, int> _pasids = new();
    private readonly Dictionary<(int ParentGroup, int Pasid), List<PasidMapping>> _translations = new();

    public Dictionary<string, Sdmdev> Mdevs { get; } = new(StringComparer.Ordinal);

    public IommuDomainType DomainOf(int group) => _domains.GetValueOrDefault(group, IommuDomainType.Dma);

    public Sdmdev[] MdevsIn(int mdevGroup) => Mdevs.Values.Where(m => m.MdevGroup == mdevGroup).OrderBy(m => m.Name, StringComparer.Ordinal).ToArray();

    public int? PasidOf(int mdevGroup) => _pasids.TryGetValue(mdevGroup, out var p) ? p : null;

    /// <summary>The PASIDs in use on the parent group's domain.</summary>
    public IReadOnlyCollection<int> PasidsOf(int parentGroup) =>
        _pasids.Where(kv => MdevsIn(kv.Key).FirstOrDefault()?.ParentGroup == parentGroup).Select(kv => kv.Value).ToArray();

    /// <summary>The lowest PASID from 1 not in use on the domain (PASID 0 is the parent's own DMA).</summary>
    public int NextPasid(int parentGroup)
    {
        var used = PasidsOf(parentGroup).ToHashSet();
        var next = 1;
        while (used.Contains(next)) next++;
        return next;
    }

    public IReadOnlyList<PasidMapping> Translations(int parentGroup, int pasid) =>
        _translations.TryGetValue((parentGroup, pasid), out var list) ? list : [];

    public void Apply(IFabricEvent e)
    {
        switch (e)
        {
            case IommuDomainSet d: _domains[d.Group] = d.Type; break;
            case SdmdevCreated c: Mdevs[c.Name] = new Sdmdev(c.Name, c.Parent, c.ParentGroup, c.MdevGroup); break;
            case SdmdevGroupAttached a: _pasids[a.MdevGroup] = a.Pasid; break;
            case SdmdevMapped m:
                if (!_translations.TryGetValue((m.ParentGroup, m.Pasid), out var list)) _translations[(m.ParentGroup, m.Pasid)] = list = new();
                list.Add(new PasidMapping(m.Iova, m.Hpa, m.Size));
                break;
        }
    }
}
