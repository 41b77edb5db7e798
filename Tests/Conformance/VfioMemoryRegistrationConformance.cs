using Fabric.Container;
using Fabric.Host;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Tests.Support;
using Fabric.Vfio;
using static Fabric.Tests.Conformance.Tv;

namespace Fabric.Tests.Conformance;

/// <summary>
/// VFIO_IOMMU_SPAPR_REGISTER_MEMORY / UNREGISTER_MEMORY (vfio_iommu_spapr_tce.c, iommu_api.c):
/// each errno path with the smallest fixture, and KVM's lookup of preregistered memory in
/// H_PUT_TCE (book3s_64_vio.c, kvmppc_tce_validate and kvmppc_tce_iommu_do_map).
/// </summary>
public sealed class VfioMemoryRegistrationConformance
{
    private const ulong Gib = 1UL << 30;
    private const ulong M16 = 0x100_0000;
    private static readonly HardwareWindow Window4K = new(0, 12, 0, Gib >> 12);

    /// <summary>VMs g (RAM at 0x100_0000_0000) and h; group 1 in c0 with the sPAPR TCE v2 driver if asked; group 2 in c1 likewise.</summary>
    private static HostTopology Host(bool iommu = true)
    {
        var host = new HostTopology("h0");
        host.Ok(new CreateVm("g", Gib, 1));
        host.Ok(new CreateVm("h", Gib, 1));
        foreach (var (group, container) in new[] { (1, "c0"), (2, "c1") })
        {
            host.Ok(new AddHostPe(group, 0));
            host.Ok(new OpenVfioGroup(group));
            host.Ok(new OpenVfioContainer(container));
            host.Ok(new SetGroupContainer(group, FdArgument.OfContainer(container)));
            if (iommu) host.Ok(new SetIommu(container, SetIommu.SpaprTceV2, [Window4K]));
        }
        return host;
    }

    /// <summary>The fixture with g's first 16M registered through c0.</summary>
    private static HostTopology Registered()
    {
        var host = Host();
        host.Ok(Reg());
        return host;
    }

    /// <summary>Where g's VMM maps its RAM: g's host base, the first VM's.</summary>
    private const ulong G = 1UL << HostTopology.HostBaseShift;

    private static RegisterMemory Reg(string container = "c0", ulong offset = 0, ulong size = M16, string vm = "g") => new(container, vm, G + offset, size);

    private static UnregisterMemory Unreg(string container = "c0", ulong offset = 0, ulong size = M16, string vm = "g") => new(container, vm, G + offset, size);

    // ---- REGISTER_MEMORY, in the kernel's order ------------------------------------------------------

    [Fact]
    public void register_on_a_container_that_is_not_open_is_ebadf() =>
        Assert.Equal(Errno.EBADF, Host().Errno(Reg("c9")));

    [Fact]
    public void register_on_a_container_without_an_iommu_driver_is_einval() =>
        Assert.Equal(Errno.EINVAL, Host(iommu: false).Errno(Reg()));

    [Fact]
    public void register_on_a_no_iommu_container_is_enotty()
    {
        var host = Host();
        host.Ok(new AddHostPe(4, 0, PeIommu.None));
        host.Ok(new OpenVfioGroup(4));
        host.Ok(new OpenVfioContainer("c4"));
        host.Ok(new SetGroupContainer(4, FdArgument.OfContainer("c4")));
        host.Ok(new SetIommu("c4", SetIommu.NoIommu, []));
        Assert.Equal(Errno.ENOTTY, host.Errno(Reg("c4")));
    }

    [Fact]
    public void register_on_a_container_of_another_process_is_eperm() =>
        Assert.Equal(Errno.EPERM, Registered().Errno(new RegisterMemory("c0", "h", G + (1UL << 40), M16)));

    [Fact]
    public void register_checks_the_process_before_argsz_and_flags() =>
        Assert.Equal(Errno.EPERM, Registered().Errno(new RegisterMemory("c0", "h", 1, 1, Flags: 1, Argsz: 0)));

    [Fact]
    public void register_with_argsz_below_24_is_einval() =>
        Assert.Equal(Errno.EINVAL, Host().Errno(Reg() with { Argsz = 23 }));

