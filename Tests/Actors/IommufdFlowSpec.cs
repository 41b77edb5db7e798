using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Fabric.Host;
using Fabric.Hosting;
using Fabric.HostPe;
using Fabric.Iommufd;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests.Actors;

/// <summary>
/// The three sequences of seed 003 through the host actor, with device DMA through the IOASes
/// judged by the invariant checker all along: a userspace driver, a PAPR guest (an IOAS per
/// guest bus, default windows, runtime 64-bit window, hotplug, reset, and the domain switch
/// instead of a runtime window) and an x86 guest (a window per RAM block, identity map, vIOMMU
/// domains, memory hotplug, reset). Then: the state comes back from the journal, and the checker
/// catches a domain that does not match its IOAS.
/// </summary>
public sealed class IommufdFlowSpec : TestKit
{
    private const ulong Gib = 1UL << 30;
    private const ulong High = 1UL << 59;
    private const ulong Page = 0x1000;
    private const ulong Ram = 0x100_0000_0000; // guest g's RAM, as its VMM maps it
    private const uint Rw = IoasMapFlags.Readable | IoasMapFlags.Writeable;

    public IommufdFlowSpec() : base(TestConfigs.InMemory()) { }

    private static async Task<long> Ok(FabricRuntime f, IHostCommand c)
    {
        var r = await f.Setup("h0", c);
        Assert.True(r.Succeeded, $"{c}: {r.Error} {r.Detail}");
        return r.Value;
    }

    private static async Task<Errno> Errno(FabricRuntime f, IHostCommand c) => (await f.Setup("h0", c)).Error;

    private static async Task<DmaResult> Dma(FabricRuntime f, int pe, ulong iova, DmaDirection dir = DmaDirection.Write) =>
        (DmaResult)await f.Dma("h0", pe, iova, dir);

    private static async Task AssertReaches(FabricRuntime f, int pe, ulong iova, ulong hpa, DmaDirection dir = DmaDirection.Write) =>
        Assert.Equal(new DmaResult(DmaOutcome.Ok, hpa), await Dma(f, pe, iova, dir));

    private static async Task AssertFaults(FabricRuntime f, int pe, ulong iova) =>
        Assert.Equal(DmaOutcome.Fault, (await Dma(f, pe, iova)).Outcome);

    private static async Task<InvariantReport> Clean(FabricRuntime f, int dmas)
    {
        var report = await f.Invariants("h0");
        Assert.Empty(report.Violations);
        Assert.Equal(dmas, report.DmasChecked);
        return report;
    }

    /// <summary>PEs 1-3 behind sPAPR IODA2 PHBs, 4-6 behind an x86 IOMMU.</summary>
    private static async Task<FabricRuntime> Host(FabricRuntime f)
    {
        await Ok(f, new CreateVm("g", 8 * Gib, 1));
        for (var pe = 1; pe <= 6; pe++) await Ok(f, new AddHostPe(pe, pe <= 3 ? 0 : 1, pe <= 3 ? PeIommu.Ioda2 : PeIommu.X86));
        return f;
    }

    [Fact]
    public async Task a_userspace_driver_creates_an_ioas_attaches_creates_a_window_maps_and_works()
    {
        var f = await Host(new FabricRuntime(Sys));
        var ioas = (uint)await Ok(f, new AllocIoas());
        await Ok(f, new AttachIoas(4, ioas));
        await Ok(f, new AttachIoas(5, ioas));
        var window = (ulong)await Ok(f, new CreateIoasWindow(ioas, 16UL << 20));
        var buffer = (ulong)await Ok(f, new MapIoas(ioas, Rw, Ram + 0x40_0000, 0x10000));
        Assert.InRange(buffer, window + Page, window + (16UL << 20) - 1);

        await AssertReaches(f, 4, buffer + 0x18, Ram + 0x40_0018);
        await AssertReaches(f, 5, buffer + 0xfff8, Ram + 0x40_fff8, DmaDirection.Read);
        await AssertFaults(f, 4, buffer + 0x10000);
        Assert.Equal(0x10000, await Ok(f, new UnmapIoas(ioas, buffer, 0x10000)));
        await AssertFaults(f, 5, buffer);
        await Clean(f, 4);
    }

