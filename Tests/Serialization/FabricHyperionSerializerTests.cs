using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Serialization;
using Hyperion;
using Hyperion.Internal;
using Xunit;

namespace Fabric.Tests.Serialization;

/// <summary>A message from outside the scanned assemblies: it implements the marker, yet must be refused.</summary>
public sealed record ForeignHypercall(ulong Liobn, ulong Ioba) : IHypercall
{
    public ulong Opcode => 0xDEAD;
}

/// <summary>Not a protocol type at all.</summary>
public sealed record Foreign(string Payload);

/// <summary>A reply-to inside a message, as actor protocols carry them.</summary>
public sealed record WithReplyTo(IActorRef ReplyTo, DmaRequest Request) : IFabricMessage;

/// <summary>One ActorSystem for the whole class: the serializer is stateless between calls.</summary>
public sealed class SerializerFixture : IDisposable
{
    public ActorSystem Sys { get; } = ActorSystem.Create("serializer", FabricConfig.Build(JournalKind.Memory));

    public FabricHyperionSerializer Serializer =>
        Assert.IsType<FabricHyperionSerializer>(Sys.Serialization.FindSerializerForType(typeof(HcallHandled)));

    public void Dispose() => Sys.Terminate().Wait(TimeSpan.FromSeconds(10));
}

public sealed class FabricHyperionSerializerTests(SerializerFixture fixture) : IClassFixture<SerializerFixture>
{
    ActorSystem Sys => fixture.Sys;
    FabricHyperionSerializer Serializer => fixture.Serializer;

    object RoundTrip(object message) => Serializer.FromBinary(Serializer.ToBinary(message), typeof(object));

    public static TheoryData<string> ProtocolTypes() => [.. Samples.ProtocolTypes().Select(t => t.FullName!)];

    [Theory]
    [MemberData(nameof(ProtocolTypes))]
    public void Every_protocol_type_round_trips(string typeName)
    {
        var type = Samples.Protocol.GetType(typeName, throwOnError: true)!;
        var original = Samples.Create(type);

        var copy = RoundTrip(original);

        Samples.AssertDeepEqual(original, copy);
        // Records compare by value unless an array inside compares by reference.
        if (!Samples.HoldsArray(type)) Assert.Equal(original, copy);
    }

    [Fact]
    public void Every_protocol_type_is_a_message_bound_to_the_fabric_serializer()
    {
        Assert.Contains(typeof(HcallHandled), Samples.ProtocolTypes());
        Assert.Contains(typeof(TceRunWritten), Samples.ProtocolTypes());
        foreach (var type in Samples.ProtocolTypes())
        {
            Assert.True(typeof(IFabricMessage).IsAssignableFrom(type), $"{type} does not implement IFabricMessage");
            Assert.Contains(type, Serializer.AllowedTypes);
            // The hot remote messages of a cluster have a wire format of their own.
            var expected = type == typeof(HcallBatch) || type == typeof(HcallResults) ? HcallWireSerializer.Id : FabricHyperionSerializer.Id;
            Assert.Equal(expected, Sys.Serialization.FindSerializerForType(type).Identifier);
        }
        // Akka's own messages keep their serializers.
        Assert.NotEqual(FabricHyperionSerializer.Id, Sys.Serialization.FindSerializerForType(typeof(byte[])).Identifier);
    }

    [Fact]
    public void The_allow_list_holds_protocol_types_primitives_and_actor_ref_surrogates_only()
    {
        Type[] bcl = [typeof(bool), typeof(int), typeof(uint), typeof(long), typeof(ulong), typeof(string)];
        foreach (var type in Serializer.AllowedTypes)
        {
            var element = type.IsArray ? type.GetElementType()! : type;
            // int? and its kind: a primitive that may be absent.
            var t = Nullable.GetUnderlyingType(element) ?? element;
            Assert.True(t.Assembly == Samples.Protocol || bcl.Contains(t)
                || t == typeof(ActorRefBase.Surrogate) || t == typeof(Nobody.NobodySurrogate), $"unexpected {type}");
        }
    }

    // Bytes as a peer or a tampered journal row could carry them: plain Hyperion, no allow-list.
    static byte[] Unchecked(object message)
    {
        using var ms = new MemoryStream();
        new Hyperion.Serializer(new SerializerOptions(
            versionTolerance: false, preserveObjectReferences: false, surrogates: null, serializerFactories: null,
            knownTypes: null, ignoreISerializable: true, packageNameOverrides: null, disallowUnsafeTypes: false,
            typeFilter: DisabledTypeFilter.Instance)).Serialize(message, ms);
        return ms.ToArray();
    }

    void AssertRefused<TCause>(byte[] bytes) where TCause : Exception
    {
        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, typeof(object)));
        // A nested refusal comes wrapped once more by Hyperion's object reader.
        var causes = new List<Exception>();
        for (Exception? c = e.InnerException; c is not null; c = c.InnerException) causes.Add(c);
        Assert.Contains(causes, c => c is TCause);
    }

    [Fact]
    public void A_type_outside_the_allow_list_is_refused() =>
        AssertRefused<UserEvilDeserializationException>(Unchecked(new Foreign("rm -rf")));

    [Fact]
    public void A_foreign_type_inside_a_protocol_message_is_refused() =>
        AssertRefused<UserEvilDeserializationException>(Unchecked(new Hcall(1, new ForeignHypercall(2, 3))));

    [Fact]
    public void A_dangerous_BCL_type_is_refused() =>
        AssertRefused<EvilDeserializationException>(Unchecked(new FileInfo("/etc/passwd")));

    [Fact]
    public void A_type_outside_the_allow_list_is_not_written_either()
    {
        var e = Assert.Throws<SerializationException>(() => Serializer.ToBinary(new Foreign("x")));
        Assert.IsType<UserEvilDeserializationException>(e.InnerException);
    }

    [Fact]
    public void A_message_from_an_assembly_outside_the_scan_is_refused() =>
        AssertRefused<UserEvilDeserializationException>(Unchecked(new ForeignHypercall(1, 2)));
}

/// <summary>Actor refs resolve against a live system, so this one runs in a TestKit.</summary>
public sealed class ActorRefSerializationTests() : Akka.TestKit.Xunit2.TestKit(FabricConfig.Build(JournalKind.Memory))
{
    [Fact]
    public void An_actor_ref_inside_a_message_round_trips()
    {
        // This assembly's own messages are allowed only by a serializer that scans it.
        var serializer = new FabricHyperionSerializer((ExtendedActorSystem)Sys,
            ConfigurationFactory.ParseString("""assemblies = ["Fabric.Messages", "Fabric.Tests"]"""));
        var original = new WithReplyTo(TestActor, new DmaRequest(0x8000_1000, DmaDirection.Write));

        var copy = Assert.IsType<WithReplyTo>(serializer.FromBinary(serializer.ToBinary(original), typeof(object)));

        Assert.Equal(original, copy);
        copy.ReplyTo.Tell("hello");
        ExpectMsg("hello", TimeSpan.FromSeconds(3));
    }
}