    [Fact]
    public void register_with_flags_is_einval() =>
        Assert.Equal(Errno.EINVAL, Host().Errno(Reg() with { Flags = 1 }));

    [Theory]
    [InlineData(0x1000UL, M16)]
    [InlineData(0UL, M16 + 0x1000)]
    [InlineData(0x8000UL, 0x10000UL)]
    public void register_not_aligned_to_the_host_64k_page_is_einval(ulong offset, ulong size) =>
        Assert.Equal(Errno.EINVAL, Host().Errno(Reg(offset: offset, size: size)));

    [Fact]
    public void register_wrapping_around_the_address_space_is_einval() =>
        Assert.Equal(Errno.EINVAL, Host().Errno(new RegisterMemory("c0", "g", 0xFFFF_FFFF_FFFF_0000, 0x20000)));

    [Fact]
    public void register_of_a_region_the_container_holds_is_ebusy() =>
        Assert.Equal(Errno.EBUSY, Registered().Errno(Reg()));

    [Fact]
    public void register_of_size_0_is_enomem() =>
        Assert.Equal(Errno.ENOMEM, Host().Errno(Reg(size: 0)));

    [Theory]
    [InlineData(Gib - M16 / 2)]   // runs past the end of g's RAM
    [InlineData(Gib)]             // wholly past it
    public void register_of_memory_the_process_does_not_map_is_efault(ulong offset) =>
        Assert.Equal(Errno.EFAULT, Host().Errno(Reg(offset: offset)));

    [Fact]
    public void register_below_the_process_ram_is_efault() =>
        Assert.Equal(Errno.EFAULT, Host().Errno(new RegisterMemory("c0", "g", G - M16, M16)));

    [Theory]
    [InlineData(M16 / 2, M16)]        // overlaps the end
    [InlineData(0UL, M16 / 2)]        // inside, not identical
    [InlineData(0UL, 2 * M16)]        // around
    public void register_overlapping_a_region_that_is_not_identical_is_einval(ulong offset, ulong size) =>
        Assert.Equal(Errno.EINVAL, Registered().Errno(Reg(offset: offset, size: size)));

    [Fact]
    public void register_of_the_same_region_by_a_second_container_takes_a_second_use()
    {
        var host = Registered();
        host.Ok(Reg("c1"));
        Assert.Equal(2, host.Vms["g"].Mm.Regions[new MemoryRegion(G, M16)]);
        Assert.Equal("g", host.Containers["c1"].Mm);
    }

    // ---- UNREGISTER_MEMORY ------------------------------------------------------------------------------

    [Fact]
    public void unregister_on_a_container_that_registered_nothing_is_eperm() =>
        Assert.Equal(Errno.EPERM, Host().Errno(Unreg()));

    [Fact]
    public void unregister_with_flags_is_einval() =>
        Assert.Equal(Errno.EINVAL, Registered().Errno(Unreg() with { Flags = 2 }));

    [Fact]
    public void unregister_not_aligned_is_einval() =>
        Assert.Equal(Errno.EINVAL, Registered().Errno(Unreg(size: M16 - 0x1000)));

    [Theory]
    [InlineData(0UL, M16 / 2)]    // the right address, another size: mm_iommu_get wants both
    [InlineData(M16, M16)]        // nothing there
    public void unregister_of_a_region_the_process_has_not_registered_is_enoent(ulong offset, ulong size) =>
        Assert.Equal(Errno.ENOENT, Registered().Errno(Unreg(offset: offset, size: size)));

    [Fact]
    public void unregister_of_a_region_another_container_registered_is_enoent()
    {
        var host = Registered();
        host.Ok(new RegisterMemory("c1", "g", G + M16, M16));
        Assert.Equal(Errno.ENOENT, host.Errno(Unreg(offset: M16)));
    }

    [Fact]
    public void unregister_of_the_last_use_while_hardware_tces_map_it_is_ebusy()
    {
        var host = Registered();
        host.HardwareTcesInto = (start, length) => start == G && length == M16 ? 1 : 0;
        Assert.Equal(Errno.EBUSY, host.Errno(Unreg()));
        host.HardwareTcesInto = static (_, _) => 0;
        host.Ok(Unreg());
        Assert.Empty(host.Vms["g"].Mm.Regions);
    }

