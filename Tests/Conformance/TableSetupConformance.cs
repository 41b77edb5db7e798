using Fabric.Host;
using Fabric.Messages;
using Fabric.TceTable;

namespace Fabric.Tests.Conformance;

/// <summary>
/// Spec section 2: KVM_CREATE_SPAPR_TCE_64 (kvm_vm_ioctl_create_spapr_tce) and
/// KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE (kvm_vfio_set_spapr_tce, kvm_spapr_tce_attach_iommu_group),
/// as HostTopology decides them.
/// </summary>
public sealed class TableSetupConformance
{
    private const string Vm = "g";
    private const ulong Liobn = 0x1000;
    private const ulong Gib = 1UL << 30;

    private static readonly HardwareWindow Window4K = new(0, 12, 0, Gib >> 12);

    /// <summary>Decides a command and applies its events when it succeeds, as the host actor does.</summary>
    private static Errno Run(HostTopology host, IHostCommand command)
    {
        var (result, events) = host.Decide(command);
        if (result.Succeeded)
            foreach (var e in events) host.Apply(e);
        return result.Error;
    }

    private static HostTopology HostWithVm()
    {
        var host = new HostTopology("h0");
        Assert.Equal(Errno.None, Run(host, new CreateVm(Vm, 2 * Gib, 1)));
        return host;
    }

    /// <summary>A VM with a KVM table of 1 GiB of 4K pages at 0, PE 1 in container c0 with the given windows.</summary>
    private static HostTopology HostWithGroup(params HardwareWindow[] windows)
    {
        var host = HostWithVm();
        Assert.Equal(Errno.None, Run(host, new CreateTceTable(Vm, Liobn, 12, 0, Gib >> 12, 0)));
        Assert.Equal(Errno.None, Run(host, new AddHostPe(1, 0)));
        Assert.Equal(Errno.None, Run(host, new CreateContainer("c0", [1], windows.Length == 0 ? [Window4K] : windows)));
        return host;
    }

    // ---- KVM_CREATE_SPAPR_TCE_64 ---------------------------------------------------------

    [Theory]
    [InlineData(12, 0UL, 0UL, 0U)]                                   // size 0
    [InlineData(11, 0UL, 1UL, 0U)]                                   // page_shift < 12
    [InlineData(35, 0UL, 1UL, 0U)]                                   // page_shift > 34
    [InlineData(12, 0UL, 1UL, 1U)]                                   // flags
    [InlineData(12, 0UL, 1UL, 0x8000_0000U)]                         // flags
    [InlineData(12, 0UL, (ulong.MaxValue >> 12) + 1, 0U)]            // size past ULLONG_MAX >> shift
    [InlineData(34, 1UL, ulong.MaxValue >> 34, 0U)]                  // offset + size one past
    [InlineData(12, ulong.MaxValue, 2UL, 0U)]                        // offset + size wraps
    public void create_spapr_tce_64_rejects_invalid_arguments(int pageShift, ulong offset, ulong size, uint flags)
    {
        Assert.False(TceTableGeometry.IsValidForKvm(pageShift, offset, size, flags));
        Assert.Equal(Errno.EINVAL, Run(HostWithVm(), new CreateTceTable(Vm, Liobn, pageShift, offset, size, flags)));
    }

    [Theory]
    [InlineData(12, 0UL, 1UL)]
    [InlineData(34, 0UL, 1UL)]
    [InlineData(16, 0x800UL, 0x100UL)]
    [InlineData(12, 0UL, HostTopology.MaxTableEntriesPerVm)]
    public void create_spapr_tce_64_accepts_arguments_at_the_limits(int pageShift, ulong offset, ulong size)
    {
        Assert.True(TceTableGeometry.IsValidForKvm(pageShift, offset, size, 0));
        Assert.Equal(Errno.None, Run(HostWithVm(), new CreateTceTable(Vm, Liobn, pageShift, offset, size, 0)));
    }

    [Theory]
    [InlineData(12, 0UL, ulong.MaxValue >> 12)]
    [InlineData(34, 1UL, (ulong.MaxValue >> 34) - 1)]
    [InlineData(12, 0UL, HostTopology.MaxTableEntriesPerVm + 1)]
    public void create_spapr_tce_64_returns_enomem_past_the_locked_memory_limit(int pageShift, ulong offset, ulong size)
    {
        Assert.True(TceTableGeometry.IsValidForKvm(pageShift, offset, size, 0));
        Assert.Equal(Errno.ENOMEM, Run(HostWithVm(), new CreateTceTable(Vm, Liobn, pageShift, offset, size, 0)));
    }

    [Fact]
    public void create_spapr_tce_64_counts_every_table_of_the_vm_against_the_limit()
    {
        var host = HostWithVm();
        Assert.Equal(Errno.None, Run(host, new CreateTceTable(Vm, Liobn, 12, 0, HostTopology.MaxTableEntriesPerVm / 2, 0)));
        Assert.Equal(Errno.ENOMEM, Run(host, new CreateTceTable(Vm, Liobn + 1, 12, 0, HostTopology.MaxTableEntriesPerVm / 2 + 1, 0)));
    }

    [Fact]
    public void create_spapr_tce_64_returns_ebusy_for_a_duplicate_liobn()
    {
        var host = HostWithVm();
        Assert.Equal(Errno.None, Run(host, new CreateTceTable(Vm, Liobn, 12, 0, 0x100, 0)));
        Assert.Equal(Errno.EBUSY, Run(host, new CreateTceTable(Vm, Liobn, 12, 0, 0x100, 0)));
        Assert.Equal(Errno.EBUSY, Run(host, new CreateTceTable(Vm, Liobn, 16, 0, 0x10, 0)));
    }

