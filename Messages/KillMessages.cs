namespace Fabric.Messages;

/// <summary>
/// A write to a PE's TCE kill register: drop the cached translations of a range of a
/// hardware table's entries (PHB3 regs+0x210; OPAL_PCI_TCE_KILL_PAGES / _PE elsewhere).
/// </summary>
public sealed record TceKill(string Table, ulong FirstEntry, ulong Count, long Token) : IFabricMessage;

/// <summary>The kill register's decoded request, handed to the PE's TCE cache.</summary>
public sealed record InvalidateTceCache(string Table, ulong FirstEntry, ulong Count, long Token) : IFabricMessage;

/// <summary>The PE's cache no longer holds the range: the invalidation is complete.</summary>
public sealed record TceKilled(int Group, long Token) : IFabricMessage;
