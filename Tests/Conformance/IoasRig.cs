using Fabric.Host;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Conformance;

/// <summary>
/// A host for iommufd tests: PEs 1 and 3 behind sPAPR IODA2 PHBs, PE 2 and 4 behind an x86 IOMMU,
/// PE 5 a no-IOMMU group, PE 6 behind IODA1. Like the selftest's iommufd_ioas fixture, a variant
/// attaches no device, or one of either IOMMU, to a fresh IOAS.
/// </summary>
public sealed class IoasRig
{
    public const ulong Page = 0x1000;
    public const ulong UserBuffer = 0x100_0000_0000;
    public const ulong BufferSize = 16 * Page;

    public HostTopology Host { get; } = new("h0");

    public IoasRig()
    {
        Host.Ok(new AddHostPe(1, 0));
        Host.Ok(new AddHostPe(2, 1, PeIommu.X86));
        Host.Ok(new AddHostPe(3, 0));
        Host.Ok(new AddHostPe(4, 1, PeIommu.X86));
        Host.Ok(new AddHostPe(5, 2, PeIommu.None));
        Host.Ok(new AddHostPe(6, 3, PeIommu.Ioda1));
    }

    public uint Alloc() => (uint)Host.Ok(new AllocIoas()).Value;

    public ulong Window(uint ioas, ulong size, ulong pageSize = 0, ulong? @base = null) =>
        (ulong)Host.Ok(new CreateIoasWindow(ioas, size, pageSize, @base)).Value;

    public SetupResult MapFixed(uint ioas, ulong userVa, ulong length, ulong iova, uint access = IoasMapFlags.Readable | IoasMapFlags.Writeable) =>
        Host.Run(new MapIoas(ioas, IoasMapFlags.FixedIova | access, userVa, length, iova));

    public ulong Map(uint ioas, ulong userVa, ulong length) =>
        (ulong)Host.Ok(new MapIoas(ioas, IoasMapFlags.Readable | IoasMapFlags.Writeable, userVa, length)).Value;

    public SetupResult Unmap(uint ioas, ulong iova, ulong length) => Host.Run(new UnmapIoas(ioas, iova, length));

    public SetupResult Copy(uint dst, ulong dstIova, uint src, ulong srcIova, ulong length) =>
        Host.Run(new CopyIoas(IoasMapFlags.FixedIova | IoasMapFlags.Readable | IoasMapFlags.Writeable, dst, src, length, dstIova, srcIova));

    public Fabric.Iommufd.Ioas Ioas(uint id) => Host.Iommufd.Find(id)!;
}

/// <summary>
/// The selftest's fixture variants: no_domain, and a mock domain, here a real kind of IOMMU.
/// Base is where its window starts (the selftest's base_iova: MOCK_APERTURE_START with a domain).
/// </summary>
public sealed record IoasVariant(string Name, int? Group, ulong Base)
{
    public static readonly IoasVariant NoDomain = new("no_domain", null, 1UL << 24);
    public static readonly IoasVariant Spapr = new("spapr_domain", 1, 0);
    public static readonly IoasVariant X86 = new("x86_domain", 2, 1UL << 24);

    public static IoasVariant Named(string name) => new[] { NoDomain, Spapr, X86 }.Single(v => v.Name == name);

    /// <summary>A fresh IOAS with the variant's device attached and one 64 MiB window of 4K pages at Base.</summary>
    public (IoasRig Rig, uint Ioas) Build()
    {
        var rig = new IoasRig();
        var ioas = rig.Alloc();
        if (Group is { } g) rig.Host.Ok(new AttachIoas(g, ioas));
        rig.Window(ioas, 64UL << 20, IoasRig.Page, Base);
        return (rig, ioas);
    }

    public override string ToString() => Name;
}
