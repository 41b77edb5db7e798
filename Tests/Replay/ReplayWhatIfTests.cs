using Fabric.Hosting.Replay;
using Fabric.Tests.Support;

namespace Fabric.Tests.Replay;

/// <summary>
/// <c>fabric replay JOURNAL --against CONFIG</c>: the recorded setup, calls and DMAs re-run on a
/// fabric built from another configuration, and the statements whose outcome differs.
/// </summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplayWhatIfTests(ReplayFixture fixture)
{
    private string Config(string text)
    {
        var file = fixture.NewFile("what-if.hocon");
        File.WriteAllText(file, text);
        return file;
    }

    [Theory]
    [MemberData(nameof(ReplayExportTests.ShippedTraces), MemberType = typeof(ReplayExportTests))]
    public async Task A_configuration_that_changes_no_outcome_re_runs_every_trace_the_same(string name)
    {
        var journal = await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, name));
        var config = Config("fabric.durability = off\n");

        var run = await fixture.Replay(journal, against: config);

        // A trace that shows a violation replays with it (exit 1); the re-run finds the same one.
        var exit = ReplayFixture.ExpectedViolations(Path.Combine(RepoRoot.Traces, name)).Length > 0 ? ReplayExit.Violation : ReplayExit.Clean;
        Assert.True(run.Exit == exit, run.Out + run.Err);
        Assert.Contains($"what-if against {config}: fabric.durability = off", run.OutLines);
        Assert.Equal("  outcomes: the same for every statement", run.OutLines[^1]);
    }

    [Fact]
    public async Task Without_KVM_acceleration_QEMU_accepts_the_unaligned_ioba_KVM_refused()
    {
        var journal = await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "h_put_tce-errors.trace"));
        var config = Config("# every call answered by QEMU\nfabric.kvm { acceleration = off }\n");

        var run = await fixture.Replay(journal, against: config);

        Assert.True(run.Exit == ReplayExit.OutcomesDiffer, run.Out + run.Err);
        var whatIf = run.OutLines.SkipWhile(l => !l.StartsWith("what-if", StringComparison.Ordinal)).ToArray();
        var row = ReplayFixture.Ordering(journal, "tce/h0/g/0x1", 4);
        Assert.Equal(
            [
                $"what-if against {config}: fabric.kvm.acceleration = off",
                "  re-ran 27 statements (16 calls, 3 DMAs, 8 setup) on a fresh in-memory fabric, in journal order",
                $"  row {row} (tce/h0/g/0x1 #4): H_PUT_TCE vm=g liobn=0x1 ioba=0x3008 tce=0x10003: recorded ret=-4, against ret=0",
                "  outcomes: 1 differ (1 calls, 0 DMAs, 0 setup); 0 invariant violations in the re-run",
            ],
            whatIf);
        // The recorded history itself is still replayed and checked first.
        Assert.Contains("invariants 16 calls acknowledged, 3 DMAs checked: clean", run.OutLines);
    }

    /// <summary>The configurations shipped in config/what-if/ load, so the README's command works.</summary>
    [Fact]
    public void The_shipped_what_if_configurations_load()
    {
        var files = Directory.GetFiles(Path.Combine(RepoRoot.Path, "config", "what-if"), "*.hocon");
        Assert.NotEmpty(files);
        foreach (var file in files) Assert.NotEmpty(WhatIfConfig.Load(file).Changes);
    }

    /// <summary>
    /// Seed 000's case as a what-if: the recorded run (group design) leaves group 2 a stale
    /// translation after group 1's hot unplug; the same journal re-run with containers bound
    /// faults that DMA instead, and the group-only ioctl has no group to delete.
    /// </summary>
    [Fact]
    public async Task The_unplug_trace_re_run_with_containers_bound_faults_where_the_group_design_went_stale()
    {
        var trace = Path.Combine(RepoRoot.Traces, "unplug-what-if.trace");
        var journal = await fixture.TraceJournal(trace);
        var config = Path.Combine(RepoRoot.Path, "config", "what-if", "container-binding.hocon");

        var run = await fixture.Replay(journal, against: config);

        // The recorded history's violation decides the exit code (1) before the differences (3).
        Assert.True(run.Exit == ReplayExit.Violation, run.Out + run.Err);
        var whatIf = run.OutLines.SkipWhile(l => !l.StartsWith("what-if", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            [
                $"what-if against {config}: fabric.kvm.liobn-binding = container",
                "  re-ran 13 statements (2 calls, 2 DMAs, 2 ioctls, 7 setup) on a fresh in-memory fabric, in journal order",
                $"  row {ReplayFixture.Ordering(journal, "host/h0", 12)} (host/h0 #12): KVM_DEV_VFIO_GROUP_DEL vm=g group=0x1: recorded ret=0, against ret=-2",
                $"  row {ReplayFixture.Ordering(journal, "pe/h0/0.2", 3)} (pe/h0/0.2 #3): DMA host=h0 pe=0x2 ioba=0x1000 dir=read: recorded ret=ok hpa=0x1007f000000, against ret=fault",
                "  outcomes: 2 differ (0 calls, 1 DMAs, 1 ioctls, 0 setup); 0 invariant violations in the re-run",
            ],
            whatIf);
    }

    [Fact]
    public async Task The_what_if_never_writes_to_the_journal_it_reads()
    {
        var journal = fixture.Copy(await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "h_stuff_tce-errors.trace")));
        var before = ReplayFixture.Fingerprint(journal);

        var run = await fixture.Replay(journal, against: Config("fabric.kvm.acceleration = off"));

        Assert.Equal(ReplayExit.OutcomesDiffer, run.Exit);
        Assert.Equal(before, ReplayFixture.Fingerprint(journal));
    }

    [Theory]
    [InlineData("fabric.kvm.accelleration = off\n", ":1: fabric.kvm.accelleration is not a Fabric setting; the settings are fabric.async-max-lag, fabric.durability, fabric.eeh.freeze-window, fabric.eeh.guest-pe, fabric.eeh.max-freezes, fabric.hcall-timeout, fabric.kill-retry, fabric.kvm.acceleration, fabric.kvm.liobn-binding, fabric.pe-snapshot-every, fabric.snapshot-every, fabric.supervision.max-restarts, fabric.supervision.within")]
    [InlineData("# the journal\nfabric.journal = sqlite\n", ":2: fabric.journal chooses a journal, but the what-if re-run keeps its events in memory")]
    [InlineData("fabric {\n  durability = sometimes\n}\n", ":2: fabric.durability = sometimes: expected strict, async or off")]
    [InlineData("fabric.kvm.acceleration = maybe", ":1: fabric.kvm.acceleration = maybe: expected on or off")]
    [InlineData("fabric.async-max-lag = 0", ":1: fabric.async-max-lag = 0: expected a whole number above 0")]
    [InlineData("fabric.kvm.liobn-binding = vm", ":1: fabric.kvm.liobn-binding = vm: expected group or container")]
    [InlineData("fabric.hcall-timeout = soon", ":1: fabric.hcall-timeout = soon: expected a duration")]
    [InlineData("\nfabric { durability = [\n", ":2: not valid HOCON: the '[' here is never closed")]
    [InlineData("colour = blue", ":1: colour is neither a fabric.* nor an akka.* setting")]
    [InlineData("# nothing\n", ": changes nothing; name at least one setting to change")]
    public async Task A_bad_configuration_exits_2_naming_the_file_and_line(string text, string reason)
    {
        var journal = await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "quickstart.trace"));
        var config = Config(text);

        var run = await fixture.Replay(journal, against: config).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((ReplayExit.Malformed, ""), (run.Exit, run.Out));
        Assert.StartsWith(config + reason, run.Err);
    }

    [Fact]
    public async Task A_missing_configuration_file_exits_2()
    {
        var journal = await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "quickstart.trace"));
        var missing = fixture.NewFile("none.hocon");

        var run = await fixture.Replay(journal, against: missing);

        Assert.Equal((ReplayExit.Malformed, ""), (run.Exit, run.Out));
        Assert.StartsWith($"{missing}: no such configuration file", run.Err);
    }
}
