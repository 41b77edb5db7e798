namespace Fabric.Messages;

/// <summary>
/// A guest's dynamic DMA window RTAS call on one of its PHBs (ibm,*-pe-dma-window, spec
/// papr-tce.md section 3). The host answers it with an <see cref="RtasAnswer"/>. RTAS passes
/// 32-bit words: the BUID comes as two (high, low), the rest as one each.
/// </summary>
public interface IDdwRtasCall : IHostCommand
{
    string Vm { get; }
}

/// <summary>ibm,query-pe-dma-window with nret return words (5, or 6 for a 64-bit largest block).</summary>
public sealed record QueryPeDmaWindow(string Vm, ulong Buid, uint ConfigAddr, uint Nret) : IDdwRtasCall;

/// <summary>ibm,create-pe-dma-window: a window of 2^WindowShift bytes of 2^PageShift pages.</summary>
public sealed record CreatePeDmaWindow(string Vm, ulong Buid, uint ConfigAddr, uint PageShift, uint WindowShift) : IDdwRtasCall;

/// <summary>ibm,remove-pe-dma-window of the window with that LIOBN.</summary>
public sealed record RemovePeDmaWindow(string Vm, uint Liobn) : IDdwRtasCall;

/// <summary>ibm,reset-pe-dma-window: every window of the PHB removed, its default window back, empty.</summary>
public sealed record ResetPeDmaWindow(string Vm, ulong Buid, uint ConfigAddr) : IDdwRtasCall;

/// <summary>
/// What an RTAS call put in the guest's return buffer: the status word (QEMU's RTAS_OUT_*:
/// 0 success, -1 hardware error, -3 parameter error) and the output words after it (none when
/// it failed). Why says what made it fail, for the user; the guest never sees it.
/// </summary>
public sealed record RtasAnswer(int Status, ulong[] Outputs, string Why) : IFabricMessage
{
    public bool Succeeded => Status == 0;
}
