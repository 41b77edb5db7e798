using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Hosting.Workloads;
using Fabric.Messages;
using Fabric.Tests.Support;
using static Fabric.Tests.Support.BoundTable;

namespace Fabric.Tests.Workloads;

/// <summary>A small Linux-like pseries guest boots on a VFIO-backed PHB and its device DMAs with no hypercall.</summary>
public sealed class PseriesBootSpec : TestKit
{
    private const ulong Ram = 256UL << 20;
    private static readonly ulong DefaultLiobn = AddPhb.Liobn(1, 0);

    public PseriesBootSpec() : base(TestConfigs.InMemory()) { }

    private static async Task Guest(FabricRuntime f, ulong pageSizeMask, bool vfio)
    {
        await Ok(f, new CreateVm("g", Ram, 2));
        await Ok(f, new AddPhb("g", 1, true, pageSizeMask, AddPhb.DefaultWindowSize, AddPhb.DefaultDma64WindowAddress));
        if (!vfio) return;
        await Ok(f, new CreateTceTable("g", DefaultLiobn, 12, 0, AddPhb.DefaultWindowSize >> 12, 0));
        await Ok(f, new AddHostPe(1, 0));
        await Ok(f, new AddHostPe(2, 0));
        await Ok(f, new CreateContainer("c0", [1, 2], [new HardwareWindow(0, 12, 0, AddPhb.DefaultWindowSize >> 12)]));
        await Ok(f, new BindGroupToLiobn("g", DefaultLiobn, 1));
    }

    [Fact]
    public async Task The_guest_maps_all_RAM_in_16M_pages_at_the_64_bit_window_and_its_device_reaches_every_page_directly()
    {
        var f = new FabricRuntime(Sys);
        await Guest(f, AddPhb.DefaultPageSizeMask, vfio: true);

        var boot = await PseriesBoot.Run(f, "h0", "g", 1, vcpus: 2);

        Assert.Equal((AddPhb.Liobn(1, 1), 24, 1UL << 59, 28, 16L), (boot.Liobn, boot.PageShift, boot.WindowStart, boot.WindowShift, boot.TcesMapped));
        Assert.Equal(512 + 1, boot.Hcalls);
        var hostBase = f.Memory("h0").GuestRams["g"].HostBase;
        var before = (await f.Invariants("h0")).CallsAcknowledged;
        foreach (var phys in new ulong[] { 0, 0x10, 0xFFFFF8, 0x1000000, 0x7654321, Ram - 8 })
        {
            Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + phys), await f.Dma("h0", 2, boot.WindowStart + phys, DmaDirection.Write));
            Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + phys), await f.Dma("h0", 1, boot.WindowStart + phys, DmaDirection.Read));
        }
        var report = await f.Invariants("h0");
        Assert.Equal(before, report.CallsAcknowledged);
        Assert.Empty(report.Violations);
        // The host's window is of 64K pages: each 16M guest TCE is 256 hardware TCEs.
        var hardware = f.Memory("h0").HardwareTables["c0/1"];
        Assert.Equal((16, 1UL << 59), (hardware.PageShift, hardware.BusStart));
        Assert.Equal(hostBase + 0x10000 + Tce.PciRead + Tce.PciWrite, hardware.Read(((1UL << 59) >> 16) + 1));
    }

    [Fact]
    public async Task On_an_emulated_PHB_offering_64K_pages_every_64K_page_of_RAM_is_mapped_once()
    {
        var f = new FabricRuntime(Sys);
        await Guest(f, 0x3, vfio: false);

        var boot = await PseriesBoot.Run(f, "h0", "g", 1, vcpus: 2);

        Assert.Equal((16, (long)(Ram >> 16), 512L + 8), (boot.PageShift, boot.TcesMapped, boot.Hcalls));
        foreach (var phys in new ulong[] { 0, 0x10000, Ram - 0x10000 })
            Assert.Equal(phys | 3, (await Call(f, new HGetTce(boot.Liobn, boot.WindowStart + phys))).R4);
        Assert.Equal(HcallReturn.Parameter, (await Call(f, new HGetTce(boot.Liobn, boot.WindowStart + (1UL << boot.WindowShift)))).Ret);
    }
}
