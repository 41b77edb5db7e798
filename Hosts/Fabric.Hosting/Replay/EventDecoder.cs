using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Serialization;
using Hyperion.Internal;

namespace Fabric.Hosting.Replay;

/// <summary>A decoded row: its event, or why it has none.</summary>
public readonly record struct DecodedRow(JournalRow Row, IFabricEvent? Event, BadRowKind Problem, string? Detail)
{
    public bool Ok => Event is not null;
}

/// <summary>
/// Turns journal rows back into events with the project's own serializer
/// (<see cref="FabricHyperionSerializer"/>, the one the journal wrote them with), so a row can
/// only become a type on its allow-list. The serializer needs an ActorSystem (for actor-ref
/// surrogates); a minimal one with the in-memory journal is started and owned here. Safe to use
/// from several threads at once, as Akka uses it.
/// </summary>
public sealed class EventDecoder : IDisposable
{
    // The system runs no actors of ours: no dedicated dispatcher threads (Fabric's fork-join
    // pool), whose idle spinning would take the cores replay decodes on.
    private static readonly Config Minimal = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.actor.default-dispatcher.executor = thread-pool-executor
        akka.actor.internal-dispatcher.executor = thread-pool-executor
        """);

    private readonly ActorSystem? _owned;
    private readonly Akka.Serialization.Serializer _serializer;

    /// <summary>A decoder over the serializer of <paramref name="system"/> (not stopped by <see cref="Dispose"/>).</summary>
    public EventDecoder(ActorSystem system) : this(system, owned: false) { }

    private EventDecoder(ActorSystem system, bool owned)
    {
        _owned = owned ? system : null;
        // The serializer Akka binds Fabric's events to, configured as the journal's writer was.
        _serializer = system.Serialization.FindSerializerForType(typeof(HcallHandled));
        if (_serializer.Identifier != FabricHyperionSerializer.Id)
            throw new InvalidOperationException($"the ActorSystem does not bind Fabric's events to serializer {FabricHyperionSerializer.Id}; build its config with FabricConfig.Build");
    }

    /// <summary>A decoder with its own minimal ActorSystem (in-memory journal, nothing else started).</summary>
    public static EventDecoder Start() =>
        new(ActorSystem.Create("fabric-replay", FabricConfig.Build(JournalKind.Memory, overrides: Minimal)), owned: true);

    public DecodedRow Decode(JournalRow row)
    {
        if (row.SerializerId != FabricHyperionSerializer.Id)
            return Bad(row, BadRowKind.UnknownSerializer, row.SerializerId is { } id
                ? $"it was written by serializer id {id}, which Fabric does not read (Fabric's events are written by serializer id {FabricHyperionSerializer.Id}, {nameof(FabricHyperionSerializer)})"
                : $"it names no serializer (Fabric's events are written by serializer id {FabricHyperionSerializer.Id}, {nameof(FabricHyperionSerializer)})");
        object message;
        try
        {
            message = _serializer.FromBinary(row.Message, typeof(object));
        }
        catch (Exception e)
        {
            for (var c = e; c is not null; c = c.InnerException)
                if (c is UserEvilDeserializationException or EvilDeserializationException)
                    return Bad(row, BadRowKind.NotAllowed, $"its message names a type outside the serializer's allow-list ({Innermost(c)})");
            return Bad(row, BadRowKind.Undeserialisable, $"its message ({row.Message.Length} bytes) cannot be deserialised: {Innermost(e)}");
        }
        return message is IFabricEvent e2
            ? new DecodedRow(row, e2, default, null)
            : Bad(row, BadRowKind.NotAnEvent, $"it holds a {message?.GetType().Name ?? "null"}, which is not a journaled event");
    }

    /// <summary>The bytes a journal row holds for <paramref name="message"/> (for tools and tests that write rows).</summary>
    public byte[] Encode(IFabricMessage message) => _serializer.ToBinary(message);

    private static DecodedRow Bad(JournalRow row, BadRowKind kind, string detail) => new(row, null, kind, detail);

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return $"{e.GetType().Name}: {e.Message}";
    }

    public void Dispose()
    {
        _owned?.Terminate().Wait(TimeSpan.FromSeconds(10));
    }
}
