using Fabric.Messages;

namespace Fabric.TceTable;

/// <summary>What one handler decided: the return code, R4, and the guest view writes it made.</summary>
public sealed record HcallOutcome(HcallReturn Ret, ulong R4, TceWrite[] Writes)
{
    public static HcallOutcome Fail(HcallReturn ret, ulong r4) => new(ret, r4, []);
}
