namespace Fabric.Messages;

/// <summary>
/// When a sampled hypercall passed each hop (<see cref="System.Diagnostics.Stopwatch"/>
/// timestamps): the vCPU sent it, the router routed it, the table took it, the table had
/// decided it and sent its kills, and the reply left (kills acknowledged and, in strict
/// durability, journaled). The vCPU fills in the answer's arrival. Written by each hop in turn,
/// read once the reply is back, so no two actors touch it at once. Only a run report asks for it
/// (`fabric run`); a call without it costs nothing.
/// </summary>
public sealed record HopTimes : IFabricMessage
{
    public long Sent;
    public long Routed;
    public long AtTable;
    public long KillsSent;
    public long Replied;
    public long Answered;
}