    [Fact]
    public async Task a_papr_guest_gets_windows_per_bus_a_runtime_window_hotplug_and_reset()
    {
        var f = await Host(new FabricRuntime(Sys));
        // 1-3: an IOAS for each guest bus, its default window (QEMU's 1 GiB of 4K pages at 0), its PEs.
        var bus0 = (uint)await Ok(f, new AllocIoas());
        var bus1 = (uint)await Ok(f, new AllocIoas());
        foreach (var bus in new[] { bus0, bus1 }) await Ok(f, new CreateIoasWindow(bus, Gib, Page, 0));
        await Ok(f, new AttachIoas(1, bus0));
        await Ok(f, new AttachIoas(2, bus1));
        // 5: the guest boots and maps through its default window (H_PUT_TCE becomes IOAS_MAP).
        await Ok(f, new MapIoas(bus0, Rw | IoasMapFlags.FixedIova, Ram + 0x7000, Page, 0x1000));
        await AssertReaches(f, 1, 0x1010, Ram + 0x7010);
        await AssertFaults(f, 2, 0x1010); // the other bus maps nothing there

        // 6: the guest creates its 64-bit window and maps all its RAM into it.
        Assert.Equal(High, (ulong)await Ok(f, new CreateIoasWindow(bus0, 8 * Gib, 0x10000)));
        await Ok(f, new MapIoas(bus0, Rw | IoasMapFlags.FixedIova, Ram, 8 * Gib, High));
        await AssertReaches(f, 1, High + 0x1_2345_6788, Ram + 0x1_2345_6788);
        // A third window is refused: the guest's RTAS call fails.
        Assert.Equal(Messages.Errno.ENOSPC, await Errno(f, new CreateIoasWindow(bus0, Gib, 0x10000)));

        // A PE hotplugged onto the bus is attached; one behind an x86 IOMMU cannot hold 2^59: the hotplug fails.
        await Ok(f, new AttachIoas(3, bus0));
        await AssertReaches(f, 3, High + 0x10, Ram + 0x10);
        Assert.Equal(Messages.Errno.EADDRINUSE, await Errno(f, new AttachIoas(6, bus0)));

        // Machine reset: remove what is there, create the defaults again.
        await Ok(f, new RemoveIoasWindow(bus0, High));
        await Ok(f, new RemoveIoasWindow(bus0, 0));
        await Ok(f, new CreateIoasWindow(bus0, Gib, Page, 0));
        await AssertFaults(f, 1, High + 0x10);
        await AssertFaults(f, 3, 0x1010);
        await Clean(f, 6);
    }

    [Fact]
    public async Task a_papr_guest_switched_from_its_small_default_domain_keeps_its_device_attached_and_its_low_mappings()
    {
        var f = await Host(new FabricRuntime(Sys));
        var small = (uint)await Ok(f, new AllocIoas());
        await Ok(f, new CreateIoasWindow(small, Gib, Page, 0));
        await Ok(f, new AttachIoas(1, small));
        await Ok(f, new MapIoas(small, Rw | IoasMapFlags.FixedIova, Ram + 0x7000, 2 * Page, 0x1000));
        await Ok(f, new MapIoas(small, IoasMapFlags.Readable | IoasMapFlags.FixedIova, Ram + 0x9000, Page, 0x8000));

        // The guest asks for a 64-bit window: an IOAS with both windows, the low mappings copied.
        var large = (uint)await Ok(f, new AllocIoas());
        await Ok(f, new CreateIoasWindow(large, Gib, Page, 0));
        await Ok(f, new CreateIoasWindow(large, 4 * Gib, 0x10000, High));
        await Ok(f, new CopyIoas(Rw | IoasMapFlags.FixedIova, large, small, 2 * Page, 0x1000, 0x1000));
        await Ok(f, new CopyIoas(IoasMapFlags.Readable | IoasMapFlags.FixedIova, large, small, Page, 0x8000, 0x8000));
        await AssertReaches(f, 1, 0x2010, Ram + 0x8010);
        await Ok(f, new ReplaceIoas(1, large));
        await AssertReaches(f, 1, 0x2010, Ram + 0x8010);
        await AssertReaches(f, 1, 0x8010, Ram + 0x9010, DmaDirection.Read);
        await AssertFaults(f, 1, 0x8010); // copied read-only
        await Ok(f, new MapIoas(large, Rw | IoasMapFlags.FixedIova, Ram, 4 * Gib, High));
        await AssertReaches(f, 1, High + 0x9010, Ram + 0x9010);
        await Ok(f, new DestroyIoas(small));
        await Clean(f, 5);
    }

