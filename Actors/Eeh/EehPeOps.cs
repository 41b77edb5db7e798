using Fabric.Messages;

namespace Fabric.Eeh;

/// <summary>
/// VFIO_EEH_PE_OP on one IOMMU group (vfio_spapr_ioctl_eeh_pe_op, drivers/vfio/vfio_iommu_spapr_tce.c,
/// over eeh_pe_set_option / _get_state / _reset / _configure / _inject_err in
/// arch/powerpc/kernel/eeh.c), and on a container: the kernel runs the op on every group of the
/// container in turn and returns the first non-zero result, leaving the groups after it
/// untouched — the behaviour that can leave a guest PE over several host PEs half frozen (seed
/// 003; QEMU refuses EEH on a container of more than one group for that reason).
/// </summary>
public static class EehPeOps
{
    /// <summary>offsetofend(struct vfio_eeh_pe_op, op): argsz, flags, op.</summary>
    public const uint MinSize = 12;

    /// <summary>offsetofend(struct vfio_eeh_pe_op, err.mask): the union is 8-byte aligned, so err starts at 16.</summary>
    public const uint InjectMinSize = 40;

    public const uint ErrType32 = 0, ErrType64 = 1, ErrFuncMax = 19;

    /// <summary>
    /// One group's op: the ioctl's return (0, a state for GET_STATE, or -errno) and the PE's new
    /// state. <paramref name="pe"/> null is a group whose devices have no EEH PE (-ENODEV), which
    /// is also what a permanently failed PE becomes once its devices are removed.
    /// </summary>
    public static (long Ret, HostPeEeh? Pe) Apply(HostPeEeh? pe, uint argsz, uint flags, uint op, EehInjection? err, TimeSpan now, EehPolicy policy)
    {
        if (pe is null) return (-(long)Errno.ENODEV, pe);
        if (argsz < MinSize || flags != 0) return (-(long)Errno.EINVAL, pe);
        if (pe.PermanentlyFailed)
            return op == (uint)EehPeOp.GetState ? ((long)EehReportedState.Unavailable, pe) : (-(long)Errno.ENODEV, pe);
        switch ((EehPeOp)op)
        {
            case EehPeOp.Disable:
                // eeh_pe_set_option(EEH_OPT_DISABLE) does nothing.
                return (0, pe);
            case EehPeOp.Enable:
                // eeh_pe_change_owner: a frozen PE is thawed for its new owner.
                return (0, (pe.IsFrozen && !pe.Fenced ? pe.Thaw() : pe) with { Enabled = true });
            case EehPeOp.UnfreezeIo:
                return (0, pe.Fenced ? pe : pe with { MmioFrozen = false });
            case EehPeOp.UnfreezeDma:
                return (0, pe.Fenced ? pe : pe with { DmaFrozen = false });
            case EehPeOp.GetState:
                return ((long)pe.Reported, pe);
            case EehPeOp.ResetHot or EehPeOp.ResetFundamental or EehPeOp.ResetDeactivate when pe.ResetFaults > 0:
                // An injected PHB fault: the reset does not complete (pnv_eeh_reset's -EIO), the PE stays as it was.
                return (-(long)Errno.EIO, pe with { ResetFaults = pe.ResetFaults - 1 });
            case EehPeOp.ResetHot:
            case EehPeOp.ResetFundamental:
                // eeh_pe_reset: freeze the PE, block config space, assert the reset.
                return (0, pe with { MmioFrozen = true, DmaFrozen = true, ResetAsserted = true, Fenced = false, Configuring = false });
            case EehPeOp.ResetDeactivate:
                // Deassert, then eeh_pe_reenable_devices: BARs restored and the PE unfrozen.
                return (0, pe with { ResetAsserted = false, MmioFrozen = false, DmaFrozen = false, Configuring = !pe.Fenced });
            case EehPeOp.Configure:
                return (0, pe with { Configuring = false });
            case EehPeOp.InjectErr:
                if (argsz < InjectMinSize || err is null) return (-(long)Errno.EINVAL, pe);
                if (err.Type is not (ErrType32 or ErrType64)) return (-(long)Errno.EINVAL, pe);
                if (err.Func > ErrFuncMax) return (-(long)Errno.EINVAL, pe);
                // The PHB freezes the PE at the injected error.
                return (0, policy.Freeze(pe, now));
            default:
                return (-(long)Errno.EINVAL, pe);
        }
    }

    /// <summary>
    /// The op on a container: every group in the container's order until one returns non-zero
    /// (tce_iommu_ioctl). The states of the groups after that one are as they were.
    /// </summary>
    public static (long Ret, HostPeEeh?[] Pes) ApplyToContainer(IReadOnlyList<HostPeEeh?> groups, uint argsz, uint flags, uint op, EehInjection? err, TimeSpan now, EehPolicy policy)
    {
        var after = groups.ToArray();
        for (var i = 0; i < after.Length; i++)
        {
            var (ret, pe) = Apply(after[i], argsz, flags, op, err, now, policy);
            after[i] = pe;
            if (ret != 0) return (ret, after);
        }
        return (0, after);
    }
}
