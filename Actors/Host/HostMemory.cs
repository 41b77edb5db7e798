using System.Collections.Concurrent;
using Akka.Actor;
using Fabric.Container;
using Fabric.Vm;

namespace Fabric.Host;

/// <summary>
/// What the actors of one physical host share because the hardware shares it: guest RAM,
/// hardware TCE tables, and the address of each PE's kill register. Everything of a host runs
/// on one node, so these are plain references; they never cross a node or enter the journal.
/// </summary>
public sealed class HostMemory
{
    public HostMemory(string host) => Host = host;

    public string Host { get; }

    /// <summary>How many times the host's actor has started again from its journal (HostRestarted); set before any call runs.</summary>
    public int Incarnation
    {
        get => Volatile.Read(ref _incarnation);
        set => Volatile.Write(ref _incarnation, value);
    }

    private int _incarnation;
    public ConcurrentDictionary<string, GuestRam> GuestRams { get; } = new();
    public ConcurrentDictionary<string, HardwareTceTable> HardwareTables { get; } = new();

    /// <summary>The hardware tables of a container ("container/window" keys), in window order.</summary>
    public HardwareTceTable[] TablesOf(string container) =>
        HardwareTables.Values.Where(t => t.Key.StartsWith(container + "/", StringComparison.Ordinal))
            .OrderBy(t => t.Window.Index).ToArray();

    /// <summary>How many hardware TCEs of this host map host physical [hpa, hpa+length).</summary>
    public long HardwareTcesInto(ulong hpa, ulong length) =>
        HardwareTables.Values.Sum(t => t.CountMappingsInto(hpa, length));

    /// <summary>Group id to its kill register. Tests put a probe here to model a faulty register.</summary>
    public ConcurrentDictionary<int, IActorRef> KillRegisters { get; } = new();

    /// <summary>Faults on the way to this host's kill registers (a chaos run sets them; null: none).</summary>
    public Fabric.KillRegister.KillFaults? KillFaults { get; set; }
}
