namespace Fabric.Messages;

/// <summary>A guest TCE hypercall: its arguments as the guest put them in R4..R7.</summary>
/// <remarks>A message itself because <see cref="Hcall"/> and the journal carry it.</remarks>
public interface IHypercall : IFabricMessage
{
    /// <summary>The hcall number (arch/powerpc/include/asm/hvcall.h).</summary>
    ulong Opcode { get; }
    ulong Liobn { get; }
    ulong Ioba { get; }
}

public sealed record HGetTce(ulong Liobn, ulong Ioba) : IHypercall
{
    public const ulong Number = 0x1C;
    public ulong Opcode => Number;
}

public sealed record HPutTce(ulong Liobn, ulong Ioba, ulong Tce) : IHypercall
{
    public const ulong Number = 0x20;
    public ulong Opcode => Number;
}

public sealed record HStuffTce(ulong Liobn, ulong Ioba, ulong TceValue, ulong NPages) : IHypercall
{
    public const ulong Number = 0x138;
    public ulong Opcode => Number;
}

public sealed record HPutTceIndirect(ulong Liobn, ulong Ioba, ulong TceList, ulong NPages) : IHypercall
{
    public const ulong Number = 0x13C;
    public ulong Opcode => Number;
}

/// <summary>A vCPU's hypercall on its way to the table that owns the LIOBN.</summary>
/// <param name="CallId">Unique per VM; ties the reply, the journal and the checker together.</param>
/// <param name="Hops">Set on a sampled call of a run that reports per-hop latency (<see cref="HopTimes"/>).</param>
public sealed record Hcall(long CallId, IHypercall Call, HopTimes? Hops = null) : IFabricMessage;

/// <summary>What the guest sees: the return code and R4 (H_GET_TCE's TCE, else unchanged).</summary>
/// <param name="Tag">The <see cref="RunHcall.Tag"/> of the call this answers (0: none).</param>
public sealed record HcallResult(long CallId, HcallReturn Ret, ulong R4, long Tag = 0) : IFabricMessage;
