using Akka.Configuration;
using Fabric.Messages;

namespace Fabric.Eeh;

/// <summary>fabric.eeh.guest-pe = converge | qemu: the design of a guest PE defined without one.</summary>
public static class GuestPeDesignConfig
{
    public const string Key = "fabric.eeh.guest-pe";

    public static GuestPeDesign From(Config config) => Parse(config.GetString(Key, "converge"));

    public static GuestPeDesign Parse(string value) => value switch
    {
        "converge" => GuestPeDesign.Converge,
        "qemu" => GuestPeDesign.Qemu,
        _ => throw new ConfigurationException($"{Key} = {value}: it must be converge (every step on every host PE, kept in one state) or qemu (EEH only over exactly one host PE)"),
    };
}
