using System.Collections.Concurrent;
using System.Diagnostics;
using Fabric.Messages;
using Fabric.Vcpu;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// What a run's vCPUs and devices did, gathered while it runs (from many threads, without
/// locks on the hot path): calls by kind and return code, latency overall and per hop, calls
/// completed per tenth of a second, DMAs by outcome.
/// </summary>
public sealed class RunStats : IHcallObserver
{
    public static readonly string[] Hops = ["vCPU->router", "router->table", "table (decide, mirror, send kills)", "kills + journal", "reply->vCPU"];
    public static readonly TimeSpan Slot = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<(string Kind, HcallReturn Ret), StrongBox> _calls = new();
    private readonly ConcurrentDictionary<DmaOutcome, StrongBox> _dmas = new();
    private readonly long _start = Stopwatch.GetTimestamp();
    // An hour of slots (288 KiB); a longer run counts its tail in the last one.
    private readonly long[] _perSlot = new long[36_000];
    private long _completed, _abandoned;

    public LatencyHistogram Latency { get; } = new();
    public LatencyHistogram[] HopLatency { get; } = [.. Hops.Select(_ => new LatencyHistogram())];

    public long Completed => Interlocked.Read(ref _completed);
    public long AbandonedCalls => Interlocked.Read(ref _abandoned);

    public IEnumerable<(string Kind, HcallReturn Ret, long Count)> Calls =>
        _calls.Select(kv => (kv.Key.Kind, kv.Key.Ret, Interlocked.Read(ref kv.Value.Value))).OrderBy(c => c.Kind).ThenBy(c => c.Ret);

    public IEnumerable<(DmaOutcome Outcome, long Count)> Dmas =>
        _dmas.Select(kv => (kv.Key, Interlocked.Read(ref kv.Value.Value))).OrderBy(d => d.Key);

    public long DmaCount => _dmas.Values.Sum(b => Interlocked.Read(ref b.Value));

    /// <summary>Calls completed in each <see cref="Slot"/> since the start.</summary>
    public long[] Throughput(TimeSpan elapsed)
    {
        var slots = Math.Min(_perSlot.Length, (int)Math.Ceiling(elapsed / Slot));
        return [.. _perSlot.Take(Math.Max(1, slots)).Select(v => Interlocked.Read(ref v))];
    }

    /// <summary>The bus address each LIOBN's workloads last mapped: devices DMA around it, racing the guest's maps and unmaps.</summary>
    public ulong LastIoba(ulong liobn) => _lastIoba.TryGetValue(liobn, out var ioba) ? ioba : 0;

    private readonly ConcurrentDictionary<ulong, ulong> _lastIoba = new();

    public void Answered(int vcpu, long callId, IHypercall call, HcallReturn ret, long elapsedTicks, HopTimes? hops)
    {
        if (ret == HcallReturn.Success && call is HPutTceIndirect or HPutTce { Tce: not 0 }) _lastIoba[call.Liobn] = call.Ioba;
        Interlocked.Increment(ref _calls.GetOrAdd((KindOf(call), ret), _ => new StrongBox()).Value);
        Latency.Record(elapsedTicks * 1e9 / Stopwatch.Frequency);
        Interlocked.Increment(ref _completed);
        var slot = Math.Min(_perSlot.Length - 1, (int)(Stopwatch.GetElapsedTime(_start) / Slot));
        Interlocked.Increment(ref _perSlot[slot]);
        if (hops is { Routed: > 0, AtTable: > 0, KillsSent: > 0, Replied: > 0, Answered: > 0 })
        {
            Hop(0, hops.Routed - hops.Sent);
            Hop(1, hops.AtTable - hops.Routed);
            Hop(2, hops.KillsSent - hops.AtTable);
            Hop(3, hops.Replied - hops.KillsSent);
            Hop(4, hops.Answered - hops.Replied);
        }
    }

    public void Abandoned(int vcpu, IHypercall call) => Interlocked.Increment(ref _abandoned);

    public void Dma(DmaOutcome outcome) => Interlocked.Increment(ref _dmas.GetOrAdd(outcome, _ => new StrongBox()).Value);

    public static string KindOf(IHypercall call) => call switch
    {
        HPutTce => "H_PUT_TCE",
        HGetTce => "H_GET_TCE",
        HStuffTce => "H_STUFF_TCE",
        HPutTceIndirect => "H_PUT_TCE_INDIRECT",
        _ => call.GetType().Name,
    };

    private void Hop(int hop, long ticks) => HopLatency[hop].Record(Math.Max(0, ticks) * 1e9 / Stopwatch.Frequency);

    private sealed class StrongBox
    {
        public long Value;
    }
}
