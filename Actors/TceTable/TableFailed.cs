using Akka.Actor;
using Fabric.Messages;

namespace Fabric.TceTable;

/// <summary>A reply the failed table still owed a vCPU: the result it earned, or H_HARDWARE.</summary>
public sealed record OwedReply(IActorRef ReplyTo, HcallResult Result, bool Failed);

/// <summary>
/// A table's journal write failed, or the table crashed (local: carries actor refs). The table
/// has cleared its hardware windows; whoever handles this kills every cache that may hold them,
/// then answers the vCPUs, then (unless <paramref name="Restarting"/>: its supervisor is already
/// restarting it) starts the table again from the journal.
/// </summary>
public sealed record TableFailed(TceTableCreated Created, KillRange[] Cleared, OwedReply[] Replies, bool Restarting = false);
