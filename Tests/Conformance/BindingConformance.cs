using Akka.Configuration;
using Fabric.Host;
using Fabric.Kvm;
using Fabric.Messages;

namespace Fabric.Tests.Conformance;

/// <summary>
/// The two LIOBN binding designs of seed 000 (shared/spec/papr-tce.md section 2), as
/// HostTopology decides them: the KVM-VFIO device's attributes (virt/kvm/vfio.c,
/// kvm_spapr_tce_attach_iommu_group / release_iommu_group) and KVM_SPAPR_TCE_BIND_VFIO with
/// its unbind. One test per errno path, with the smallest fixture that reaches it.
/// </summary>
public sealed class BindingConformance
{
    private const ulong Gib = 1UL << 30;
    private const ulong Liobn = 0x1;
    private static readonly HardwareWindow Window4K = new(0, 12, 0, Gib >> 12);

    private static SetupResult Run(HostTopology host, IHostCommand command) => Decided.Run(host, command);

    private static void Ok(HostTopology host, IHostCommand command)
    {
        var result = Run(host, command);
        Assert.True(result.Succeeded, $"{command}: {result.Error} {result.Detail}");
    }

    private static Errno Errno(HostTopology host, IHostCommand command) => Run(host, command).Error;

    /// <summary>
    /// VM g of the design with a 1 GiB KVM table at LIOBN 1, a QEMU-only window (PHB 1) and a
    /// 2 GiB KVM table at LIOBN 3; groups 1 and 2 in container c0 (fds 3, 4; c0 is fd 5), with
    /// the sPAPR TCE v2 driver and a 1 GiB window of 4K pages at bus 0.
    /// </summary>
    private static HostTopology Host(LiobnBinding design)
    {
        var host = new HostTopology("h0");
        Ok(host, new CreateVm("g", 2 * Gib, 1, design));
        Ok(host, new CreateTceTable("g", Liobn, 12, 0, Gib >> 12, 0));
        Ok(host, new CreateTceTable("g", 0x3, 12, 0, 2 * Gib >> 12, 0));
        Ok(host, new AddPhb("g", 1, true, AddPhb.DefaultPageSizeMask, Gib, AddPhb.DefaultDma64WindowAddress));
        Ok(host, new AddHostPe(1, 0));
        Ok(host, new AddHostPe(2, 0));
        Ok(host, new CreateContainer("c0", [1, 2], [Window4K]));
        return host;
    }

    private static FdArgument G(int group) => FdArgument.OfGroup(group);
    private static readonly FdArgument C0 = FdArgument.OfContainer("c0");

    /// <summary>The group design with group 1 in the KVM-VFIO device.</summary>
    private static HostTopology GroupAdded()
    {
        var host = Host(LiobnBinding.Group);
        Ok(host, new KvmVfioGroupAdd("g", G(1)));
        return host;
    }

    // ---- the design is the VM's --------------------------------------------------------------------

    [Fact]
    public void a_vm_without_a_design_gets_the_hosts_default_and_journals_it_unless_it_is_the_group_design()
    {
        var host = new HostTopology("h0", LiobnBinding.Container);
        var (_, events) = host.Decide(new CreateVm("g", Gib, 1));
        Assert.Contains(new VmBindingChosen("h0", "g", LiobnBinding.Container), events);
        var (_, group) = host.Decide(new CreateVm("h", Gib, 1, LiobnBinding.Group));
        Assert.DoesNotContain(group, e => e is VmBindingChosen);
        Assert.Equal(LiobnBinding.Group, LiobnBindings.DeviceOf(host, "h").Design);
    }

    [Theory]
    [InlineData(LiobnBinding.Group, KvmCap.SpaprTceVfio, 1)]
    [InlineData(LiobnBinding.Group, KvmCap.SpaprTceBindVfio, 0)]
    [InlineData(LiobnBinding.Container, KvmCap.SpaprTceVfio, 0)]
    [InlineData(LiobnBinding.Container, KvmCap.SpaprTceBindVfio, 1)]
    [InlineData(LiobnBinding.Container, KvmCap.SpaprTce64, 1)]
    [InlineData(LiobnBinding.Group, 9999, 0)]
    public void check_extension_advertises_only_the_vms_own_design(LiobnBinding design, int cap, long expected) =>
        Assert.Equal(expected, Run(Host(design), new CheckExtension("g", cap)).Value);

