using Fabric.Host;
using Fabric.Messages;
using Fabric.Tests.Support;
using Fabric.Vfio;

namespace Fabric.Tests.Conformance;

/// <summary>
/// VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and VFIO_DEVICE_PCI_HOT_RESET (vfio_pci_core.c, the
/// group-fd form): each errno path, and the ownership check over the group fds.
/// </summary>
public sealed class VfioHotResetConformance
{
    private const ulong Gib = 1UL << 30;
    private static readonly HardwareWindow Window4K = new(0, 12, 0, Gib >> 12);

    /// <summary>
    /// Bus 1 holds d1 (group 1, in c1) and d2 (group 2, in c2): two guests' devices, each group
    /// in its own container. d3 (group 3) is on no bus. Fds: group 1 is 3, c1 4, group 2 5, c2 6,
    /// group 3 7, c3 8, then the device fds d1 9, d2 10, d3 11.
    /// </summary>
    private static HostTopology Host()
    {
        var host = new HostTopology("h0");
        foreach (var (group, bus) in new[] { (1, "0000:01"), (2, "0000:01"), (3, null) })
        {
            host.Ok(new AddHostPe(group, 0));
            host.Ok(new AddPciDevice(group, $"d{group}", AddPciDevice.VfioPci, bus));
            host.Ok(new OpenVfioGroup(group));
            host.Ok(new OpenVfioContainer($"c{group}"));
            host.Ok(new SetGroupContainer(group, FdArgument.OfContainer($"c{group}")));
            host.Ok(new SetIommu($"c{group}", SetIommu.SpaprTceV2, [Window4K]));
        }
        foreach (var group in new[] { 1, 2, 3 }) host.Ok(new GetDeviceFd(group, $"d{group}"));
        return host;
    }

    private const int D1 = 9, D2 = 10, D3 = 11, Group1 = 3, Container1 = 4, Group2 = 5;

    private static PciHotResetInfo Info(HostTopology host, int fd, uint argsz = 64) => VfioHotReset.Info(host, new GetPciHotResetInfo(fd, argsz));

    private static PciHotReset Reset(int fd, params int[] groupFds) => new(fd, groupFds, 0, PciHotReset.ArgszFor(groupFds.Length));

    // ---- VFIO_DEVICE_GET_PCI_HOT_RESET_INFO ------------------------------------------------------------

    [Fact]
    public void info_on_an_fd_that_is_not_open_is_ebadf() => Assert.Equal(Errno.EBADF, Info(Host(), 42).Result.Error);

    [Fact]
    public void info_on_a_group_fd_is_enotty() => Assert.Equal(Errno.ENOTTY, Info(Host(), Group1).Result.Error);

    [Fact]
    public void info_with_argsz_below_12_is_einval() => Assert.Equal(Errno.EINVAL, Info(Host(), D1, 11).Result.Error);

    [Fact]
    public void info_of_a_device_on_no_bus_is_enodev() => Assert.Equal(Errno.ENODEV, Info(Host(), D3).Result.Error);

    [Theory]
    [InlineData(12u)]
    [InlineData(27u)]   // room for one device and a half
    public void info_with_room_for_too_few_devices_is_enospc_with_the_count(uint argsz)
    {
        var info = Info(Host(), D1, argsz);
        Assert.Equal((Errno.ENOSPC, 2u), (info.Result.Error, info.Count));
        Assert.Empty(info.Devices);
    }

    [Fact]
    public void info_lists_every_device_on_the_bus_with_its_group()
    {
        var info = Info(Host(), D1, 28);
        Assert.True(info.Result.Succeeded);
        Assert.Equal([new PciDependentDevice(1, "0000:01", "d1"), new PciDependentDevice(2, "0000:01", "d2")], info.Devices);
    }

    [Fact]
    public void a_device_with_no_iommu_group_cannot_be_reset_eperm()
    {
        // Every device Fabric knows is behind a PE, so vfio_pci_fill_devs' rule is tested alone.
        Assert.Equal(Errno.EPERM, VfioHotReset.DeviceHasAnIommuGroup(null, "bridge")!.Error);
        Assert.Null(VfioHotReset.DeviceHasAnIommuGroup(1, "d1"));
    }

    // ---- VFIO_DEVICE_PCI_HOT_RESET, in the kernel's order --------------------------------------------------