    /// <summary>The argument checks come before the LIOBN list is searched.</summary>
    [Fact]
    public void create_spapr_tce_64_checks_arguments_before_the_duplicate_liobn()
    {
        var host = HostWithVm();
        Assert.Equal(Errno.None, Run(host, new CreateTceTable(Vm, Liobn, 12, 0, 0x100, 0)));
        Assert.Equal(Errno.EINVAL, Run(host, new CreateTceTable(Vm, Liobn, 12, 0, 0, 0)));
    }

    [Fact]
    public void create_spapr_tce_64_takes_any_64_bit_liobn()
    {
        var host = HostWithVm();
        Assert.Equal(Errno.None, Run(host, new CreateTceTable(Vm, Tv.WideLiobn, 12, 0, 0x100, 0)));
    }

    /// <summary>QEMU creating the KVM table of its own PHB window is not a duplicate.</summary>
    [Fact]
    public void create_spapr_tce_64_takes_over_a_qemu_window_of_the_same_geometry()
    {
        var host = HostWithVm();
        Assert.Equal(Errno.None, Run(host, new AddPhb(Vm, 0, false, AddPhb.DefaultPageSizeMask, Gib, AddPhb.DefaultDma64WindowAddress)));
        var liobn = AddPhb.Liobn(0, 0);
        Assert.Equal(0x8000_0000UL, liobn);
        Assert.False(host.Vms[Vm].Tables[liobn].InKernel);

        Assert.Equal(Errno.None, Run(host, new CreateTceTable(Vm, liobn, 12, 0, Gib >> 12, 0)));
        Assert.True(host.Vms[Vm].Tables[liobn].InKernel);
        Assert.Equal(Errno.EBUSY, Run(host, new CreateTceTable(Vm, liobn, 12, 0, Gib >> 12, 0)));
    }

    // ---- KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE -------------------------------------------------

    [Fact]
    public void set_spapr_tce_links_a_compatible_hardware_table()
    {
        var host = HostWithGroup();
        var (result, events) = host.Decide(new BindGroupToLiobn(Vm, Liobn, 1));
        Assert.True(result.Succeeded);
        Assert.Contains(new GroupBound(Vm, Liobn, 1, "c0", 0), events);
    }

    [Fact]
    public void set_spapr_tce_returns_enoent_for_a_group_not_added()
    {
        var host = HostWithGroup();
        Assert.Equal(Errno.ENOENT, Run(host, new BindGroupToLiobn(Vm, Liobn, 7)));
    }

    [Fact]
    public void set_spapr_tce_returns_ebadf_for_an_unknown_table()
    {
        var host = HostWithGroup();
        Assert.Equal(Errno.EBADF, Run(host, new BindGroupToLiobn(Vm, Liobn + 1, 1)));
    }

    [Fact]
    public void set_spapr_tce_returns_einval_for_a_table_not_in_kvm()
    {
        var host = HostWithGroup();
        Assert.Equal(Errno.None, Run(host, new AddPhb(Vm, 0, false, AddPhb.DefaultPageSizeMask, Gib, AddPhb.DefaultDma64WindowAddress)));
        Assert.Equal(Errno.EINVAL, Run(host, new BindGroupToLiobn(Vm, AddPhb.Liobn(0, 0), 1)));
    }

    [Theory]
    [InlineData(16, 0UL, 1UL << 14)]          // hardware page larger than the guest's
    [InlineData(12, 1UL << 30, 1UL << 18)]    // another bus offset
    [InlineData(12, 0UL, (1UL << 18) - 1)]    // one page too small
    public void set_spapr_tce_returns_einval_without_a_compatible_hardware_table(int pageShift, ulong busOffset, ulong entries)
    {
        var host = HostWithGroup(new HardwareWindow(0, pageShift, busOffset, entries));
        Assert.Equal(Errno.EINVAL, Run(host, new BindGroupToLiobn(Vm, Liobn, 1)));
    }

    /// <summary>kvm_vfio_set_spapr_tce looks the group up before kvm_spapr_tce_attach_iommu_group opens the table.</summary>
    [Fact]
    public void set_spapr_tce_checks_the_group_before_the_table()
    {
        var host = HostWithGroup();
        Assert.Equal(Errno.ENOENT, Run(host, new BindGroupToLiobn(Vm, Liobn + 1, 7)));
    }

    /// <summary>Already linked: kref_get_unless_zero and return 0; the link goes when the last reference does.</summary>
    [Fact]
    public void set_spapr_tce_again_takes_another_reference()
    {
        var host = HostWithGroup();
        Assert.Equal(Errno.None, Run(host, new BindGroupToLiobn(Vm, Liobn, 1)));
        Assert.Equal(Errno.None, Run(host, new BindGroupToLiobn(Vm, Liobn, 1)));

        var rig = Rig.Kvm();
        var hw = Hw.Table(12, 0, rig.Geometry.Size);
        rig.Table.Link(new HardwareLink(hw, "c0", 0, 1));
        rig.Table.Link(new HardwareLink(hw, "c0", 0, 1));
        Assert.Equal(2, Assert.Single(rig.Table.Links).References);
        rig.Table.Unlink("c0", 0);
        Assert.Equal(1, Assert.Single(rig.Table.Links).References);
        rig.Table.Unlink("c0", 0);
        Assert.Empty(rig.Table.Links);
    }
}
