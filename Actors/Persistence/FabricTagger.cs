using Akka.Persistence.Journal;
using Fabric.Messages;

namespace Fabric.Persistence;

/// <summary>
/// Tags every event for the read journal by what it is about: hcall (a guest's calls as the
/// table answered them), dma, eeh, topology (VMs, tables, PEs, containers, bindings).
/// </summary>
public sealed class FabricTagger : IWriteEventAdapter
{
    public const string Hcall = "hcall";
    public const string Dma = "dma";
    public const string Topology = "topology";
    public const string Eeh = "eeh";

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => TagOf(evt) is { } tag ? new Tagged(evt, [tag]) : evt;

    public static string? TagOf(object evt) => evt switch
    {
        HcallHandled or HcallsHandled => Hcall,
        IDmaEvent => Dma,
        IEehEvent => Eeh,
        ITopologyEvent or ITceEvent => Topology,
        _ => null,
    };
}
