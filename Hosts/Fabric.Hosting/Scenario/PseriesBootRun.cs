using Akka.Actor;
using Fabric.Hosting.Workloads;
using Fabric.Messages;
using Fabric.Vcpu;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// What a pseries-boot workload did: the boot (or why it failed), and its devices' DMAs through
/// the window it made: those that reached the guest page they named, those a frozen PE stopped,
/// and those that went anywhere else (<see cref="FirstWrong"/> the first of them).
/// </summary>
public sealed record PseriesBootReport(string Workload, string Vm, int Phb, PseriesBootResult? Boot, string? Failure,
    long DmasReached, long DmasFrozen, long DmasWrong, string? FirstWrong)
{
    public bool Ok => Failure is null && DmasWrong == 0;
}

/// <summary>
/// A pseries-boot workload in a run: the guest brings up DMA on its PHB on its vCPUs
/// (<see cref="PseriesBoot"/>), its calls counted with the others'. Once RAM is mapped the
/// devices behind the PHB's default window (the PEs of the scenario's window at that LIOBN) DMA
/// at window start + guest physical address with no hypercall, as Linux's dma_direct ops over
/// the DDW window do, and every DMA must reach that very page of the guest's RAM: first at
/// <see cref="Spread"/> addresses spread over all of RAM, then at random ones while the run lasts.
/// </summary>
public sealed class PseriesBootRun(FabricRuntime fabric, BootAssignment a, IHcallObserver observer, RunStats stats, int seed)
{
    /// <summary>The addresses over RAM every device DMAs to right after the boot.</summary>
    public const int Spread = 64;

    private readonly int _phb = a.Workload.Phb!.Value;
    private readonly TaskCompletionSource<PseriesBootResult?> _booted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _failure;
    private string? _firstWrong;
    private long _reached, _frozen, _wrong;

    /// <summary>The host PEs whose devices DMA through the PHB's windows.</summary>
    private IReadOnlyList<int> Pes => a.Vm.Windows.FirstOrDefault(w => w.Liobn == AddPhb.Liobn(_phb, 0))?.Pes ?? [];

    /// <summary>Boots, then DMAs once at each of the spread addresses from every device.</summary>
    public async Task Boot()
    {
        PseriesBootResult boot;
        try
        {
            boot = await PseriesBoot.Run(fabric, a.Vm.Host, a.Vm.Name, _phb, a.Count, a.First, observer);
        }
        catch (Exception e) when (e is InvalidOperationException or AskTimeoutException)
        {
            _failure = e.Message;
            _booted.SetResult(null);
            return;
        }
        _booted.SetResult(boot);
        if (!a.Workload.Dma) return;
        var step = a.Vm.RamBytes / Spread & ~7UL;
        for (var k = 0; k < Spread; k++)
            foreach (var pe in Pes)
                await Dma(boot, pe, (ulong)k * step + (ulong)(k * 0x1238) % step & ~7UL, k % 2 == 0 ? DmaDirection.Write : DmaDirection.Read);
    }

    /// <summary>Random DMAs over all of RAM once the boot is done, about as often as the guests call, until <paramref name="stop"/>.</summary>
    public async Task Devices(CancellationToken stop)
    {
        var boot = await _booted.Task;
        if (boot is null || !a.Workload.Dma || Pes.Count == 0) return;
        var rng = new Random(HashCode.Combine(seed, a.Workload.Name));
        long issued = 0;
        while (!stop.IsCancellationRequested)
        {
            if (issued > 2 * stats.Completed)
            {
                await Task.Delay(1, CancellationToken.None);
                continue;
            }
            issued++;
            var phys = (ulong)rng.NextInt64((long)a.Vm.RamBytes) & ~7UL;
            await Dma(boot, Pes[rng.Next(Pes.Count)], phys, rng.Next(2) == 0 ? DmaDirection.Read : DmaDirection.Write);
        }
    }

    private async Task Dma(PseriesBootResult boot, int pe, ulong phys, DmaDirection dir)
    {
        object answer;
        try
        {
            answer = await fabric.Host(a.Vm.Host).Ask<object>(new DeviceDma(pe, boot.WindowStart + phys, dir), TimeSpan.FromSeconds(2));
        }
        catch (AskTimeoutException)
        {
            // A PE restarting under a crash fault answers nothing for a while: a DMA that never was.
            return;
        }
        if (answer is not DmaResult r) return;
        stats.Dma(r.Outcome);
        var expected = fabric.Memory(a.Vm.Host).GuestRams[a.Vm.Name].HostBase + phys;
        if (r.Outcome == DmaOutcome.Ok && r.Hpa == expected) Interlocked.Increment(ref _reached);
        else if (r.Outcome == DmaOutcome.Frozen) Interlocked.Increment(ref _frozen);
        else
        {
            Interlocked.Increment(ref _wrong);
            Interlocked.CompareExchange(ref _firstWrong,
                $"PE {pe} {dir.ToString().ToLowerInvariant()} of guest 0x{phys:x} at 0x{boot.WindowStart + phys:x}: {r.Outcome} 0x{r.Hpa:x}, not 0x{expected:x}", null);
        }
    }

    public PseriesBootReport Report() => new(a.Workload.Name, a.Vm.Name, _phb, _booted.Task.IsCompleted ? _booted.Task.Result : null,
        _failure, Interlocked.Read(ref _reached), Interlocked.Read(ref _frozen), Interlocked.Read(ref _wrong), _firstWrong);
}
