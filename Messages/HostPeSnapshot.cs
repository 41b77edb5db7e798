namespace Fabric.Messages;

/// <summary>
/// A host PE's state at a sequence number: its owner and its EEH state. Recovery starts from the
/// newest one, so a restarted PE reads back only the records after it, not every DMA it ever
/// journaled; the records stay in the journal for `fabric replay`.
/// </summary>
public sealed record HostPeSnapshot(string? Owner, HostPeEeh Eeh) : IFabricMessage;