    [Fact]
    public async Task an_x86_guest_maps_all_ram_identity_uses_viommu_domains_hotplugs_memory_and_resets()
    {
        var f = await Host(new FabricRuntime(Sys));
        // 1-4: the default IOAS, a window per RAM block (below and above the MSI hole), GPA == IOVA, devices attached.
        var main = (uint)await Ok(f, new AllocIoas());
        await Ok(f, new CreateIoasWindow(main, 3 * Gib, Page, 0));
        await Ok(f, new CreateIoasWindow(main, 4 * Gib, Page, 4 * Gib));
        await Ok(f, new MapIoas(main, Rw | IoasMapFlags.FixedIova, Ram, 3 * Gib, 0));
        await Ok(f, new MapIoas(main, Rw | IoasMapFlags.FixedIova, Ram + 4 * Gib, 4 * Gib, 4 * Gib));
        await Ok(f, new AttachIoas(4, main));
        await Ok(f, new AttachIoas(5, main));
        // 5: boot; devices DMA to guest physical addresses.
        await AssertReaches(f, 4, 0x1234_5678, Ram + 0x1234_5678);
        await AssertReaches(f, 5, 5 * Gib + 8, Ram + 5 * Gib + 8);
        await AssertFaults(f, 4, 0xfee0_0000); // the MSI range is no one's RAM

        // 6: the guest puts device 5 in a vIOMMU domain: a new IOAS mirrored from the guest's IO page table.
        var domain = (uint)await Ok(f, new AllocIoas());
        await Ok(f, new CreateIoasWindow(domain, 16UL << 20, Page, 1UL << 32));
        await Ok(f, new ReplaceIoas(5, domain));
        await Ok(f, new CopyIoas(Rw | IoasMapFlags.FixedIova, domain, main, 0x4000, 1UL << 32, 0x20_0000));
        await AssertReaches(f, 5, (1UL << 32) + 0x3008, Ram + 0x20_3008);
        await AssertFaults(f, 5, 0x20_3008); // its GPAs are not its IOVAs any more
        await AssertReaches(f, 4, 0x20_3008, Ram + 0x20_3008);
        // A vIOMMU cache flush after the guest changed its page table: unmap, map again.
        await Ok(f, new UnmapIoas(domain, 1UL << 32, 0x4000));
        await Ok(f, new MapIoas(domain, Rw | IoasMapFlags.FixedIova, Ram + 0x30_0000, Page, 1UL << 32));
        await AssertReaches(f, 5, (1UL << 32) + 8, Ram + 0x30_0008);
        await AssertFaults(f, 5, (1UL << 32) + 0x3008);

        // A hotplugged device joins the default IOAS; one behind an sPAPR PHB cannot hold its windows.
        await Ok(f, new AttachIoas(6, main));
        Assert.Equal(Messages.Errno.EADDRINUSE, await Errno(f, new AttachIoas(3, main)));
        // Hotplugged memory: a window for the new block, mapped GPA == IOVA.
        await Ok(f, new CreateIoasWindow(main, Gib, Page, 8 * Gib));
        await Ok(f, new MapIoas(main, Rw | IoasMapFlags.FixedIova, Ram + 8 * Gib, Gib, 8 * Gib));
        await AssertReaches(f, 6, 8 * Gib + 0x10, Ram + 8 * Gib + 0x10);

        // Reset: every device back on the default IOAS, the others gone.
        Assert.Equal(Messages.Errno.EBUSY, await Errno(f, new DestroyIoas(domain)));
        await Ok(f, new ReplaceIoas(5, main));
        await Ok(f, new DestroyIoas(domain));
        await AssertReaches(f, 5, 0x20_3008, Ram + 0x20_3008);
        await Clean(f, 10);
    }

