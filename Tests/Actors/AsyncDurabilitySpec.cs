using Akka.Configuration;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>Async durability: the guest is answered before the journal write, but never more than the lag bound ahead of it.</summary>
public sealed class AsyncDurabilitySpec : TestKit
{
    private const ulong Gib = 1UL << 30;
    private const ulong Liobn = 0xA;

    public AsyncDurabilitySpec() : base(ControlledJournal.Config("""
        akka.loglevel = WARNING
        fabric.durability = async
        fabric.async-max-lag = 2
        """)) { }

    [Fact]
    public async Task replies_run_ahead_of_a_slow_journal_only_up_to_the_lag_bound()
    {
        var f = new FabricRuntime(Sys);
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new CreateVm("g", 2 * Gib, 4)));
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new CreateTceTable("g", Liobn, 12, 0, Gib >> 12, 0)));
        Assert.Equal(HcallReturn.Success, ((HcallResult)await f.Hcall("h0", "g", 0, new HPutTce(Liobn, 0, 0x1003))).Ret);

        var journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null));
        await journal.OnWrite.PassWithDelay(TimeSpan.FromSeconds(3));
        // The first call starts a write; the next two wait behind it, within the bound of 2.
        var ahead = new List<Task<object>>();
        for (var v = 0; v < 3; v++) ahead.Add(f.Hcall("h0", "g", v, new HPutTce(Liobn, (ulong)(v + 1) << 12, 0x2003)));
        var answered = Task.WhenAll(ahead);
        Assert.Same(answered, await Task.WhenAny(answered, Task.Delay(TimeSpan.FromSeconds(2))));

        // Two calls are now waiting for the journal: a third one past the bound must wait for it too.
        var behind = f.Hcall("h0", "g", 3, new HPutTce(Liobn, 0x10000, 0x3003));
        Assert.NotSame(behind, await Task.WhenAny(behind, Task.Delay(TimeSpan.FromMilliseconds(500))));
        await journal.OnWrite.Pass();
        Assert.Equal(HcallReturn.Success, ((HcallResult)await behind).Ret);
    }
}