    [Fact]
    public void bind_vfio_on_a_group_design_vm_is_an_unknown_vm_ioctl() =>
        Assert.Equal(Messages.Errno.ENOTTY, Errno(Host(LiobnBinding.Group), new BindVfioContainer("g", Liobn, C0)));

    [Fact]
    public void unbind_vfio_on_a_group_design_vm_is_an_unknown_vm_ioctl() =>
        Assert.Equal(Messages.Errno.ENOTTY, Errno(Host(LiobnBinding.Group), new UnbindVfioContainer("g", Liobn, C0)));

    [Fact]
    public void set_spapr_tce_on_a_container_design_vm_is_an_unknown_device_attribute() =>
        Assert.Equal(Messages.Errno.ENXIO, Errno(Host(LiobnBinding.Container), new SetSpaprTce("g", G(1), Liobn)));

    [Fact]
    public void set_spapr_tce_liobn_on_a_container_design_vm_is_an_unknown_device_attribute() =>
        Assert.Equal(Messages.Errno.ENXIO, Errno(Host(LiobnBinding.Container), new SetSpaprTceLiobn("g", 24, G(1), Liobn, 0)));

    /// <summary>
    /// `bind` is what QEMU does in the VM's design: in the container design it binds the group's
    /// container, once; the second group of that container is covered already. So a trace, or a
    /// recorded journal re-run with --against, runs in either design.
    /// </summary>
    [Fact]
    public void the_bind_shorthand_on_a_container_design_vm_binds_the_groups_container_once()
    {
        var host = Host(LiobnBinding.Container);
        var (first, events) = host.Decide(new BindGroupToLiobn("g", Liobn, 1));
        Assert.Equal(SetupResult.Ok, first);
        Assert.Contains(events, e => e is ContainerBound { Container: "c0", Liobn: Liobn });
        foreach (var e in events) host.Apply(e);

        var (second, more) = host.Decide(new BindGroupToLiobn("g", Liobn, 2));
        Assert.Equal((SetupResult.Ok, 0), (second, more.Length));
        // The container-design ioctl itself still says the LIOBN is bound already.
        Assert.Equal(Messages.Errno.EEXIST, Errno(host, new BindVfioContainer("g", Liobn, C0)));
    }