    [Fact]
    public async Task a_fabric_started_again_on_its_journal_has_its_ioases_and_their_devices_dma_through_them()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-ioas-");
        var file = Path.Combine(dir.FullName, "journal.db");
        Config Config() => FabricConfig.Build(JournalKind.Sqlite, file, ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
        try
        {
            await using (var first = new FabricRuntime(Config(), "first") { Timeout = TimeSpan.FromSeconds(10) })
            {
                await Host(first);
                var ioas = (uint)await Ok(first, new AllocIoas());
                await Ok(first, new CreateIoasWindow(ioas, Gib, Page, 0));
                await Ok(first, new CreateIoasWindow(ioas, Gib, 0x10000, High));
                await Ok(first, new AttachIoas(1, ioas));
                await Ok(first, new MapIoas(ioas, Rw | IoasMapFlags.FixedIova, Ram, 0x20000, High));
                await Ok(first, new MapIoas(ioas, Rw | IoasMapFlags.FixedIova, Ram + 0x5000, Page, 0x3000));
                await Ok(first, new UnmapIoas(ioas, 0x3000, Page));
                await AssertReaches(first, 1, High + 8, Ram + 8);
            }
            await using var second = new FabricRuntime(Config(), "second") { Timeout = TimeSpan.FromSeconds(10) };
            await AssertReaches(second, 1, High + 0x10008, Ram + 0x10008);
            await AssertFaults(second, 1, 0x3000);
            Assert.Equal(Messages.Errno.EEXIST, await Errno(second, new MapIoas(1, Rw | IoasMapFlags.FixedIova, Ram, 0x10000, High)));
            Assert.Equal(2u, (uint)await Ok(second, new AllocIoas()));
            Assert.Equal(Messages.Errno.EBUSY, await Errno(second, new DestroyIoas(1)));
            await Clean(second, 2);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The checker keeps its own account of the IOAS: a PE whose domain maps what the IOAS never
    /// did (here forged, as a domain left stale by a bug would be) is caught at its first DMA there.
    /// </summary>
    [Fact]
    public async Task a_domain_that_maps_what_its_ioas_does_not_is_an_isolation_violation()
    {
        var f = await Host(new FabricRuntime(Sys));
        var ioas = (uint)await Ok(f, new AllocIoas());
        await Ok(f, new CreateIoasWindow(ioas, Gib, Page, 0));
        await Ok(f, new AttachIoas(1, ioas));
        await Ok(f, new MapIoas(ioas, Rw | IoasMapFlags.FixedIova, Ram, Page, 0x1000));

        var forged = new HostTopology("h0");
        forged.Ok(new AddHostPe(1, 0));
        forged.Ok(new AllocIoas());
        forged.Ok(new CreateIoasWindow(1, Gib, Page, 0));
        forged.Ok(new MapIoas(1, Rw | IoasMapFlags.FixedIova, Ram + 0x9000, Page, 0x2000)); // generation 1, as the real one's
        var pe = await Sys.ActorSelection(f.Host("h0").Path / "pe-0.1").ResolveOne(TimeSpan.FromSeconds(5));
        pe.Tell(new UseIoasDomain(IoasDomainView.Of(forged.Iommufd.Find(1)!)));

        await AssertReaches(f, 1, 0x2008, Ram + 0x9008);
        var report = await f.Invariants("h0");
        var v = Assert.Single(report.Violations);
        Assert.Equal(InvariantKind.Isolation, v.Kind);
        Assert.Contains("IOAS 1 mapped nothing at iova 0x2008", v.Detail);
    }
}
