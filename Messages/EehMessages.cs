namespace Fabric.Messages;

/// <summary>VFIO_EEH_PE_OP's op field (include/uapi/linux/vfio.h), also the order of spec papr-tce.md section 5.</summary>
public enum EehPeOp : uint
{
    Disable = 0,
    Enable = 1,
    UnfreezeIo = 2,
    UnfreezeDma = 3,
    GetState = 4,
    ResetDeactivate = 5,
    ResetHot = 6,
    ResetFundamental = 7,
    Configure = 8,
    InjectErr = 9,
}

/// <summary>
/// A PE's state as ibm,read-slot-reset-state2 and VFIO_EEH_PE_GET_STATE report it
/// (EEH_PE_STATE_* in arch/powerpc/include/asm/eeh.h).
/// </summary>
public enum EehReportedState
{
    Normal = 0,
    Reset = 1,
    StoppedIoDma = 2,
    StoppedDma = 4,
    Unavailable = 5,
}

/// <summary>struct vfio_eeh_pe_err: the error VFIO_EEH_PE_INJECT_ERR asks the PHB to inject.</summary>
/// <param name="Type">EEH_ERR_TYPE_32 (0) or EEH_ERR_TYPE_64 (1).</param>
/// <param name="Func">EEH_ERR_FUNC_LD_MEM_ADDR (0) .. EEH_ERR_FUNC_DMA_WR_TARGET (19).</param>
public sealed record EehInjection(uint Type, uint Func, ulong Addr, ulong Mask) : IFabricMessage;
