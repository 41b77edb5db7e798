using Fabric.Host;
using Fabric.Invariants;
using Fabric.Messages;
using Fabric.Tests.Support;
using Fabric.Vfio;

namespace Fabric.Tests.Conformance;

/// <summary>
/// Shared-domain mdevs (seed 001): vfio_iommu_type1_attach_sdgroup's checks, the review's "only
/// an UNMANAGED domain can be shared", one PASID per mdev group, and isolation between PASIDs.
/// </summary>
public sealed class SharedDomainMdevConformance
{
    /// <summary>Accelerator acc (group 6) and device d3 (group 3); mdevs m1 and m2 of acc in groups 101 and 102.</summary>
    private static HostTopology Host(IommuDomainType domain = IommuDomainType.Unmanaged)
    {
        var host = new HostTopology("h0");
        host.Ok(new AddHostPe(6, 0));
        host.Ok(new AddHostPe(3, 0));
        host.Ok(new AddPciDevice(6, "acc", "hisi_zip"));
        host.Ok(new AddPciDevice(3, "d3", AddPciDevice.VfioPci));
        if (domain == IommuDomainType.Unmanaged) host.Ok(new SetIommuDomain(6, domain));
        host.Ok(new CreateSdmdev("m1", "acc", 101));
        host.Ok(new CreateSdmdev("m2", "acc", 102));
        return host;
    }

    // ---- the mdevs and their parents' domains ------------------------------------------------------------

    [Fact]
    public void an_mdev_of_a_device_the_host_does_not_have_is_enodev() =>
        Assert.Equal(Errno.ENODEV, Host().Errno(new CreateSdmdev("m9", "nope", 109)));

    [Fact]
    public void an_mdev_name_in_use_is_eexist() => Assert.Equal(Errno.EEXIST, Host().Errno(new CreateSdmdev("m1", "acc", 109)));

    [Fact]
    public void an_mdev_group_numbered_like_a_pe_is_eexist() => Assert.Equal(Errno.EEXIST, Host().Errno(new CreateSdmdev("m9", "acc", 3)));

    [Fact]
    public void an_mdev_added_to_an_attached_group_is_ebusy()
    {
        var host = Host();
        host.Ok(new AttachSdmdevGroup(101));
        Assert.Equal(Errno.EBUSY, host.Errno(new CreateSdmdev("m9", "acc", 101)));
    }

    [Fact]
    public void the_domain_of_a_pe_the_host_does_not_have_is_enoent() =>
        Assert.Equal(Errno.ENOENT, Host().Errno(new SetIommuDomain(9, IommuDomainType.Unmanaged)));

    [Fact]
    public void a_domain_shared_with_mdevs_cannot_be_replaced_ebusy()
    {
        var host = Host();
        host.Ok(new AttachSdmdevGroup(101));
        Assert.Equal(Errno.EBUSY, host.Errno(new SetIommuDomain(6, IommuDomainType.Dma)));
    }

    // ---- vfio_iommu_type1_attach_sdgroup ---------------------------------------------------------------------

    [Fact]
    public void attach_of_a_group_with_no_mdev_is_enoent() => Assert.Equal(Errno.ENOENT, Host().Errno(new AttachSdmdevGroup(103)));

    [Fact]
    public void attach_of_a_group_attached_already_is_einval()
    {
        var host = Host();
        host.Ok(new AttachSdmdevGroup(101));
        Assert.Equal(Errno.EINVAL, host.Errno(new AttachSdmdevGroup(101)));
    }

    [Fact]
    public void attach_of_a_group_whose_mdevs_have_parents_in_two_groups_is_enodev()
    {
        var host = Host();
        host.Ok(new CreateSdmdev("m3", "acc", 104));
        host.Ok(new CreateSdmdev("m4", "d3", 104));
        Assert.Equal(Errno.ENODEV, host.Errno(new AttachSdmdevGroup(104)));
    }

    [Fact]
    public void a_parent_with_no_iommu_group_is_enodev()
    {
        // Every parent Fabric knows is behind a PE, so vfio_sdmdev_type's rule is tested alone.
        Assert.Equal(Errno.ENODEV, SharedDomainMdev.AllDevicesHaveOneParentGroup([6, null])!.Error);
        Assert.Null(SharedDomainMdev.AllDevicesHaveOneParentGroup([6, 6]));
    }

    [Fact]
    public void sharing_the_kernel_dma_domain_is_einval() =>
        Assert.Equal(Errno.EINVAL, Host(IommuDomainType.Dma).Errno(new AttachSdmdevGroup(101)));