    [Fact]
    public void reset_on_an_fd_that_is_not_open_is_ebadf() => Assert.Equal(Errno.EBADF, Host().Errno(Reset(42, Group1, Group2)));

    [Fact]
    public void reset_with_argsz_below_12_is_einval() =>
        Assert.Equal(Errno.EINVAL, Host().Errno(Reset(D1, Group1, Group2) with { Argsz = 11 }));

    [Fact]
    public void reset_with_flags_is_einval() =>
        Assert.Equal(Errno.EINVAL, Host().Errno(Reset(D1, Group1, Group2) with { Flags = 1 }));

    [Fact]
    public void reset_of_a_device_on_no_bus_is_enodev() => Assert.Equal(Errno.ENODEV, Host().Errno(Reset(D3, 7)));

    [Fact]
    public void reset_with_no_group_fds_is_einval() => Assert.Equal(Errno.EINVAL, Host().Errno(Reset(D1)));

    [Fact]
    public void reset_with_more_group_fds_than_devices_on_the_bus_is_einval() =>
        Assert.Equal(Errno.EINVAL, Host().Errno(Reset(D1, Group1, Group2, 7)));

    [Fact]
    public void reset_checks_the_count_before_the_fds() =>
        Assert.Equal(Errno.EINVAL, Host().Errno(Reset(D1, 42, 43, 44)));

    [Fact]
    public void reset_with_a_group_fd_that_is_not_open_is_ebadf() => Assert.Equal(Errno.EBADF, Host().Errno(Reset(D1, 42)));

    [Fact]
    public void reset_with_a_container_fd_for_a_group_fd_is_einval() => Assert.Equal(Errno.EINVAL, Host().Errno(Reset(D1, Container1)));

    [Fact]
    public void reset_with_a_group_in_no_container_is_einval()
    {
        var host = Host();
        host.Ok(new AddHostPe(5, 0));
        var fd = (int)host.Ok(new OpenVfioGroup(5)).Value;
        Assert.Equal(Errno.EINVAL, host.Errno(Reset(D1, fd)));
    }

    /// <summary>Group 5 of that kind open and set in a new container with no IOMMU driver: the fixture and the group's fd.</summary>
    private static (HostTopology Host, int Fd) GroupWithoutDriver(PeIommu iommu)
    {
        var host = Host();
        host.Ok(new AddHostPe(5, 0, iommu));
        var fd = (int)host.Ok(new OpenVfioGroup(5)).Value;
        host.Ok(new OpenVfioContainer("c5"));
        host.Ok(new SetGroupContainer(5, FdArgument.OfContainer("c5")));
        return (host, fd);
    }

    [Fact]
    public void reset_with_a_no_iommu_group_is_eperm()
    {
        var (host, fd) = GroupWithoutDriver(PeIommu.None);
        Assert.Equal(Errno.EPERM, host.Errno(Reset(D1, fd)));
    }

    [Fact]
    public void reset_with_a_group_whose_container_has_no_iommu_driver_is_einval()
    {
        var (host, fd) = GroupWithoutDriver(PeIommu.Ioda2);
        Assert.Equal(Errno.EINVAL, host.Errno(Reset(D1, fd)));
    }

    [Fact]
    public void reset_of_a_bus_shared_by_two_guests_is_refused_to_a_caller_that_owns_only_one()
    {
        var host = Host();
        var refused = host.Run(Reset(D1, Group1));
        Assert.Equal(Errno.EINVAL, refused.Error);
        Assert.Contains("d2", refused.Detail);
        Assert.Equal(Errno.EINVAL, host.Errno(Reset(D2, Group2)));
    }

    [Fact]
    public void reset_with_every_group_of_the_bus_resets_every_device_on_it()
    {
        var (result, events) = Host().Decide(Reset(D2, Group2, Group1));
        Assert.True(result.Succeeded);
        var reset = Assert.IsType<PciBusReset>(Assert.Single(events));
        Assert.Equal("0000:01", reset.Bus);
        Assert.Equal(["d1", "d2"], reset.Devices);
    }

    [Fact]
    public void the_group_fds_are_given_back_after_the_reset()
    {
        var host = Host();
        host.Ok(Reset(D1, Group1, Group2));
        Assert.Equal(0, host.Pes[1].Vfio.ExternalUsers);
        host.Ok(new CloseVfioFd(FdArgument.Raw(D1)));
        host.Ok(new UnsetGroupContainer(1));
    }
}