    [Fact]
    public void unregister_of_a_use_that_is_not_the_last_succeeds_while_mapped()
    {
        var host = Registered();
        host.Ok(Reg("c1"));
        host.HardwareTcesInto = static (_, _) => 1;
        host.Ok(Unreg());
        Assert.Equal(Errno.EBUSY, host.Errno(Unreg("c1")));
    }

    [Fact]
    public void the_last_group_leaving_releases_the_container_registrations()
    {
        var host = Registered();
        host.Ok(Reg("c1"));
        host.Ok(new UnsetGroupContainer(1));
        Assert.Equal(1, host.Vms["g"].Mm.Regions[new MemoryRegion(G, M16)]);
        Assert.Null(host.Containers["c0"].Mm);
        host.Ok(new UnsetGroupContainer(2));
        Assert.Empty(host.Vms["g"].Mm.Regions);
    }

    [Fact]
    public void a_process_that_never_registered_has_all_its_ram_preregistered_and_one_that_did_only_its_regions()
    {
        var host = Host();
        Assert.True(host.Vms["g"].Mm.Snapshot().IsAllRam);
        host.Ok(Reg());
        var regions = host.Vms["g"].Mm.Snapshot();
        Assert.True(regions.Backs(G + M16 - 0x1000, 0x1000));
        Assert.False(regions.Backs(G + M16, 0x1000));
        host.Ok(Unreg());
        Assert.False(host.Vms["g"].Mm.Snapshot().Backs(G, 0x1000));
    }

    // ---- KVM: H_PUT_TCE looks the page up in preregistered memory ----------------------------------------

    private static Rig LinkedRig(int hardwareShift, params MemoryRegion[] regions)
    {
        var rig = Rig.Kvm(Big);
        rig.Link(hardwareShift, rig.Geometry.Size << (16 - hardwareShift));
        rig.Ram.Preregistered = new Preregistration([.. regions]);
        return rig;
    }

    [Fact]
    public void kvm_put_tce_of_a_page_in_no_preregistered_region_is_too_hard()
    {
        var rig = LinkedRig(12, new MemoryRegion(HostBase, 0x10000));
        Assert.Equal(HcallReturn.Success, rig.Kvm(rig.Put(0, 0x0 | RW)).Ret);
        Assert.Equal(HcallReturn.TooHard, rig.Kvm(rig.Put(0x10000, 0x10000 | RW)).Ret);
        Assert.Equal(HcallReturn.TooHard, KvmTceHandler.TceValidate(rig.Table, 0x10000 | RW));
    }

    [Fact]
    public void kvm_looks_each_subpage_up_on_its_own_so_a_page_may_span_two_regions()
    {
        var rig = LinkedRig(12, new MemoryRegion(HostBase, 0x8000), new MemoryRegion(HostBase + 0x8000, 0x8000));
        Assert.Equal(HcallReturn.Success, rig.Kvm(rig.Put(0, 0x0 | RW)).Ret);
    }

    [Fact]
    public void kvm_refuses_a_hardware_page_larger_than_the_region_alignment_allows()
    {
        // A 64K hardware page needs a region aligned to 64K: a 32K-aligned one backs only 32K pages.
        var rig = LinkedRig(16, new MemoryRegion(HostBase + 0x8000, 0x18000));
        Assert.Equal(HcallReturn.TooHard, rig.Kvm(rig.Put(0x10000, 0x10000 | RW)).Ret);
        Assert.Equal(15, new MemoryRegion(HostBase + 0x8000, 0x18000).PageShift);
    }

    [Fact]
    public void clearing_needs_no_preregistered_memory()
    {
        var rig = LinkedRig(12);
        Assert.Equal(HcallReturn.Success, rig.Kvm(rig.Put(0, 0)).Ret);
    }

    [Fact]
    public void a_page_not_preregistered_is_never_written_to_the_hardware()
    {
        var ram = NewRam();
        ram.Preregistered = new Preregistration([new MemoryRegion(HostBase, 0x1000)]);
        Assert.NotEqual(0UL, HardwareMirror.HardwareTce(0x0 | RW, 12, ram, 0, 12));
        Assert.Equal(0UL, HardwareMirror.HardwareTce(0x1000 | RW, 12, ram, 0, 12));
    }
}
