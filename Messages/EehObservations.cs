namespace Fabric.Messages;

/// <summary>The guest PE exists over these host PEs (from its host's topology).</summary>
public sealed record GuestPeObserved(string Host, string Vm, int Id, int[] Groups) : ICheckerObservation;

/// <summary>
/// A host PE's EEH state, from the PE itself: after each change, and once it has recovered;
/// <paramref name="BySiblings"/> when its guest PE asked for the change (a spreading freeze, a step).
/// </summary>
public sealed record PeEehObserved(string Host, int Group, HostPeEeh State, bool BySiblings) : ICheckerObservation;

/// <summary>
/// The guest PE has settled (a freeze has reached every host PE, a step is over): from now until
/// it is busy again, its host PEs must be in one state. <paramref name="After"/> says what settled.
/// </summary>
public sealed record GuestPeSettled(string Host, string Vm, int Id, string After) : ICheckerObservation;
