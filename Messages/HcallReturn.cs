namespace Fabric.Messages;

/// <summary>PAPR hypercall return codes (Linux arch/powerpc/include/asm/hvcall.h).</summary>
public enum HcallReturn : long
{
    Success = 0,
    Busy = 1,
    Closed = 2,
    Hardware = -1,
    Function = -2,
    Privilege = -3,
    Parameter = -4,
    NotEnoughResources = -44,
    TooBig = -64,

    /// <summary>KVM's "let userspace handle it"; never shown to a guest.</summary>
    TooHard = 9999,
}
