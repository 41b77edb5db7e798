using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>
/// Preregistered memory, PCI hot reset and shared-domain mdevs through the host actor: the
/// hardware a guest's H_PUT_TCE reaches, the ownership a bus reset needs, and the PASID each
/// mdev's DMA is confined to, with the invariant checker watching every DMA.
/// </summary>
public sealed class VfioMemoryResetFlowSpec : TestKit
{
    private const ulong Gib = 1UL << 30;
    private const ulong M16 = 0x100_0000;
    private const ulong Liobn = 0x1;
    private static readonly HardwareWindow Window4K = new(0, 12, 0, Gib >> 12);

    public VfioMemoryResetFlowSpec() : base(TestConfigs.InMemory()) { }

    private static Task<SetupResult> Ok(FabricRuntime f, IHostCommand c) => f.Ok(c);

    /// <summary>Group g's device on bus 1 in container c{g}, with the sPAPR TCE v2 driver.</summary>
    private static async Task GroupInItsContainer(FabricRuntime f, int group, string? bus = "0000:01")
    {
        await Ok(f, new AddHostPe(group, 0));
        await Ok(f, new AddPciDevice(group, $"d{group}", AddPciDevice.VfioPci, bus));
        await Ok(f, new OpenVfioGroup(group));
        await Ok(f, new OpenVfioContainer($"c{group}"));
        await Ok(f, new SetGroupContainer(group, FdArgument.OfContainer($"c{group}")));
        await Ok(f, new SetIommu($"c{group}", SetIommu.SpaprTceV2, [Window4K]));
    }

    private static async Task<HcallReturn> Put(FabricRuntime f, ulong ioba, ulong tce) =>
        ((HcallResult)await f.Hcall("h0", "g", 0, new HPutTce(Liobn, ioba, tce))).Ret;

    private static async Task<DmaOutcome> Dma(FabricRuntime f, ulong ioba) =>
        ((DmaResult)await f.Dma("h0", 1, ioba, DmaDirection.Write)).Outcome;

    [Fact]
    public async Task only_preregistered_pages_reach_the_hardware_and_a_mapped_region_cannot_be_unregistered()
    {
        var f = new FabricRuntime(Sys);
        var vm = ((ulong)1) << 40;  // g's RAM, as its VMM maps it
        await Ok(f, new CreateVm("g", Gib, 1));
        await Ok(f, new CreateTceTable("g", Liobn, 12, 0, Gib >> 12, 0));
        await GroupInItsContainer(f, 1);
        await Ok(f, new BindGroupToLiobn("g", Liobn, 1));
        await Ok(f, new RegisterMemory("c1", "g", vm, M16));

        Assert.Equal(HcallReturn.Success, await Put(f, 0x2000, 0x7000 | Tce.PciRead | Tce.PciWrite));
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 0x2010));
        // Guest 32M is in no region: KVM hands the call to QEMU, which stores it, but its
        // VFIO_IOMMU_MAP_DMA of memory not preregistered fails: the hardware stays clear.
        Assert.Equal(HcallReturn.Success, await Put(f, 0x3000, 0x200_0000 | Tce.PciRead | Tce.PciWrite));
        Assert.Equal(DmaOutcome.Fault, await Dma(f, 0x3010));

        Assert.Equal(Errno.EBUSY, (await f.Setup("h0", new UnregisterMemory("c1", "g", vm, M16))).Error);
        Assert.Equal(HcallReturn.Success, await Put(f, 0x2000, 0));
        await Ok(f, new UnregisterMemory("c1", "g", vm, M16));
        Assert.Equal(HcallReturn.Success, await Put(f, 0x2000, 0x7000 | Tce.PciRead | Tce.PciWrite));
        Assert.Equal(DmaOutcome.Fault, await Dma(f, 0x2010));

        var report = await f.Invariants("h0");
        Assert.Empty(report.Violations);
        Assert.Equal(3, report.DmasChecked);
    }

    [Fact]
    public async Task a_reset_of_a_bus_shared_by_two_guests_needs_both_groups()
    {
        var f = new FabricRuntime(Sys);
        await GroupInItsContainer(f, 1);   // group fd 3, c1 4
        await GroupInItsContainer(f, 2);   // group fd 5, c2 6
        var d1 = (int)(await Ok(f, new GetDeviceFd(1, "d1"))).Value;

        var info = (PciHotResetInfo)await f.Ask("h0", new GetPciHotResetInfo(d1, GetPciHotResetInfo.MinSize));
        Assert.Equal((Errno.ENOSPC, 2u), (info.Result.Error, info.Count));
        info = (PciHotResetInfo)await f.Ask("h0", new GetPciHotResetInfo(d1, GetPciHotResetInfo.MinSize + 2 * GetPciHotResetInfo.DeviceSize));
        Assert.Equal([1, 2], info.Devices.Select(d => d.Group));

        var onlyMine = await f.Setup("h0", new PciHotReset(d1, [3], 0, PciHotReset.ArgszFor(1)));
        Assert.Equal(Errno.EINVAL, onlyMine.Error);
        await Ok(f, new PciHotReset(d1, [3, 5], 0, PciHotReset.ArgszFor(2)));
    }

    [Fact]
    public async Task each_mdev_dma_reaches_only_what_its_pasid_maps()
    {
        var f = new FabricRuntime(Sys);
        await Ok(f, new AddHostPe(6, 0));
        await Ok(f, new AddPciDevice(6, "acc", "hisi_zip"));
        await Ok(f, new CreateSdmdev("m1", "acc", 101));
        await Ok(f, new CreateSdmdev("m2", "acc", 102));
        Assert.Equal(Errno.EINVAL, (await f.Setup("h0", new AttachSdmdevGroup(101))).Error);   // the kernel's DMA domain
        await Ok(f, new SetIommuDomain(6, IommuDomainType.Unmanaged));
        Assert.Equal(1, (await Ok(f, new AttachSdmdevGroup(101))).Value);
        Assert.Equal(2, (await Ok(f, new AttachSdmdevGroup(102))).Value);
        await Ok(f, new MapSdmdev(101, 0x10000, 0x300_0010_0000, 0x1000));
        await Ok(f, new MapSdmdev(102, 0x10000, 0x300_0020_0000, 0x1000));

        async Task<DmaResult> MdevDma(int group, ulong iova) => (DmaResult)await f.Ask("h0", new SdmdevDma(group, iova, DmaDirection.Write));
        Assert.Equal(new DmaResult(DmaOutcome.Ok, 0x300_0010_0010), await MdevDma(101, 0x10010));
        Assert.Equal(new DmaResult(DmaOutcome.Ok, 0x300_0020_0010), await MdevDma(102, 0x10010));
        Assert.Equal(DmaOutcome.Fault, (await MdevDma(101, 0x20000)).Outcome);
        Assert.Equal(Errno.ENOENT, ((SetupResult)await f.Ask("h0", new SdmdevDma(103, 0x10010, DmaDirection.Read))).Error);

        var report = await f.Invariants("h0");
        Assert.Empty(report.Violations);
        Assert.Equal(3, report.DmasChecked);
    }
}
