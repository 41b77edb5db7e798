namespace Fabric.Messages;

/// <summary>
/// Hypercalls from the callers on one node to one host, carried in one remote message: each
/// call is a <see cref="RunHcall"/> whose <see cref="RunHcall.Tag"/> (non-zero, unique per
/// sender) comes back in its own answer. The host answers the sender with
/// <see cref="HcallResults"/> as the vCPUs get their answers, and a call it cannot run with
/// an <see cref="HcallRefused"/>.
/// </summary>
public sealed record HcallBatch(RunHcall[] Calls) : IHostCommand;

/// <summary>Answers to calls of <see cref="HcallBatch"/>es, each with its call's tag, in the order the vCPUs got them.</summary>
public sealed record HcallResults(HcallResult[] Results) : IFabricMessage;

/// <summary>A call of an <see cref="HcallBatch"/> that never reached a vCPU (no such VM or vCPU): what a lone <see cref="RunHcall"/> would have got.</summary>
public sealed record HcallRefused(long Tag, SetupResult Reply) : IFabricMessage;
