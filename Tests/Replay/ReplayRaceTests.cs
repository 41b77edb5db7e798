using Akka.Actor;
using Fabric.Hosting;
using Fabric.Hosting.Replay;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Replay;

/// <summary>
/// A run where devices DMA while vCPUs map and unmap the same entries, recorded in SQLite: a DMA
/// through a mapping can reach the journal before the call that made it (the call waits for its
/// group commit), and one through a mapping being removed after the unmap's row. Replay judges
/// each DMA by the calls its record says it raced with, so the run replays as clean as it ran.
/// </summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplayRaceTests(ReplayFixture fixture)
{
    private const ulong Liobn = 0x1;
    private const int Vcpus = 4, CallsPerVcpu = 400, Entries = 8;

    /// <summary>
    /// Each vCPU maps and unmaps, in turn, the entries the devices behind groups 1 and 2 DMA
    /// through, every answer one of <paramref name="accepted"/>; the devices, and
    /// <paramref name="alongside"/> (told whether the guests are done), run until every guest
    /// has made its calls, whatever became of them.
    /// </summary>
    private static async Task MapUnmapAndDma(FabricRuntime f, HcallReturn[] accepted, Func<Func<bool>, Task>? alongside = null)
    {
        var done = 0;
        bool GuestsDone() => Volatile.Read(ref done) >= Vcpus;
        var guests = Enumerable.Range(0, Vcpus).Select(vcpu => Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < CallsPerVcpu; i++)
                {
                    var entry = (ulong)((vcpu + i) % Entries);
                    var tce = i % 2 == 0 ? ((ulong)(vcpu + 1) << 20) + (entry << 12) | Tce.PciRead | Tce.PciWrite : 0;
                    var r = (HcallResult)await f.Hcall("h0", "g", vcpu, new HPutTce(Liobn, entry << 12, tce));
                    Assert.Contains(r.Ret, accepted);
                }
            }
            finally { Interlocked.Increment(ref done); }
        })).ToArray();
        var devices = new[] { 1, 2 }.Select(group => Task.Run(async () =>
        {
            for (var i = 0; !GuestsDone(); i++)
                await f.Dma("h0", group, (ulong)(i % Entries) << 12 | 0x10, i % 3 == 0 ? DmaDirection.Write : DmaDirection.Read);
        })).ToArray();
        await Task.WhenAll(guests.Concat(devices).Append(alongside?.Invoke(GuestsDone) ?? Task.CompletedTask));
    }

    [Fact]
    public async Task DMAs_racing_maps_and_unmaps_replay_clean_whatever_order_their_rows_landed_in()
    {
        long liveViolations = -1;
        var journal = await fixture.Journal("race", async (f, _) =>
        {
            await BoundTable.SetUp(f, Liobn, [1, 2], Vcpus);
            await BoundTable.Ok(f, new BindGroupToLiobn("g", Liobn, 2));
            await MapUnmapAndDma(f, [HcallReturn.Success]);
            liveViolations = (await f.Invariants("h0")).Violations.Length;
        });

        var result = await fixture.State(journal);

        Assert.Equal(0, liveViolations);
        var s = result.State;
        Assert.Equal(Vcpus * CallsPerVcpu, s.Calls);
        Assert.True(s.Dmas > 100, $"only {s.Dmas} DMAs ran");
        Assert.Empty(s.Violations);
        Assert.Empty(s.Unjudged);
        Assert.Equal(s.Dmas, s.DmasChecked);
        // The race this test is about did happen: some DMA rows came before the row of a call
        // they raced with (typically hundreds of the DMAs).
        Assert.True(s.DmasJudgedLate > 0, $"no DMA of {s.Dmas} was journaled ahead of a call it raced with");
    }

    [Fact]
    public async Task DMAs_racing_maps_unmaps_and_table_crashes_replay_clean_with_the_lost_calls_named()
    {
        long liveViolations = -1;
        var journal = await fixture.Journal("race-crashes", async (f, _) =>
        {
            await BoundTable.SetUp(f, Liobn, [1, 2], Vcpus);
            await BoundTable.Ok(f, new BindGroupToLiobn("g", Liobn, 2));
            var table = await f.System.ActorSelection($"/user/host-h0/vm-g/tce-{Liobn:x}").ResolveOne(TimeSpan.FromSeconds(3));
            await MapUnmapAndDma(f, [HcallReturn.Success, HcallReturn.Hardware], async guestsDone =>
            {
                while (!guestsDone())
                {
                    table.Tell(InjectedCrash.Instance);
                    await Task.Delay(5);
                }
            });
            // A table journals the calls its last crash lost once it has recovered, before any new
            // call: this one waits for that, where the fabric's shutdown would not.
            Assert.Equal(HcallReturn.Success, ((HcallResult)await f.Hcall("h0", "g", 0, new HGetTce(Liobn, 0))).Ret);
            liveViolations = (await f.Invariants("h0")).Violations.Length;
        });

        var result = await fixture.State(journal);

        Assert.Equal(0, liveViolations);
        var s = result.State;
        Assert.Empty(s.Violations);
        // The case this test is about happened: crashes left applied calls unjournaled.
        Assert.True(s.CallsLost > 0, $"no call of {s.Calls} was lost in a crash");
        // Every call is journaled or recorded lost: the guests' and the last H_GET_TCE.
        Assert.Equal(Vcpus * CallsPerVcpu + 1, s.Calls + s.CallsLost);
    }
}
