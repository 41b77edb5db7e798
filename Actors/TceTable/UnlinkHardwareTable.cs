namespace Fabric.TceTable;

/// <summary>
/// Puts one reference on this LIOBN's link to a hardware table. ClearHardware: when the link goes
/// with it, the window's entries are cleared and killed in every group first, and the answer
/// (SetupResult) waits for every kill (local: the table is host memory).
/// </summary>
public sealed record UnlinkHardwareTable(string Container, int Window, bool ClearHardware);

/// <summary>Hand an unlink to the table of a LIOBN.</summary>
public sealed record UnlinkLiobn(ulong Liobn, UnlinkHardwareTable Unlink);
