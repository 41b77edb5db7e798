using Fabric.Host;
using Fabric.Messages;
using Fabric.Vfio;

namespace Fabric.Tests.Conformance;

/// <summary>
/// shared/spec/vfio-iommufd.md section 1 (drivers/vfio/vfio.c): each errno path of the group
/// and container ioctls and of the external user API, as HostTopology decides it, with the
/// smallest fixture that reaches it.
/// </summary>
public sealed class VfioConformance
{
    private const ulong Gib = 1UL << 30;
    private static readonly HardwareWindow Window4K = new(0, 12, 0, Gib >> 12);

    private static SetupResult Run(HostTopology host, IHostCommand command) => Decided.Run(host, command);

    private static void Ok(HostTopology host, IHostCommand command) => Assert.Equal(Messages.Errno.None, Run(host, command).Error);

    private static Messages.Errno Errno(HostTopology host, IHostCommand command) => Run(host, command).Error;

    /// <summary>PEs 1 and 2 (IODA2), 3 (IODA1), 4 (no-IOMMU); device d1 (vfio-pci) in group 1, d2 (a host driver) in group 2.</summary>
    private static HostTopology Host()
    {
        var host = new HostTopology("h0");
        Ok(host, new AddHostPe(1, 0));
        Ok(host, new AddHostPe(2, 0));
        Ok(host, new AddHostPe(3, 0, PeIommu.Ioda1));
        Ok(host, new AddHostPe(4, 0, PeIommu.None));
        Ok(host, new AddPciDevice(1, "d1", AddPciDevice.VfioPci));
        Ok(host, new AddPciDevice(2, "d2", "nvme"));
        return host;
    }

    /// <summary>Group 1 open and set in container c0, which is open; with the sPAPR TCE v2 driver if asked.</summary>
    private static HostTopology GroupInContainer(bool iommu)
    {
        var host = Host();
        Ok(host, new OpenVfioGroup(1));
        Ok(host, new OpenVfioContainer("c0"));
        Ok(host, new SetGroupContainer(1, FdArgument.OfContainer("c0")));
        if (iommu) Ok(host, new SetIommu("c0", SetIommu.SpaprTceV2, [Window4K]));
        return host;
    }

    // ---- open -----------------------------------------------------------------------------------

    [Fact]
    public void open_gives_the_lowest_free_fd_from_3()
    {
        var host = Host();
        Assert.Equal(3, Run(host, new OpenVfioGroup(1)).Value);
        Assert.Equal(4, Run(host, new OpenVfioContainer("c0")).Value);
        Ok(host, new CloseVfioFd(FdArgument.Raw(3)));
        Assert.Equal(3, Run(host, new OpenVfioGroup(2)).Value);
    }

    [Fact]
    public void open_of_a_group_the_host_does_not_have_is_enoent() =>
        Assert.Equal(Messages.Errno.ENOENT, Errno(Host(), new OpenVfioGroup(9)));

    [Fact]
    public void second_open_of_a_group_is_ebusy()
    {
        var host = Host();
        Ok(host, new OpenVfioGroup(1));
        Assert.Equal(Messages.Errno.EBUSY, Errno(host, new OpenVfioGroup(1)));
    }

