using System.Runtime.Serialization;
using Fabric.Messages;
using Fabric.Serialization;

namespace Fabric.Tests.Serialization;

public sealed class HcallWireSerializerTests(SerializerFixture fixture) : IClassFixture<SerializerFixture>
{
    private HcallWireSerializer Wire => Assert.IsType<HcallWireSerializer>(fixture.Sys.Serialization.FindSerializerForType(typeof(HcallBatch)));

    private static readonly HcallBatch Batch = new([
        new RunHcall("g", 0, new HGetTce(0x80000000, 0x1000), Tag: 1),
        new RunHcall("g", 3, new HPutTce(0x1000, 0x2000, 0x7f000003), Tag: long.MaxValue),
        new RunHcall("guest-ü", 1023, new HStuffTce(0x1000, 0, 0, 512), Tag: 300),
        new RunHcall("g", 2, new HPutTceIndirect(ulong.MaxValue, 0x3000, 0x10000, 512), Tag: 7),
    ]);

    private static readonly HcallResults Results = new([
        new HcallResult((1L << 40) + 1, HcallReturn.Success, 0x7f000003, Tag: 1),
        new HcallResult(long.MaxValue, HcallReturn.Parameter, ulong.MaxValue, Tag: 1L << 50),
        new HcallResult(0, HcallReturn.TooHard, 0, Tag: 0),
    ]);

    [Fact]
    public void A_batch_of_every_tce_hypercall_round_trips()
    {
        var copy = Assert.IsType<HcallBatch>(Wire.FromBinary(Wire.ToBinary(Batch), null!));
        Assert.Equal(Batch.Calls, copy.Calls);
    }

    [Fact]
    public void Answers_round_trip_with_their_tags()
    {
        var copy = Assert.IsType<HcallResults>(Wire.FromBinary(Wire.ToBinary(Results), null!));
        Assert.Equal(Results.Results, copy.Results);
    }

    [Fact]
    public void A_call_costs_a_few_dozen_bytes_not_type_names()
    {
        var one = new HcallBatch([new RunHcall("g", 5, new HPutTce(0x1000, 0x5000, 0x7003), Tag: 12345)]);
        Assert.InRange(Wire.ToBinary(one).Length, 1, 48);
    }

    public static TheoryData<string, byte[]> Malformed()
    {
        var batch = new HcallWireSerializer(null!).ToBinary(Batch);
        var forgedCount = (byte[])batch.Clone();
        forgedCount[1] = 0xFF; // 7-bit count that claims more calls than bytes
        var badOpcode = new HcallWireSerializer(null!).ToBinary(new HcallBatch([new RunHcall("g", 0, new HGetTce(1, 2), Tag: 1)]));
        badOpcode[1 + 1 + 1 + 2 + 4] = 0x7F;
        return new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "unknown kind", [9, 0] },
            { "truncated", batch[..^3] },
            { "trailing bytes", [.. batch, 0] },
            { "forged count", forgedCount },
            { "not a TCE hypercall", badOpcode },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Bytes_that_do_not_follow_the_layout_are_refused(string what, byte[] bytes)
    {
        var e = Assert.Throws<SerializationException>(() => Wire.FromBinary(bytes, null!));
        Assert.Contains("hcall wire format", e.Message);
        Assert.NotNull(what);
    }

    [Fact]
    public void A_message_without_a_layout_is_not_written() =>
        Assert.Throws<SerializationException>(() => Wire.ToBinary(new HGetTce(1, 2)));

    [Fact]
    public void Json_bytes_find_no_json_serializer()
    {
        var e = Assert.Throws<SerializationException>(() =>
            fixture.Sys.Serialization.Deserialize("{\"$type\":\"System.IO.FileInfo, System.IO.FileSystem\"}"u8.ToArray(), RefusedJsonSerializer.Id, "System.Object"));
        Assert.Contains("refused", e.Message);
        Assert.Throws<SerializationException>(() => fixture.Sys.Serialization.FindSerializerFor(new Foreign("x")).ToBinary(new Foreign("x")));
    }
}
