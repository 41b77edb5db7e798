namespace Fabric.Messages;

/// <summary>
/// Every type that may cross a node boundary or enter the journal implements this.
/// The serializer's allow-list is built from it: nothing else is ever instantiated from bytes.
/// </summary>
public interface IFabricMessage;

/// <summary>A persisted state change. Tagged for the read journal by its family.</summary>
public interface IFabricEvent : IFabricMessage;

/// <summary>Changes of a TCE table's guest view, its links to hardware tables, and the calls it answered.</summary>
public interface ITceEvent : IFabricEvent;

/// <summary>Changes of the topology: VMs, PHBs, host PEs, containers, bindings.</summary>
public interface ITopologyEvent : IFabricEvent;

/// <summary>Device DMA as observed by a host PE.</summary>
public interface IDmaEvent : IFabricEvent;
