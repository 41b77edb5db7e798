using Fabric.Eeh;
using Fabric.Messages;

namespace Fabric.Tests.Conformance;

/// <summary>
/// One host PE's EEH state and VFIO_EEH_PE_OP, each errno path and transition as
/// vfio_spapr_ioctl_eeh_pe_op and arch/powerpc/kernel/eeh.c have them.
/// </summary>
public sealed class EehConformance
{
    private static readonly EehPolicy Policy = EehPolicy.Linux;
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);
    private static readonly EehInjection DmaReadError = new(EehPeOps.ErrType64, 12, 0x1000, ~0UL);

    private static (long Ret, HostPeEeh? Pe) Op(HostPeEeh? pe, EehPeOp op, uint argsz = 16, uint flags = 0, EehInjection? err = null) =>
        EehPeOps.Apply(pe, argsz, flags, (uint)op, err, T0, Policy);

    private static HostPeEeh Frozen => HostPeEeh.Normal.Freeze(T0, Policy.MaxFreezes, Policy.FreezeWindow);

    [Fact]
    public void A_group_without_an_EEH_PE_is_ENODEV_before_its_arguments_are_read() =>
        Assert.Equal(-(long)Errno.ENODEV, Op(null, EehPeOp.GetState, argsz: 0).Ret);

    [Theory]
    [InlineData(11u, 0u)]
    [InlineData(16u, 1u)]
    public void An_argsz_below_the_op_field_or_any_flag_is_EINVAL(uint argsz, uint flags) =>
        Assert.Equal((-(long)Errno.EINVAL, HostPeEeh.Normal), Op(HostPeEeh.Normal, EehPeOp.ResetHot, argsz, flags));

    [Fact]
    public void An_unknown_op_is_EINVAL() =>
        Assert.Equal(-(long)Errno.EINVAL, EehPeOps.Apply(HostPeEeh.Normal, 16, 0, 10, null, T0, Policy).Ret);

    [Fact]
    public void Get_state_maps_the_MMIO_and_DMA_enables_as_eeh_pe_get_state_does()
    {
        Assert.Equal((long)EehReportedState.Normal, Op(HostPeEeh.Normal, EehPeOp.GetState).Ret);
        Assert.Equal((long)EehReportedState.StoppedIoDma, Op(Frozen, EehPeOp.GetState).Ret);
        Assert.Equal((long)EehReportedState.StoppedDma, Op(Frozen with { MmioFrozen = false }, EehPeOp.GetState).Ret);
        Assert.Equal((long)EehReportedState.Unavailable, Op(Frozen with { DmaFrozen = false }, EehPeOp.GetState).Ret);
        Assert.Equal((long)EehReportedState.Reset, Op(Frozen with { ResetAsserted = true }, EehPeOp.GetState).Ret);
    }

    [Fact]
    public void Thawing_MMIO_then_DMA_brings_a_frozen_PE_back_to_normal_and_lets_DMA_through()
    {
        var (r1, mmio) = Op(Frozen, EehPeOp.UnfreezeIo);
        Assert.Equal((0L, "dma-frozen", false), (r1, mmio!.Name, mmio.DmaAllowed));
        var (r2, both) = Op(mmio, EehPeOp.UnfreezeDma);
        Assert.Equal((0L, "normal", true), (r2, both!.Name, both.DmaAllowed));
    }

    [Fact]
    public void A_hot_reset_freezes_and_asserts_deactivation_thaws_and_configure_finishes()
    {
        var (_, reset) = Op(HostPeEeh.Normal, EehPeOp.ResetHot);
        Assert.Equal(("reset", false), (reset!.Name, reset.DmaAllowed));
        var (_, deactivated) = Op(reset, EehPeOp.ResetDeactivate);
        Assert.Equal(("configuring", EehReportedState.Normal), (deactivated!.Name, deactivated.Reported));
        var (_, configured) = Op(deactivated, EehPeOp.Configure);
        Assert.Equal(HostPeEeh.Normal with { FreezeCount = 0 }, configured);
    }

    [Fact]
    public void Enable_thaws_a_frozen_PE_for_its_new_owner_and_disable_changes_nothing()
    {
        Assert.Equal("normal", Op(Frozen, EehPeOp.Enable).Pe!.Name);
        Assert.Equal(Frozen, Op(Frozen, EehPeOp.Disable).Pe);
    }

    [Fact]
    public void An_injected_error_freezes_the_PE_and_counts_as_a_freeze()
    {
        var (ret, pe) = Op(HostPeEeh.Normal, EehPeOp.InjectErr, argsz: EehPeOps.InjectMinSize, err: DmaReadError);
        Assert.Equal((0L, "frozen", 1), (ret, pe!.Name, pe.FreezeCount));
    }

    [Theory]
    [InlineData(39u, 0u, 12u)]
    [InlineData(40u, 2u, 12u)]
    [InlineData(40u, 1u, 20u)]
    public void An_injection_with_a_short_argsz_or_a_bad_type_or_function_is_EINVAL(uint argsz, uint type, uint func) =>
        Assert.Equal((-(long)Errno.EINVAL, HostPeEeh.Normal),
            Op(HostPeEeh.Normal, EehPeOp.InjectErr, argsz, err: new EehInjection(type, func, 0, 0)));

    [Fact]
    public void More_than_five_freezes_within_an_hour_fail_the_PE_for_good()
    {
        var pe = HostPeEeh.Normal;
        for (var i = 0; i < 5; i++)
            pe = pe.Freeze(T0 + TimeSpan.FromMinutes(10 * i), Policy.MaxFreezes, Policy.FreezeWindow).Thaw();
        Assert.Equal((5, false), (pe.FreezeCount, pe.PermanentlyFailed));

        pe = pe.Freeze(T0 + TimeSpan.FromMinutes(55), Policy.MaxFreezes, Policy.FreezeWindow);

        Assert.Equal((6, true, "permanently-failed"), (pe.FreezeCount, pe.PermanentlyFailed, pe.Name));
        Assert.Equal((long)EehReportedState.Unavailable, Op(pe, EehPeOp.GetState).Ret);
        Assert.Equal(-(long)Errno.ENODEV, Op(pe, EehPeOp.ResetHot).Ret);
    }

    [Fact]
    public void The_count_starts_again_when_the_window_of_the_first_freeze_has_passed()
    {
        var pe = HostPeEeh.Normal;
        for (var i = 0; i < 5; i++) pe = pe.Freeze(T0 + TimeSpan.FromSeconds(i), Policy.MaxFreezes, Policy.FreezeWindow).Thaw();

        pe = pe.Freeze(T0 + TimeSpan.FromSeconds(3601), Policy.MaxFreezes, Policy.FreezeWindow);

        Assert.Equal((1, false), (pe.FreezeCount, pe.PermanentlyFailed));
        Assert.Equal((long)(T0 + TimeSpan.FromSeconds(3601)).TotalSeconds, pe.FreezeWindowStart);
    }

    [Fact]
    public void A_PE_already_frozen_is_not_counted_again() =>
        Assert.Equal(1, Frozen.Freeze(T0 + TimeSpan.FromSeconds(1), Policy.MaxFreezes, Policy.FreezeWindow).FreezeCount);

    [Fact]
    public void A_fenced_PE_is_unavailable_until_a_reset_and_thaws_do_not_lift_it()
    {
        var fenced = Frozen.Fence();
        Assert.Equal(EehReportedState.Unavailable, fenced.Reported);
        Assert.Equal(fenced, Op(fenced, EehPeOp.UnfreezeDma).Pe);
        var (_, reset) = Op(fenced, EehPeOp.ResetFundamental);
        var (_, back) = Op(reset, EehPeOp.ResetDeactivate);
        Assert.Equal(("configuring", true), (back!.Name, back.DmaAllowed));
    }

    /// <summary>
    /// The kernel's container op stops at the first group that returns non-zero: GET_STATE on a
    /// container whose first group is frozen reports it and never asks the second; a thaw that
    /// fails on the first group leaves the second frozen — a guest PE half handled.
    /// </summary>
    [Fact]
    public void A_container_op_stops_at_the_first_group_that_returns_non_zero()
    {
        var failed = Enumerable.Range(0, 6).Aggregate(HostPeEeh.Normal, (pe, i) => pe.Freeze(T0 + TimeSpan.FromSeconds(i), Policy.MaxFreezes, Policy.FreezeWindow).Thaw());
        var (state, _) = EehPeOps.ApplyToContainer([Frozen, HostPeEeh.Normal], 16, 0, (uint)EehPeOp.GetState, null, T0, Policy);
        Assert.Equal((long)EehReportedState.StoppedIoDma, state);

        var (ret, pes) = EehPeOps.ApplyToContainer([failed, Frozen], 16, 0, (uint)EehPeOp.UnfreezeDma, null, T0, Policy);
        Assert.Equal(-(long)Errno.ENODEV, ret);
        Assert.Equal("frozen", pes[1]!.Name);

        var (ok, thawed) = EehPeOps.ApplyToContainer([Frozen, Frozen], 16, 0, (uint)EehPeOp.UnfreezeDma, null, T0, Policy);
        Assert.Equal((0L, "mmio-frozen", "mmio-frozen"), (ok, thawed[0]!.Name, thawed[1]!.Name));
    }
}
