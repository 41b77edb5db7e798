using Akka.Configuration;
using Fabric.Messages;

namespace Fabric.Kvm;

/// <summary>fabric.kvm.liobn-binding = group | container: the design of a VM created without one.</summary>
public static class LiobnBindingConfig
{
    public const string Key = "fabric.kvm.liobn-binding";

    public static LiobnBinding From(Config config) => Parse(config.GetString(Key, "group"));

    public static LiobnBinding Parse(string value) => value switch
    {
        "group" => LiobnBinding.Group,
        "container" => LiobnBinding.Container,
        _ => throw new ConfigurationException($"{Key} = {value}: it must be group (KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE) or container (KVM_SPAPR_TCE_BIND_VFIO)"),
    };
}