    [Fact]
    public void the_parent_group_devices_must_all_be_on_a_bus_of_one_type()
    {
        // Fabric's PE groups hold PCI devices only, so vfio_sdmdev_bus's rule is tested alone.
        Assert.Equal(Errno.ENODEV, SharedDomainMdev.AllDevicesShareOneBusType(["pci", null])!.Error);
        Assert.Equal(Errno.EINVAL, SharedDomainMdev.AllDevicesShareOneBusType(["pci", "platform"])!.Error);
        Assert.Null(SharedDomainMdev.AllDevicesShareOneBusType(["pci", "pci"]));
    }

    [Fact]
    public void each_attached_group_gets_the_lowest_free_pasid_from_1()
    {
        var host = Host();
        Assert.Equal(1, host.Ok(new AttachSdmdevGroup(101)).Value);
        Assert.Equal(2, host.Ok(new AttachSdmdevGroup(102)).Value);
    }

    // ---- mapping for a PASID, and what its DMA reaches ----------------------------------------------------------

    private static HostTopology Attached()
    {
        var host = Host();
        host.Ok(new AttachSdmdevGroup(101));
        host.Ok(new AttachSdmdevGroup(102));
        return host;
    }

    [Fact]
    public void map_for_a_group_not_attached_is_einval() => Assert.Equal(Errno.EINVAL, Host().Errno(new MapSdmdev(101, 0x10000, 0x100000, 0x1000)));

    [Theory]
    [InlineData(0x10000UL, 0x100000UL, 0UL)]
    [InlineData(0x10800UL, 0x100000UL, 0x1000UL)]
    [InlineData(0x10000UL, 0x100800UL, 0x1000UL)]
    [InlineData(0xFFFF_FFFF_FFFF_F000UL, 0x100000UL, 0x2000UL)]
    public void map_empty_unaligned_or_wrapping_is_einval(ulong iova, ulong hpa, ulong size) =>
        Assert.Equal(Errno.EINVAL, Attached().Errno(new MapSdmdev(101, iova, hpa, size)));

    [Fact]
    public void map_over_the_pasid_own_mapping_is_eexist_but_another_pasid_may_use_the_same_iova()
    {
        var host = Attached();
        host.Ok(new MapSdmdev(101, 0x10000, 0x100000, 0x2000));
        Assert.Equal(Errno.EEXIST, host.Errno(new MapSdmdev(101, 0x11000, 0x300000, 0x1000)));
        host.Ok(new MapSdmdev(102, 0x10000, 0x200000, 0x1000));
    }

    [Fact]
    public void a_dma_tagged_with_a_pasid_uses_only_that_pasid_translations()
    {
        var host = Attached();
        host.Ok(new MapSdmdev(101, 0x10000, 0x100000, 0x1000));
        host.Ok(new MapSdmdev(102, 0x20000, 0x200000, 0x1000));
        Assert.Equal(new DmaResult(DmaOutcome.Ok, 0x100010), SharedDomainMdev.Translate(host.SharedDomains, 101, 0x10010)!.Value.Result);
        Assert.Equal(DmaOutcome.Fault, SharedDomainMdev.Translate(host.SharedDomains, 101, 0x20010)!.Value.Result.Outcome);
        Assert.Null(SharedDomainMdev.Translate(host.SharedDomains, 103, 0x10010));
    }

    // ---- isolation between PASIDs, as the checker sees it ---------------------------------------------------------

    [Fact]
    public void a_dma_tagged_with_one_pasid_that_reaches_memory_mapped_only_for_another_is_an_isolation_violation()
    {
        var checker = new InvariantChecker();
        checker.PasidMapped("h0", 6, 1, 0x100000, 0x1000);
        checker.PasidMapped("h0", 6, 2, 0x200000, 0x1000);
        Assert.Null(checker.CheckPasidDma("h0", 6, 1, 0x10010, DmaDirection.Write, new DmaResult(DmaOutcome.Ok, 0x100010)));
        var v = checker.CheckPasidDma("h0", 6, 1, 0x10010, DmaDirection.Write, new DmaResult(DmaOutcome.Ok, 0x200010));
        Assert.Equal(InvariantKind.Isolation, v!.Kind);
        Assert.Contains("mapped only for PASID 2", v.Detail);
    }

    [Fact]
    public void a_pasid_dma_to_memory_no_pasid_maps_is_a_violation_and_a_fault_is_not()
    {
        var checker = new InvariantChecker();
        checker.PasidMapped("h0", 6, 1, 0x100000, 0x1000);
        Assert.NotNull(checker.CheckPasidDma("h0", 6, 1, 0x10000, DmaDirection.Read, new DmaResult(DmaOutcome.Ok, 0x900000)));
        Assert.Null(checker.CheckPasidDma("h0", 6, 1, 0x10000, DmaDirection.Read, new DmaResult(DmaOutcome.Fault, 0)));
        Assert.Null(checker.CheckPasidDma("h0", 7, 1, 0x10000, DmaDirection.Read, new DmaResult(DmaOutcome.Fault, 0)));
    }
}
