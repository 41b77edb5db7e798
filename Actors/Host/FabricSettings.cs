using Akka.Configuration;

namespace Fabric.Host;

public enum Durability
{
    /// <summary>The guest's reply waits until the call's event is in the journal.</summary>
    Strict,

    /// <summary>Nothing is journaled: pure simulation speed.</summary>
    Off,
}

/// <summary>The fabric.* settings of akka.hocon that the actors read.</summary>
public sealed record FabricSettings(Durability Durability)
{
    public static FabricSettings From(Config config)
    {
        var d = config.GetString("fabric.durability", "strict");
        return new FabricSettings(d switch
        {
            "strict" => Durability.Strict,
            "off" => Durability.Off,
            _ => throw new ConfigurationException($"fabric.durability = \"{d}\" is not known: use strict or off"),
        });
    }
}
