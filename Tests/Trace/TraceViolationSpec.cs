using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Hosting.Trace;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Trace;

/// <summary>
/// The runner's violation path: an invariant broken by a DMA prints as a `!` line right after
/// that DMA, and the run ends with exit code 1.
/// </summary>
public sealed class TraceViolationSpec : TestKit
{
    public TraceViolationSpec() : base(TestConfigs.InMemory()) { }

    private const string Setup = FaultyKillRegisterTrace.Setup;
    private const string Calls = FaultyKillRegisterTrace.Calls;

    [Fact]
    public async Task A_kill_register_that_acknowledges_without_invalidating_gives_a_coherence_violation_line_and_exit_1()
    {
        var fabric = new FabricRuntime(Sys);
        var output = new StringWriter();
        var errors = new StringWriter();
        var runner = new TraceRunner(fabric, output, errors);
        Assert.Equal(0, await runner.RunText("setup.trace", Setup));

        // PE 2's kill register acknowledges every kill and leaves the PE's TCE cache as it was.
        var faulty = CreateTestProbe();
        faulty.SetAutoPilot(new DelegateAutoPilot((sender, msg) =>
        {
            if (msg is TceKill k) sender.Tell(new TceKilled(2, k.Token));
            return AutoPilot.KeepRunning;
        }));
        KillRegisterSwap.Replace(fabric, 2, faulty.Ref);

        var exit = await runner.RunText("calls.trace", Calls);

        Assert.Equal(1, exit);
        Assert.Equal("", errors.ToString());
        var lines = OutputDiff.Lines(output.ToString());
        Assert.Equal(
            [
                "DMA host=h0 pe=0x2 ioba=0x1000 dir=read ret=fault",
                "H_PUT_TCE liobn=0x1 ioba=0x1000 tce=0x2003 ret=0",
                "DMA host=h0 pe=0x2 ioba=0x1000 dir=read ret=ok hpa=0x10000002000",
                "H_PUT_TCE liobn=0x1 ioba=0x1000 tce=0x0 ret=0",
                "DMA host=h0 pe=0x1 ioba=0x1000 dir=read ret=fault",
                "DMA host=h0 pe=0x2 ioba=0x1000 dir=read ret=ok hpa=0x10000002000",
            ],
            lines[..^1]);
        // Group 2's cache still holds the unmapped TCE: the stale DMA is reported right after it.
        Assert.StartsWith("! coherence violation: DMA read by h0 pe 2 at ioba=0x1000 reached hpa=0x10000002000", lines[^1]);
    }
}
