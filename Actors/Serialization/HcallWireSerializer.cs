using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Fabric.Messages;

namespace Fabric.Serialization;

/// <summary>
/// The hot remote messages of a cluster, <see cref="HcallBatch"/> and <see cref="HcallResults"/>,
/// in a fixed binary layout: a batch of a thousand calls is written and read in microseconds
/// where Hyperion spends that on each call's type names. It writes no type names at all, so it
/// can build only these records and the four hypercalls: its allow-list is its layout. Bytes
/// that do not follow it are refused with <see cref="SerializationException"/>.
/// Layout (little-endian): a kind byte, a 7-bit-encoded count, then per call the tag (7-bit),
/// the VM name (length-prefixed UTF-8), the vCPU (int32), the hcall number (7-bit) and its
/// arguments (uint64 each); per answer the tag (7-bit), call id (int64), return code (int64), R4 (uint64).
/// Never journaled: the layout may change between releases, not within a running cluster.
/// </summary>
public sealed class HcallWireSerializer(ExtendedActorSystem system) : Akka.Serialization.Serializer(system)
{
    /// <summary>Written in every remote envelope of these messages.</summary>
    public const int Id = 4712;

    private const byte BatchKind = 1;
    private const byte ResultsKind = 2;

    /// <summary>A VM name longer than this is not one the fabric would create.</summary>
    private const int MaxVmName = 256;

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case HcallBatch b:
                    w.Write(BatchKind);
                    w.Write7BitEncodedInt(b.Calls.Length);
                    foreach (var c in b.Calls) Write(w, c);
                    break;
                case HcallResults r:
                    w.Write(ResultsKind);
                    w.Write7BitEncodedInt(r.Results.Length);
                    foreach (var a in r.Results) Write(w, a);
                    break;
                default:
                    throw new SerializationException($"the hcall wire format has no layout for a {obj.GetType().Name}");
            }
        }
        return ms.ToArray();
    }

    public override object FromBinary(byte[] bytes, Type type)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
            object message = r.ReadByte() switch
            {
                BatchKind => new HcallBatch(ReadMany(r, bytes.Length, ReadCall)),
                ResultsKind => new HcallResults(ReadMany(r, bytes.Length, ReadResult)),
                var k => throw new SerializationException($"kind {k} is not a message of the hcall wire format"),
            };
            if (r.BaseStream.Position != bytes.Length) throw new SerializationException($"{bytes.Length - r.BaseStream.Position} bytes after the message");
            return message;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or IOException or ArgumentException or OverflowException)
        {
            throw new SerializationException($"hcall wire format: malformed message ({e.Message})", e);
        }
        catch (SerializationException e)
        {
            throw new SerializationException($"hcall wire format: {e.Message}", e);
        }
    }

    private static void Write(BinaryWriter w, RunHcall c)
    {
        w.Write7BitEncodedInt64(c.Tag);
        w.Write(c.Vm);
        w.Write(c.Vcpu);
        w.Write7BitEncodedInt64((long)c.Call.Opcode);
        w.Write(c.Call.Liobn);
        w.Write(c.Call.Ioba);
        switch (c.Call)
        {
            case HGetTce:
                break;
            case HPutTce p:
                w.Write(p.Tce);
                break;
            case HStuffTce s:
                w.Write(s.TceValue);
                w.Write(s.NPages);
                break;
            case HPutTceIndirect i:
                w.Write(i.TceList);
                w.Write(i.NPages);
                break;
            default:
                throw new SerializationException($"the hcall wire format has no layout for a {c.Call.GetType().Name}");
        }
    }

    private static RunHcall ReadCall(BinaryReader r)
    {
        var tag = r.Read7BitEncodedInt64();
        var vm = r.ReadString();
        if (vm.Length > MaxVmName) throw new SerializationException($"a VM name of {vm.Length} characters");
        var vcpu = r.ReadInt32();
        var opcode = (ulong)r.Read7BitEncodedInt64();
        var liobn = r.ReadUInt64();
        var ioba = r.ReadUInt64();
        IHypercall call = opcode switch
        {
            HGetTce.Number => new HGetTce(liobn, ioba),
            HPutTce.Number => new HPutTce(liobn, ioba, r.ReadUInt64()),
            HStuffTce.Number => new HStuffTce(liobn, ioba, r.ReadUInt64(), r.ReadUInt64()),
            HPutTceIndirect.Number => new HPutTceIndirect(liobn, ioba, r.ReadUInt64(), r.ReadUInt64()),
            _ => throw new SerializationException($"hcall 0x{opcode:x} is not a TCE hypercall"),
        };
        return new RunHcall(vm, vcpu, call, tag);
    }

    private static void Write(BinaryWriter w, HcallResult a)
    {
        w.Write7BitEncodedInt64(a.Tag);
        w.Write(a.CallId);
        w.Write((long)a.Ret);
        w.Write(a.R4);
    }

    private static HcallResult ReadResult(BinaryReader r)
    {
        var tag = r.Read7BitEncodedInt64();
        return new HcallResult(r.ReadInt64(), (HcallReturn)r.ReadInt64(), r.ReadUInt64(), tag);
    }

    /// <summary>A count no larger than the bytes could hold (every item takes more than one byte): a forged count allocates nothing.</summary>
    private static T[] ReadMany<T>(BinaryReader r, int length, Func<BinaryReader, T> read)
    {
        var count = r.Read7BitEncodedInt();
        if (count < 0 || count > length) throw new SerializationException($"a count of {count} in {length} bytes");
        var items = new T[count];
        for (var i = 0; i < count; i++) items[i] = read(r);
        return items;
    }
}
