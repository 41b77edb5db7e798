namespace Fabric.Messages;

/// <summary>An EEH event: journaled with the tag "eeh".</summary>
public interface IEehEvent : IFabricEvent;

/// <summary>A host PE's EEH state changed (a freeze, a thaw, a reset, a fence), and why.</summary>
public sealed record PeEehChanged(string Host, int Group, HostPeEeh State, string Cause) : IEehEvent;

/// <summary>
/// VFIO_EEH_PE_OP on a container fd ({argsz, flags, op, err}): the kernel runs the op on each
/// group of the container in turn and returns the first non-zero result (see Fabric.Eeh.EehPeOps).
/// </summary>
public sealed record EehPeOpOnContainer(FdArgument ContainerFd, uint Argsz, uint Flags, uint Op, EehInjection? Err = null) : IVfioCommand;

/// <summary>The op on one host PE, from its host.</summary>
public sealed record EehPeOpOnPe(uint Argsz, uint Flags, uint Op, EehInjection? Err) : IFabricMessage;

/// <summary>What the op returned on the PE: 0, a state for GET_STATE, or -errno.</summary>
public sealed record EehPeOpDone(int Group, long Ret) : IFabricMessage;

/// <summary>
/// Fault injection: the PHB freezes one host PE (Group), or every host PE under a PHB (Phb), as a
/// PHB-detected error does; each freeze counts against the PE's limit. Exactly one is given.
/// </summary>
public sealed record EehInject(int? Group, int? Phb) : IHostCommand;

/// <summary>The PHB froze this PE, or its guest PE did (<paramref name="BySiblings"/>); the cause is kept in its journal.</summary>
public sealed record EehFreeze(string Cause, bool BySiblings = false) : IFabricMessage;

/// <summary>The PE is frozen (or was already, or has failed for good).</summary>
public sealed record EehFrozen(int Group) : IFabricMessage;