    [Fact]
    public void open_of_a_group_still_in_a_container_from_a_previous_open_is_ebusy()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new GetExternalUser(FdArgument.OfGroup(1)));
        Ok(host, new CloseVfioFd(FdArgument.OfGroup(1)));
        Assert.Equal(Messages.Errno.EBUSY, Errno(host, new OpenVfioGroup(1)));
    }

    [Fact]
    public void close_of_an_fd_that_is_not_open_is_ebadf() =>
        Assert.Equal(Messages.Errno.EBADF, Errno(Host(), new CloseVfioFd(FdArgument.Raw(42))));

    // ---- VFIO_GROUP_SET_CONTAINER, in the kernel's order ---------------------------------------------

    [Fact]
    public void set_container_with_a_negative_fd_is_einval()
    {
        var host = Host();
        Ok(host, new OpenVfioGroup(1));
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new SetGroupContainer(1, FdArgument.Raw(-1))));
    }

    [Fact]
    public void set_container_checks_the_fd_sign_before_the_group_users()
    {
        var host = GroupInContainer(iommu: false);
        var result = Run(host, new SetGroupContainer(1, FdArgument.Raw(-1)));
        Assert.Equal((Messages.Errno.EINVAL, "fd -1 is negative"), (result.Error, result.Detail));
    }

    [Fact]
    public void set_container_of_a_group_that_already_has_users_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(GroupInContainer(iommu: false), new SetGroupContainer(1, FdArgument.OfContainer("c0"))));

    [Fact]
    public void set_container_checks_the_group_users_before_the_fd()
    {
        var host = GroupInContainer(iommu: false);
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new SetGroupContainer(1, FdArgument.Raw(42))));
    }

    [Fact]
    public void set_container_with_a_bad_fd_is_ebadf()
    {
        var host = Host();
        Ok(host, new OpenVfioGroup(1));
        Assert.Equal(Messages.Errno.EBADF, Errno(host, new SetGroupContainer(1, FdArgument.Raw(42))));
    }

    [Fact]
    public void set_container_with_an_fd_that_is_not_a_container_is_einval()
    {
        var host = Host();
        Ok(host, new OpenVfioGroup(1));
        Ok(host, new OpenVfioGroup(2));
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new SetGroupContainer(1, FdArgument.OfGroup(2))));
    }

    [Fact]
    public void set_container_mixing_no_iommu_and_iommu_groups_is_eperm()
    {
        var host = GroupInContainer(iommu: false);
        Ok(host, new OpenVfioGroup(4));
        Assert.Equal(Messages.Errno.EPERM, Errno(host, new SetGroupContainer(4, FdArgument.OfContainer("c0"))));
    }

    [Fact]
    public void set_container_with_a_driver_attaches_and_an_incompatible_group_is_eperm()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new OpenVfioGroup(3));
        Assert.Equal(Messages.Errno.EPERM, Errno(host, new SetGroupContainer(3, FdArgument.OfContainer("c0"))));
    }

    [Fact]
    public void set_container_without_a_driver_defers_the_attach_checks()
    {
        var host = GroupInContainer(iommu: false);
        Ok(host, new OpenVfioGroup(3));
        Ok(host, new SetGroupContainer(3, FdArgument.OfContainer("c0")));
    }

    [Fact]
    public void attach_of_a_group_already_attached_is_ebusy()
    {
        // tce_iommu_attach_group's first check; VFIO never gets there with a group already in the
        // container (its users are checked first), so the driver's rule is tested on its own.
        var group = new VfioGroup(1, PeIommu.Ioda2);
        Assert.Equal(Messages.Errno.EBUSY, SpaprTceIommu.AttachGroup([group], group)!.Error);
    }

    [Fact]
    public void attach_of_a_group_that_builds_its_tables_differently_is_eperm() =>
        Assert.Equal(Messages.Errno.EPERM, SpaprTceIommu.AttachGroup([new VfioGroup(1, PeIommu.Ioda2)], new VfioGroup(3, PeIommu.Ioda1))!.Error);

    [Fact]
    public void set_container_of_a_group_that_is_not_open_is_ebadf() =>
        Assert.Equal(Messages.Errno.EBADF, Errno(Host(), new SetGroupContainer(1, FdArgument.OfContainer("c0"))));

    // ---- VFIO_GROUP_UNSET_CONTAINER -------------------------------------------------------------------

    [Fact]
    public void unset_container_of_a_group_in_no_container_is_einval()
    {
        var host = Host();
        Ok(host, new OpenVfioGroup(1));
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new UnsetGroupContainer(1)));
    }

    [Fact]
    public void unset_container_with_an_open_device_fd_is_ebusy()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new GetDeviceFd(1, "d1"));
        Assert.Equal(Messages.Errno.EBUSY, Errno(host, new UnsetGroupContainer(1)));
    }

    [Fact]
    public void unset_container_with_an_external_user_is_ebusy()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new GetExternalUser(FdArgument.OfGroup(1)));
        Assert.Equal(Messages.Errno.EBUSY, Errno(host, new UnsetGroupContainer(1)));
    }

    [Fact]
    public void the_last_group_leaving_releases_the_iommu_driver()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new UnsetGroupContainer(1));
        Assert.False(host.Containers["c0"].HasDriver);
        Assert.Empty(host.Containers["c0"].Windows);
        Ok(host, new SetGroupContainer(1, FdArgument.OfContainer("c0")));
        Ok(host, new SetIommu("c0", SetIommu.SpaprTceV2, [Window4K]));
    }

    [Fact]
    public void a_group_leaving_a_container_with_others_keeps_the_driver()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new OpenVfioGroup(2));
        Ok(host, new SetGroupContainer(2, FdArgument.OfContainer("c0")));
        Ok(host, new UnsetGroupContainer(1));
        Assert.True(host.Containers["c0"].HasDriver);
        Assert.Equal([2], host.Containers["c0"].Groups);
    }

    // ---- VFIO_SET_IOMMU --------------------------------------------------------------------------------

    [Fact]
    public void set_iommu_on_a_container_with_no_groups_is_einval()
    {
        var host = Host();
        Ok(host, new OpenVfioContainer("c0"));
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new SetIommu("c0", SetIommu.SpaprTceV2, [Window4K])));
    }

    [Fact]
    public void set_iommu_twice_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(GroupInContainer(iommu: true), new SetIommu("c0", SetIommu.SpaprTceV2, [Window4K])));

    [Theory]
    [InlineData(1)]   // Type1: not on POWER
    [InlineData(2)]   // sPAPR TCE v1: not modelled
    [InlineData(8)]   // no-IOMMU, for a container of IOMMU groups
    public void set_iommu_with_no_matching_driver_is_enodev(int type) =>
        Assert.Equal(Messages.Errno.ENODEV, Errno(GroupInContainer(iommu: false), new SetIommu("c0", type, [Window4K])));

    [Fact]
    public void set_iommu_spapr_on_a_no_iommu_container_is_enodev()
    {
        var host = Host();
        Ok(host, new OpenVfioGroup(4));
        Ok(host, new OpenVfioContainer("c4"));
        Ok(host, new SetGroupContainer(4, FdArgument.OfContainer("c4")));
        Assert.Equal(Messages.Errno.ENODEV, Errno(host, new SetIommu("c4", SetIommu.SpaprTceV2, [Window4K])));
        Ok(host, new SetIommu("c4", SetIommu.NoIommu, []));
    }

    [Fact]
    public void set_iommu_attaching_incompatible_groups_is_eperm()
    {
        var host = GroupInContainer(iommu: false);
        Ok(host, new OpenVfioGroup(3));
        Ok(host, new SetGroupContainer(3, FdArgument.OfContainer("c0")));
        Assert.Equal(Messages.Errno.EPERM, Errno(host, new SetIommu("c0", SetIommu.SpaprTceV2, [Window4K])));
        Assert.False(host.Containers["c0"].HasDriver);
    }

    [Fact]
    public void set_iommu_with_an_invalid_window_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(GroupInContainer(iommu: false), new SetIommu("c0", SetIommu.SpaprTceV2, [Window4K with { PageShift = 11 }])));

    [Fact]
    public void set_iommu_on_a_closed_container_is_ebadf()
    {
        var host = GroupInContainer(iommu: false);
        Ok(host, new CloseVfioFd(FdArgument.OfContainer("c0")));
        Assert.Equal(Messages.Errno.EBADF, Errno(host, new SetIommu("c0", SetIommu.SpaprTceV2, [Window4K])));
    }

    // ---- VFIO_GROUP_GET_DEVICE_FD -------------------------------------------------------------------------

    [Fact]
    public void get_device_fd_of_a_group_in_no_container_is_einval()
    {
        var host = Host();
        Ok(host, new OpenVfioGroup(1));
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new GetDeviceFd(1, "d1")));
    }

    [Fact]
    public void get_device_fd_without_an_iommu_driver_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(GroupInContainer(iommu: false), new GetDeviceFd(1, "d1")));

    [Fact]
    public void get_device_fd_of_a_group_that_is_not_viable_is_einval()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new AddPciDevice(1, "d1b", "e1000e"));
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new GetDeviceFd(1, "d1")));
    }

    [Fact]
    public void get_device_fd_of_a_device_the_group_does_not_have_is_enodev() =>
        Assert.Equal(Messages.Errno.ENODEV, Errno(GroupInContainer(iommu: true), new GetDeviceFd(1, "d9")));

    [Fact]
    public void get_device_fd_answers_an_fd_and_adds_a_container_user()
    {
        var host = GroupInContainer(iommu: true);
        var result = Run(host, new GetDeviceFd(1, "d1"));
        Assert.Equal(5, result.Value);
        Assert.Equal(2, host.Pes[1].Vfio.ContainerUsers);
    }

    // ---- External users (seed 002) ------------------------------------------------------------------------

    [Fact]
    public void external_user_of_a_bad_fd_is_ebadf() =>
        Assert.Equal(Messages.Errno.EBADF, Errno(GroupInContainer(iommu: true), new GetExternalUser(FdArgument.Raw(42))));

    [Fact]
    public void external_user_of_a_file_that_is_not_a_group_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(GroupInContainer(iommu: true), new GetExternalUser(FdArgument.OfContainer("c0"))));

    [Fact]
    public void external_user_of_a_group_with_no_container_users_is_einval()
    {
        var host = Host();
        Ok(host, new OpenVfioGroup(1));
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new GetExternalUser(FdArgument.OfGroup(1))));
    }

    [Fact]
    public void external_user_of_a_no_iommu_group_is_eperm()
    {
        var host = Host();
        Ok(host, new OpenVfioGroup(4));
        Ok(host, new OpenVfioContainer("c4"));
        Ok(host, new SetGroupContainer(4, FdArgument.OfContainer("c4")));
        Ok(host, new SetIommu("c4", SetIommu.NoIommu, []));
        Assert.Equal(Messages.Errno.EPERM, Errno(host, new GetExternalUser(FdArgument.OfGroup(4))));
    }

    [Fact]
    public void external_user_without_an_iommu_driver_is_einval_and_gives_the_user_back()
    {
        var host = GroupInContainer(iommu: false);
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new GetExternalUser(FdArgument.OfGroup(1))));
        Assert.Equal(1, host.Pes[1].Vfio.ContainerUsers);
    }

    [Fact]
    public void external_user_of_a_group_that_is_not_viable_is_einval()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new AddPciDevice(1, "d1b", "e1000e"));
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new GetExternalUser(FdArgument.OfGroup(1))));
    }

    [Fact]
    public void external_user_adds_a_container_user_and_put_takes_it_back()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new GetExternalUser(FdArgument.OfGroup(1)));
        Assert.Equal(2, host.Pes[1].Vfio.ContainerUsers);
        Ok(host, new PutExternalUser(1));
        Assert.Equal(1, host.Pes[1].Vfio.ContainerUsers);
        Assert.Equal("c0", host.Pes[1].Container);
    }

    [Fact]
    public void external_user_iommu_id_is_the_group_id()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new GetExternalUser(FdArgument.OfGroup(1)));
        Assert.Equal(1, Run(host, new ExternalUserIommuId(1)).Value);
    }

    [Fact]
    public void put_or_iommu_id_without_an_external_user_is_einval()
    {
        var host = GroupInContainer(iommu: true);
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new PutExternalUser(1)));
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new ExternalUserIommuId(1)));
    }

    [Fact]
    public void an_external_user_keeps_the_container_after_every_fd_is_closed_until_put()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new GetExternalUser(FdArgument.OfGroup(1)));
        Ok(host, new CloseVfioFd(FdArgument.OfGroup(1)));
        Ok(host, new CloseVfioFd(FdArgument.OfContainer("c0")));
        Assert.True(host.Containers["c0"].HasDriver);
        Assert.Equal([1], host.Containers["c0"].Groups);

        Ok(host, new PutExternalUser(1));
        Assert.False(host.Containers.ContainsKey("c0"));
        Assert.Null(host.Pes[1].Container);
    }

    [Fact]
    public void closing_the_only_group_fd_dissolves_its_container_membership()
    {
        var host = GroupInContainer(iommu: true);
        Ok(host, new CloseVfioFd(FdArgument.OfGroup(1)));
        Assert.Null(host.Pes[1].Container);
        Assert.False(host.Containers["c0"].HasDriver);
    }

    [Fact]
    public void a_bound_group_is_held_by_kvm_and_cannot_be_unset()
    {
        var host = new HostTopology("h0");
        Ok(host, new CreateVm("g", 2 * Gib, 1));
        Ok(host, new CreateTceTable("g", 0x1, 12, 0, Gib >> 12, 0));
        Ok(host, new AddHostPe(1, 0));
        Ok(host, new CreateContainer("c0", [1], [Window4K]));
        Ok(host, new BindGroupToLiobn("g", 0x1, 1));
        Assert.True(host.Pes[1].Vfio.HeldByKvm);
        Assert.Equal(Messages.Errno.EBUSY, Errno(host, new UnsetGroupContainer(1)));
    }

    // ---- The `container` shorthand ----------------------------------------------------------------------

    [Fact]
    public void the_container_shorthand_opens_sets_and_gives_the_spapr_v2_driver()
    {
        var host = Host();
        Ok(host, new CreateContainer("c0", [1, 2], [Window4K]));
        var c0 = host.Containers["c0"];
        Assert.Equal((SetIommu.SpaprTceV2, 5), (c0.IommuType!.Value, c0.Fd!.Value));
        Assert.Equal([3, 4], new[] { host.Pes[1].Vfio.Fd!.Value, host.Pes[2].Vfio.Fd!.Value });
        Assert.Equal(1, host.Pes[1].Vfio.ContainerUsers);
    }

    [Fact]
    public void the_container_shorthand_refuses_a_group_that_is_open_as_a_second_open_is()
    {
        var host = Host();
        Ok(host, new OpenVfioGroup(1));
        Assert.Equal(Messages.Errno.EBUSY, Errno(host, new CreateContainer("c0", [1], [Window4K])));
    }
}
