using System.Collections.Concurrent;
using Fabric.Hosting.Replay;
using Fabric.Messages;
using Fabric.Vcpu;

namespace Fabric.Hosting.Scenario;

/// <summary>What the journal check found: calls the guests were answered, and how many of them the journal lacks.</summary>
public sealed record AcknowledgedCheck(long Acknowledged, long Journaled, long Lost, string? FirstLost);

/// <summary>
/// The calls a VM's tables answered (any return code but H_HARDWARE, which tells the guest the
/// call may not have happened), by VM and call id (unique per VM across the host's incarnations,
/// HostRestarted), so that after a strict run the journal can be checked to hold every one of
/// them: nothing acknowledged was lost, whatever crashed.
/// </summary>
public sealed class AcknowledgedCalls
{
    private readonly ConcurrentQueue<(string Vm, long CallId)> _calls = new();

    public long Count => _calls.Count;

    /// <summary>An observer for one VM's vCPU that records its acknowledged calls and passes everything on.</summary>
    public IHcallObserver For(VmSpec vm, IHcallObserver next) => new Recorder(this, vm.Name, [.. vm.Windows.Select(w => w.Liobn)], next);

    /// <summary>Reads the journal's TCE streams and counts the acknowledged calls none of them holds.</summary>
    public async Task<AcknowledgedCheck> Check(IJournalSource source, CancellationToken cancellation = default)
    {
        using var decoder = EventDecoder.Start();
        var reader = new JournalReader(source, decoder);
        var journaled = new HashSet<(string, long)>();
        await foreach (var e in reader.ReadAsync(cancellation: cancellation))
        {
            if (e.Stream.Kind != StreamKind.Tce) continue;
            switch (e.Event)
            {
                case HcallHandled h:
                    journaled.Add((e.Stream.Vm, h.CallId));
                    break;
                case HcallsHandled b:
                    foreach (var h in b.Calls) journaled.Add((e.Stream.Vm, h.CallId));
                    break;
            }
        }
        var lost = _calls.Where(c => !journaled.Contains(c)).ToList();
        return new AcknowledgedCheck(_calls.Count, journaled.Count, lost.Count,
            lost.Count == 0 ? null : $"call #{lost[0].CallId} of VM {lost[0].Vm}");
    }

    private sealed class Recorder(AcknowledgedCalls calls, string vm, HashSet<ulong> liobns, IHcallObserver next) : IHcallObserver
    {
        public void Answered(int vcpu, long callId, IHypercall call, HcallReturn ret, long elapsedTicks, HopTimes? hops)
        {
            // A LIOBN of none of the VM's tables is answered by the router: no table, no journal.
            if (ret != HcallReturn.Hardware && liobns.Contains(call.Liobn)) calls._calls.Enqueue((vm, callId));
            next.Answered(vcpu, callId, call, ret, elapsedTicks, hops);
        }

        public void Abandoned(int vcpu, IHypercall call) => next.Abandoned(vcpu, call);
    }
}
