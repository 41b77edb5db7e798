using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;

namespace Fabric.Serialization;

/// <summary>
/// Stands where Akka's JSON serializer (Newtonsoft, id 1) was registered: JSON bytes name their
/// own types, and reading them would build whatever a peer names, past the allow-list of
/// <see cref="FabricHyperionSerializer"/>. Nothing of the fabric, Akka's cluster or the journal
/// is written as JSON, so a payload that claims to be JSON is refused (the transport drops the
/// message and goes on), and a message with no serializer of its own is refused rather than
/// written as JSON.
/// </summary>
public sealed class RefusedJsonSerializer(ExtendedActorSystem system) : Akka.Serialization.Serializer(system)
{
    /// <summary>Akka passes the JSON serializer's settings (akka.actor.serialization-settings.json): none apply.</summary>
    public RefusedJsonSerializer(ExtendedActorSystem system, Config _) : this(system) { }

    /// <summary>Akka's JSON serializer's id, which a peer would put on JSON bytes.</summary>
    public const int Id = 1;

    public override int Identifier => Id;

    public override bool IncludeManifest => true;

    public override byte[] ToBinary(object obj) =>
        throw new SerializationException($"a {obj.GetType().FullName} has no serializer: the fabric writes no JSON (bind the type in akka.actor.serialization-bindings)");

    public override object FromBinary(byte[] bytes, Type type) =>
        throw new SerializationException($"a JSON payload ({type?.FullName ?? "no type"}) is refused: the fabric reads no JSON");
}
