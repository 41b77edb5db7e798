using Fabric.Eeh;
using Fabric.Messages;

namespace Fabric.Tests.Conformance;

/// <summary>
/// The guest's EEH RTAS calls on a guest PE: QEMU's results on one host PE, QEMU's refusal on
/// several, and Fabric's converging design that never leaves the host PEs apart.
/// </summary>
public sealed class GuestPeRtasConformance
{
    private static readonly EehPolicy Policy = EehPolicy.Linux;
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(10);
    private static HostPeEeh Frozen => HostPeEeh.Normal.Freeze(T0, Policy.MaxFreezes, Policy.FreezeWindow);
    private static HostPeEeh?[] Three(HostPeEeh first) => [first, HostPeEeh.Normal, HostPeEeh.Normal];

    [Fact]
    public void QEMU_refuses_every_EEH_call_on_a_guest_PE_of_several_host_PEs()
    {
        var pes = Three(HostPeEeh.Normal);
        Assert.Equal(RtasStatus.ParamError, GuestPeRtas.SetEehOption(pes, 1, GuestPeDesign.Qemu, T0, Policy).Status);
        Assert.Equal(RtasStatus.ParamError, GuestPeRtas.ReadSlotResetState2(pes, 4, GuestPeDesign.Qemu).Status);
        Assert.Equal(RtasStatus.ParamError, GuestPeRtas.SetSlotReset(pes, 1, GuestPeDesign.Qemu, T0, Policy).Status);
        Assert.Equal(RtasStatus.ParamError, GuestPeRtas.ConfigurePe(pes, GuestPeDesign.Qemu, T0, Policy).Status);
        Assert.Equal(RtasStatus.ParamError, GuestPeRtas.SlotErrorDetail(pes, 1, GuestPeDesign.Qemu).Status);
        Assert.Equal(RtasStatus.ParamError, GuestPeRtas.GetConfigAddrInfo2(pes, 0, 1, GuestPeDesign.Qemu).Status);
        // ... and answers them on exactly one.
        Assert.Equal(RtasStatus.Success, GuestPeRtas.SetEehOption([HostPeEeh.Normal], 1, GuestPeDesign.Qemu, T0, Policy).Status);
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(7u)]
    public void An_option_outside_the_calls_range_is_a_parameter_error(uint option)
    {
        var pes = Three(HostPeEeh.Normal);
        Assert.Equal(RtasStatus.ParamError, GuestPeRtas.SetEehOption(pes, option, GuestPeDesign.Converge, T0, Policy).Status);
        Assert.Equal(RtasStatus.ParamError, GuestPeRtas.SetSlotReset(pes, option, GuestPeDesign.Converge, T0, Policy).Status);
        Assert.Equal(RtasStatus.ParamError, GuestPeRtas.SlotErrorDetail(pes, option, GuestPeDesign.Converge).Status);
        Assert.Equal(RtasStatus.ParamError, GuestPeRtas.GetConfigAddrInfo2(pes, option, 1, GuestPeDesign.Converge).Status);
    }

    [Fact]
    public void Read_slot_reset_state2_gives_state_support_and_delay_and_the_recovery_word_with_nret_5()
    {
        var frozen = new HostPeEeh?[] { Frozen, Frozen };
        Assert.Equal([2UL, 1, 1000], GuestPeRtas.ReadSlotResetState2(frozen, 4, GuestPeDesign.Converge).Outputs);
        Assert.Equal([2UL, 1, 1000, 0], GuestPeRtas.ReadSlotResetState2(frozen, 5, GuestPeDesign.Converge).Outputs);
    }

    [Fact]
    public void Host_PEs_caught_apart_read_as_temporarily_unavailable()
    {
        var r = GuestPeRtas.ReadSlotResetState2(Three(Frozen), 4, GuestPeDesign.Converge);
        Assert.Equal((RtasStatus.Success, (ulong)EehReportedState.Unavailable), (r.Status, r.Outputs[0]));
    }

    [Fact]
    public void Config_addr_info2_gives_the_PE_address_of_the_bus_and_the_shared_mode()
    {
        Assert.Equal([0x20001UL], GuestPeRtas.GetConfigAddrInfo2([HostPeEeh.Normal], 0, 2, GuestPeDesign.Converge).Outputs);
        Assert.Equal([1UL], GuestPeRtas.GetConfigAddrInfo2([HostPeEeh.Normal], 1, 2, GuestPeDesign.Converge).Outputs);
        Assert.Equal(RtasStatus.NoErrorsFound, GuestPeRtas.SlotErrorDetail([HostPeEeh.Normal], 2, GuestPeDesign.Converge).Status);
    }

    [Fact]
    public void A_full_recovery_runs_every_step_on_every_host_PE()
    {
        var pes = new HostPeEeh?[] { Frozen, Frozen, Frozen };
        foreach (var step in new Func<HostPeEeh?[], RtasEehResult>[]
                 {
                     p => GuestPeRtas.SetEehOption(p, 2, GuestPeDesign.Converge, T0, Policy),
                     p => GuestPeRtas.SetSlotReset(p, 1, GuestPeDesign.Converge, T0, Policy),
                     p => GuestPeRtas.SetSlotReset(p, 0, GuestPeDesign.Converge, T0, Policy),
                     p => GuestPeRtas.ConfigurePe(p, GuestPeDesign.Converge, T0, Policy),
                 })
        {
            var r = step(pes);
            Assert.Equal(RtasStatus.Success, r.Status);
            Assert.Single(r.HostPes.Select(p => p!.Name).Distinct());
            pes = r.HostPes;
        }
        Assert.All(pes, p => Assert.Equal(("normal", true), (p!.Name, p.DmaAllowed)));
    }

    [Fact]
    public void A_reset_that_fails_once_on_one_host_PE_is_retried_there_and_succeeds()
    {
        var r = GuestPeRtas.SetSlotReset(Three(Frozen), 1, GuestPeDesign.Converge, T0, Policy,
            (pe, op, attempt) => pe == 1 && attempt == 1);

        Assert.Equal(RtasStatus.Success, r.Status);
        Assert.All(r.HostPes, p => Assert.Equal("reset", p!.Name));
        Assert.Contains("succeeded on retry", r.Note);
    }

    [Fact]
    public void A_reset_that_keeps_failing_on_one_host_PE_fences_them_all_and_fails_to_the_guest()
    {
        var r = GuestPeRtas.SetSlotReset(Three(Frozen), 1, GuestPeDesign.Converge, T0, Policy,
            (pe, _, _) => pe == 2);

        Assert.Equal(RtasStatus.HwError, r.Status);
        Assert.All(r.HostPes, p => Assert.Equal((EehReportedState.Unavailable, false), (p!.Reported, p.DmaAllowed)));
        Assert.Equal((ulong)EehReportedState.Unavailable, GuestPeRtas.ReadSlotResetState2(r.HostPes, 4, GuestPeDesign.Converge).Outputs[0]);
    }

    /// <summary>QEMU's one-group path reports the failure and leaves the state where the step left it.</summary>
    [Fact]
    public void In_QEMU_a_failed_step_is_reported_without_retry()
    {
        var r = GuestPeRtas.SetEehOption([Frozen], 3, GuestPeDesign.Qemu, T0, Policy, (_, _, _) => true);
        Assert.Equal((RtasStatus.HwError, "frozen"), (r.Status, r.HostPes[0]!.Name));
        Assert.Equal(RtasStatus.ParamError, GuestPeRtas.ConfigurePe([Frozen], GuestPeDesign.Qemu, T0, Policy, (_, _, _) => true).Status);
    }
}
