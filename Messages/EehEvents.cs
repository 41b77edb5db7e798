namespace Fabric.Messages;

/// <summary>An EEH event: journaled with the tag "eeh".</summary>
public interface IEehEvent : IFabricEvent;

/// <summary>
/// A host PE's EEH state changed (a freeze, a thaw, a reset, a fence), and why;
/// <paramref name="BySiblings"/> when its guest PE asked for it.
/// </summary>
public sealed record PeEehChanged(string Host, int Group, HostPeEeh State, string Cause, bool BySiblings = false) : IEehEvent;

/// <summary>
/// VFIO_EEH_PE_OP on a container fd ({argsz, flags, op, err}): the kernel runs the op on each
/// group of the container in turn and returns the first non-zero result (see Fabric.Eeh.EehPeOps).
/// </summary>
public sealed record EehPeOpOnContainer(FdArgument ContainerFd, uint Argsz, uint Flags, uint Op, EehInjection? Err = null) : IVfioCommand;

/// <summary>The op on one host PE, from its host, or from its guest PE (<paramref name="ByGuestPe"/>: a step of the guest's recovery, no new fault).</summary>
public sealed record EehPeOpOnPe(uint Argsz, uint Flags, uint Op, EehInjection? Err, bool ByGuestPe = false) : IFabricMessage;

/// <summary>What the op returned on the PE: 0, a state for GET_STATE, or -errno.</summary>
public sealed record EehPeOpDone(int Group, long Ret) : IFabricMessage;

/// <summary>
/// Fault injection on one host PE (Group), or every host PE under a PHB (Phb); exactly one is
/// given. <see cref="EehFault.Freeze"/>: the PHB freezes it, as a PHB-detected error does, and the
/// freeze counts against the PE's limit. <see cref="EehFault.ResetFail"/>: its next
/// <paramref name="Count"/> resets fail.
/// </summary>
public sealed record EehInject(int? Group, int? Phb, EehFault Fault = EehFault.Freeze, int Count = 1) : IHostCommand;

/// <summary>
/// The PHB froze this PE, or its guest PE did (<paramref name="BySiblings"/>); the cause is kept in
/// its journal. <paramref name="GiveUp"/>: a sibling is permanently failed, so this one is too.
/// </summary>
public sealed record EehFreeze(string Cause, bool BySiblings = false, bool GiveUp = false) : IFabricMessage;

/// <summary>Its guest PE could not bring its host PEs to one state: unavailable until a reset (answered with EehPeOpDone).</summary>
public sealed record EehFence(string Cause) : IFabricMessage;

/// <summary>Fault injection: the PE's next <paramref name="Count"/> resets fail (answered with EehPeOpDone).</summary>
public sealed record EehFailResets(int Count, string Cause) : IFabricMessage;

/// <summary>The PE is frozen (or was already, or has failed for good).</summary>
public sealed record EehFrozen(int Group) : IFabricMessage;
