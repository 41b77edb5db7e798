using Akka.Configuration;

namespace Fabric.TceTable;

/// <summary>
/// The interface choices a user can compare on one recorded workload (`fabric replay --against`).
/// Today: whether KVM answers at all (off: every call goes to QEMU, as on a host without
/// in-kernel acceleration of the TCE hypercalls).
/// </summary>
public sealed record TcePolicy(bool KernelAcceleration)
{
    public static readonly TcePolicy Default = new(KernelAcceleration: true);

    /// <summary>fabric.kvm.acceleration = on | off.</summary>
    public static TcePolicy From(Config config) => new(config.GetBoolean("fabric.kvm.acceleration", true));
}
