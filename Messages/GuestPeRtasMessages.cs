namespace Fabric.Messages;

/// <summary>
/// The guest's EEH RTAS calls on a PE (PAPR; QEMU's spapr_pci.c handlers over
/// spapr_pci_vfio.c). Each but the two informational ones is a VFIO_EEH_PE_OP on the host PEs.
/// </summary>
public enum EehRtasCall
{
    /// <summary>ibm,set-eeh-option: 0 disable, 1 enable, 2 thaw MMIO, 3 thaw DMA.</summary>
    SetEehOption = 1,

    /// <summary>ibm,read-slot-reset-state2: state, EEH supported, the unavailable delay (and with nret 5 the recovery word).</summary>
    ReadSlotResetState2,

    /// <summary>ibm,set-slot-reset: 0 deactivate, 1 hot, 3 fundamental.</summary>
    SetSlotReset,

    /// <summary>ibm,configure-pe (ibm,configure-bridge on older guests).</summary>
    ConfigurePe,

    /// <summary>ibm,slot-error-detail: 1 temporary, 2 permanent.</summary>
    SlotErrorDetail,

    /// <summary>ibm,get-config-addr-info2: 0 the PE address, 1 the PE mode.</summary>
    GetConfigAddrInfo2,

    /// <summary>ibm,errinjct of an IOA bus error (32- or 64-bit): VFIO_EEH_PE_INJECT_ERR.</summary>
    ErrInjct,
}

/// <summary>
/// One EEH RTAS call on a guest PE. A guest names it as QEMU's handlers find it: by its PHB's
/// <paramref name="Buid"/> (buid_hi, buid_lo) and a <paramref name="ConfigAddr"/> (bus &lt;&lt; 16 |
/// devfn &lt;&lt; 8, or the PE address "00BB0001"); the host resolves them to the VM's guest PE
/// (<see cref="Id"/>). Without a BUID the call names the guest PE by <see cref="Id"/> directly.
/// </summary>
/// <param name="Option">The call's option word (set-eeh-option, set-slot-reset, slot-error-detail, get-config-addr-info2).</param>
/// <param name="Nret">read-slot-reset-state2's number of return words: 4, or 5 with the recovery word.</param>
/// <param name="Bus">get-config-addr-info2: the PCI bus of the device named by the config address.</param>
/// <param name="Err">ibm,errinjct: the error to inject.</param>
public sealed record GuestPeRtasCall(string Vm, int Id, EehRtasCall Call, uint Option = 0, int Nret = 4, uint Bus = 0, EehInjection? Err = null,
    ulong? Buid = null, uint ConfigAddr = 0) : IHostCommand;

/// <summary>
/// What the guest reads back: the RTAS status word and the output words after it; <paramref name="Note"/>
/// says what the guest PE did to keep its host PEs in one state (a retry, a fence), empty otherwise.
/// </summary>
public sealed record GuestPeRtasAnswer(int Status, ulong[] Outputs, string Note) : IFabricMessage;

/// <summary>Which fault `EEH_INJECT` injects.</summary>
public enum EehFault
{
    /// <summary>The PHB freezes the PE.</summary>
    Freeze = 0,

    /// <summary>The PE's next resets fail (the PHB does not complete them): VFIO_EEH_PE_OP reset ops return -EIO.</summary>
    ResetFail = 1,
}