    [Fact]
    public void the_bind_shorthand_on_a_container_design_vm_needs_the_group_in_a_container()
    {
        var host = Host(LiobnBinding.Container);
        Ok(host, new AddHostPe(7, 0));
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new BindGroupToLiobn("g", Liobn, 7)));
        Assert.Equal(Messages.Errno.ENOENT, Errno(host, new BindGroupToLiobn("g", Liobn, 9)));
    }

    [Fact]
    public void a_call_for_a_vm_the_host_does_not_have_is_enoent() =>
        Assert.Equal(Messages.Errno.ENOENT, Errno(Host(LiobnBinding.Group), new CheckExtension("nope", KvmCap.SpaprTceVfio)));

    [Fact]
    public void the_config_key_reads_both_designs_and_refuses_anything_else()
    {
        Assert.Equal(LiobnBinding.Container, LiobnBindingConfig.From(ConfigurationFactory.ParseString("fabric.kvm.liobn-binding = container")));
        Assert.Equal(LiobnBinding.Group, LiobnBindingConfig.From(Config.Empty));
        Assert.Throws<ConfigurationException>(() => LiobnBindingConfig.Parse("pe"));
    }

    // ---- KVM_DEV_VFIO_GROUP_ADD / DEL -----------------------------------------------------------------

    [Fact]
    public void group_add_of_a_closed_fd_is_ebadf() =>
        Assert.Equal(Messages.Errno.EBADF, Errno(Host(LiobnBinding.Group), new KvmVfioGroupAdd("g", FdArgument.Raw(42))));

    [Fact]
    public void group_add_of_a_container_fd_is_einval_from_the_external_user() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(Host(LiobnBinding.Group), new KvmVfioGroupAdd("g", C0)));

    [Fact]
    public void group_add_twice_is_eexist() =>
        Assert.Equal(Messages.Errno.EEXIST, Errno(GroupAdded(), new KvmVfioGroupAdd("g", G(1))));

    [Fact]
    public void group_add_of_a_group_another_vms_device_holds_is_ebusy()
    {
        var host = GroupAdded();
        Ok(host, new CreateVm("h", Gib, 1, LiobnBinding.Group));
        Assert.Equal(Messages.Errno.EBUSY, Errno(host, new KvmVfioGroupAdd("h", G(1))));
    }

    [Fact]
    public void group_add_takes_a_container_user_so_the_group_cannot_leave()
    {
        var host = GroupAdded();
        Assert.Equal(2, host.Pes[1].Vfio.ContainerUsers);
        Assert.Equal(Messages.Errno.EBUSY, Errno(host, new UnsetGroupContainer(1)));
    }

    [Fact]
    public void group_del_of_a_closed_fd_is_ebadf() =>
        Assert.Equal(Messages.Errno.EBADF, Errno(GroupAdded(), new KvmVfioGroupDel("g", FdArgument.Raw(42))));

    [Fact]
    public void group_del_of_a_group_not_in_the_device_is_enoent() =>
        Assert.Equal(Messages.Errno.ENOENT, Errno(GroupAdded(), new KvmVfioGroupDel("g", G(2))));

    [Fact]
    public void group_del_gives_back_the_container_user()
    {
        var host = GroupAdded();
        Ok(host, new KvmVfioGroupDel("g", G(1)));
        Assert.Equal(1, host.Pes[1].Vfio.ContainerUsers);
        Ok(host, new UnsetGroupContainer(1));
    }

    // ---- KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE ---------------------------------------------------------------

    [Fact]
    public void set_spapr_tce_with_a_closed_group_fd_is_ebadf() =>
        Assert.Equal(Messages.Errno.EBADF, Errno(GroupAdded(), new SetSpaprTce("g", FdArgument.Raw(42), Liobn)));

    [Fact]
    public void set_spapr_tce_of_a_group_not_added_to_the_device_is_enoent() =>
        Assert.Equal(Messages.Errno.ENOENT, Errno(GroupAdded(), new SetSpaprTce("g", G(2), Liobn)));

    [Fact]
    public void set_spapr_tce_with_no_table_for_the_liobn_is_ebadf() =>
        Assert.Equal(Messages.Errno.EBADF, Errno(GroupAdded(), new SetSpaprTce("g", G(1), 0x9)));

    [Fact]
    public void set_spapr_tce_with_a_table_only_qemu_has_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(GroupAdded(), new SetSpaprTce("g", G(1), AddPhb.Liobn(1, 0))));

    [Fact]
    public void set_spapr_tce_with_no_compatible_hardware_table_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(GroupAdded(), new SetSpaprTce("g", G(1), 0x3)));

    [Fact]
    public void set_spapr_tce_on_a_container_another_vm_uses_is_ebusy()
    {
        var host = GroupAdded();
        Ok(host, new SetSpaprTce("g", G(1), Liobn));
        Ok(host, new CreateVm("h", 2 * Gib, 1, LiobnBinding.Group));
        Ok(host, new CreateTceTable("h", Liobn, 12, 0, Gib >> 12, 0));
        Ok(host, new KvmVfioGroupDel("g", G(1)));
        Ok(host, new KvmVfioGroupAdd("h", G(2)));
        Assert.Equal(Messages.Errno.EBUSY, Errno(host, new SetSpaprTce("h", G(2), Liobn)));
    }

    [Fact]
    public void set_spapr_tce_links_the_first_compatible_table_and_a_second_call_takes_a_reference()
    {
        var host = GroupAdded();
        Ok(host, new SetSpaprTce("g", G(1), Liobn));
        Ok(host, new SetSpaprTce("g", G(1), Liobn));
        var key = new LinkKey(Liobn, "c0", 0);
        Assert.Equal(2, host.KvmVfio["g"].References(key));
        Assert.Equal("g", host.Pes[2].Owner); // the whole container is the guest's
    }

    [Fact]
    public void group_del_puts_one_reference_per_link_and_the_last_one_unlinks_while_other_groups_keep_the_table()
    {
        var host = GroupAdded();
        Ok(host, new SetSpaprTce("g", G(1), Liobn));
        var (result, events) = host.Decide(new KvmVfioGroupDel("g", G(1)));
        Assert.True(result.Succeeded);
        Assert.Contains(new LiobnUnlinked("h0", "g", Liobn, "c0", 0, ClearHardware: false), events);
        foreach (var e in events) host.Apply(e);
        Assert.Empty(host.KvmVfio["g"].Links);
        Assert.Contains(2, host.Containers["c0"].Groups); // seed 000: group 2 still uses the table nothing writes
    }

    [Fact]
    public void group_del_of_a_group_that_never_set_a_table_releases_no_link()
    {
        var host = GroupAdded();
        Ok(host, new SetSpaprTce("g", G(1), Liobn));
        Ok(host, new KvmVfioGroupAdd("g", G(2)));
        var (_, events) = host.Decide(new KvmVfioGroupDel("g", G(2)));
        Assert.DoesNotContain(events, e => e is LiobnUnlinked);
    }

    // ---- The earlier form: {argsz, fd, liobn, start_addr} -----------------------------------------------

    [Theory]
    [InlineData(0U)]
    [InlineData(23U)]
    public void set_spapr_tce_liobn_with_argsz_below_minsz_is_einval(uint argsz) =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(GroupAdded(), new SetSpaprTceLiobn("g", argsz, G(1), Liobn, 0)));

    [Fact]
    public void set_spapr_tce_liobn_with_a_closed_fd_is_ebadf() =>
        Assert.Equal(Messages.Errno.EBADF, Errno(GroupAdded(), new SetSpaprTceLiobn("g", 24, FdArgument.Raw(42), Liobn, 0)));

    [Fact]
    public void set_spapr_tce_liobn_of_a_group_not_in_the_device_is_enoent() =>
        Assert.Equal(Messages.Errno.ENOENT, Errno(GroupAdded(), new SetSpaprTceLiobn("g", 24, G(2), Liobn, 0)));

    [Fact]
    public void set_spapr_tce_liobn_with_an_unknown_liobn_is_enoent() =>
        Assert.Equal(Messages.Errno.ENOENT, Errno(GroupAdded(), new SetSpaprTceLiobn("g", 24, G(1), 0x9, 0)));

    [Fact]
    public void set_spapr_tce_liobn_with_no_window_at_start_addr_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(GroupAdded(), new SetSpaprTceLiobn("g", 24, G(1), Liobn, 0x1000)));

    [Fact]
    public void set_spapr_tce_liobn_with_a_window_too_small_for_the_liobn_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(GroupAdded(), new SetSpaprTceLiobn("g", 24, G(1), 0x3, 0)));

    [Fact]
    public void set_spapr_tce_liobn_with_a_larger_argsz_links_the_window_at_start_addr()
    {
        var host = GroupAdded();
        Ok(host, new SetSpaprTceLiobn("g", 32, G(1), Liobn, 0));
        Assert.Equal(1, host.KvmVfio["g"].References(new LinkKey(Liobn, "c0", 0)));
    }

    // ---- KVM_SPAPR_TCE_BIND_VFIO / unbind ----------------------------------------------------------------

    [Fact]
    public void bind_vfio_with_a_closed_fd_is_ebadf() =>
        Assert.Equal(Messages.Errno.EBADF, Errno(Host(LiobnBinding.Container), new BindVfioContainer("g", Liobn, FdArgument.Raw(42))));

    [Fact]
    public void bind_vfio_with_a_group_fd_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(Host(LiobnBinding.Container), new BindVfioContainer("g", Liobn, G(1))));

    [Fact]
    public void bind_vfio_of_a_container_without_tables_is_einval()
    {
        var host = Host(LiobnBinding.Container);
        Ok(host, new OpenVfioContainer("c1"));
        Assert.Equal(Messages.Errno.EINVAL, Errno(host, new BindVfioContainer("g", Liobn, FdArgument.OfContainer("c1"))));
    }

    [Fact]
    public void bind_vfio_of_a_liobn_kvm_does_not_have_is_enoent()
    {
        Assert.Equal(Messages.Errno.ENOENT, Errno(Host(LiobnBinding.Container), new BindVfioContainer("g", 0x9, C0)));
        Assert.Equal(Messages.Errno.ENOENT, Errno(Host(LiobnBinding.Container), new BindVfioContainer("g", AddPhb.Liobn(1, 0), C0)));
    }

    [Fact]
    public void bind_vfio_of_a_container_another_vm_uses_is_ebusy()
    {
        var host = Host(LiobnBinding.Container);
        Ok(host, new BindVfioContainer("g", Liobn, C0));
        Ok(host, new CreateVm("h", 2 * Gib, 1, LiobnBinding.Container));
        Ok(host, new CreateTceTable("h", Liobn, 12, 0, Gib >> 12, 0));
        Assert.Equal(Messages.Errno.EBUSY, Errno(host, new BindVfioContainer("h", Liobn, C0)));
    }

    [Fact]
    public void bind_vfio_twice_is_eexist()
    {
        var host = Host(LiobnBinding.Container);
        Ok(host, new BindVfioContainer("g", Liobn, C0));
        Assert.Equal(Messages.Errno.EEXIST, Errno(host, new BindVfioContainer("g", Liobn, C0)));
    }

    [Fact]
    public void bind_vfio_with_no_compatible_window_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(Host(LiobnBinding.Container), new BindVfioContainer("g", 0x3, C0)));

    [Fact]
    public void bind_vfio_gives_the_guest_every_group_and_holds_none_of_them()
    {
        var host = Host(LiobnBinding.Container);
        Ok(host, new BindVfioContainer("g", Liobn, C0));
        Assert.All(new[] { host.Pes[1].Owner, host.Pes[2].Owner }, o => Assert.Equal("g", o));
        Assert.Equal(1, host.Pes[1].Vfio.ContainerUsers);
        Ok(host, new UnsetGroupContainer(1)); // a hot unplug needs nothing from KVM
        Assert.Contains(("g", Liobn), host.Containers["c0"].Bindings);
    }

    [Fact]
    public void unbind_vfio_with_a_closed_fd_is_ebadf() =>
        Assert.Equal(Messages.Errno.EBADF, Errno(Host(LiobnBinding.Container), new UnbindVfioContainer("g", Liobn, FdArgument.Raw(42))));

    [Fact]
    public void unbind_vfio_with_a_group_fd_is_einval() =>
        Assert.Equal(Messages.Errno.EINVAL, Errno(Host(LiobnBinding.Container), new UnbindVfioContainer("g", Liobn, G(1))));

    [Fact]
    public void unbind_vfio_of_a_liobn_not_bound_is_enoent() =>
        Assert.Equal(Messages.Errno.ENOENT, Errno(Host(LiobnBinding.Container), new UnbindVfioContainer("g", Liobn, C0)));

    [Fact]
    public void unbind_vfio_clears_the_window_and_a_second_unbind_is_enoent()
    {
        var host = Host(LiobnBinding.Container);
        Ok(host, new BindVfioContainer("g", Liobn, C0));
        var (result, events) = host.Decide(new UnbindVfioContainer("g", Liobn, C0));
        Assert.True(result.Succeeded);
        Assert.Equal([new LiobnUnlinked("h0", "g", Liobn, "c0", 0, ClearHardware: true)], events);
        foreach (var e in events) host.Apply(e);
        Assert.Equal(Messages.Errno.ENOENT, Errno(host, new UnbindVfioContainer("g", Liobn, C0)));
    }

    [Fact]
    public void the_last_group_leaving_a_bound_container_unlinks_the_liobn_before_the_tables_go()
    {
        var host = Host(LiobnBinding.Container);
        Ok(host, new BindVfioContainer("g", Liobn, C0));
        Ok(host, new UnsetGroupContainer(1));
        var (result, events) = host.Decide(new UnsetGroupContainer(2));
        Assert.True(result.Succeeded);
        var unlink = Array.FindIndex(events, e => e is LiobnUnlinked);
        Assert.InRange(unlink, 0, Array.FindIndex(events, e => e is VfioIommuReleased) - 1);
        foreach (var e in events) host.Apply(e);
        Assert.Empty(host.KvmVfio["g"].Links);
    }
}
