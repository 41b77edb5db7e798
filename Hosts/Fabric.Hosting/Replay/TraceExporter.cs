using System.Globalization;
using Fabric.Hosting.Trace;
using Fabric.Messages;

namespace Fabric.Hosting.Replay;

/// <summary>An event that has no trace statement (docs/replay.md lists them).</summary>
public sealed class TraceExportException(JournalPosition at, string message) : Exception($"{at}: {message}")
{
    public JournalPosition At { get; } = at;
}

/// <summary>
/// Writes the journal as a trace (docs/trace-format.md) that <c>fabric trace</c> runs on a fresh
/// fabric: one statement per event, in global order, so setup, RAM pokes, calls and DMAs
/// interleave as they happened. Setup statements come from the topology events (vm, phb,
/// tce-table, poke, host, pe, container, bind); what follows from them (the PHB's own table, PE
/// owners, the tables' links) is left to the fabric. Every hcall carries vm=; every DMA is a
/// DMA statement. Each line is checked by the trace parser as it is written.
/// Beside the trace, <paramref name="expected"/> receives the output the recorded run printed for
/// each call and DMA (<c>NAME.expected</c>, as the shipped traces have): the round trip is
/// <c>fabric trace NAME.trace | diff - NAME.expected</c>.
/// </summary>
public sealed class TraceExporter(TextWriter trace, TextWriter? expected, string traceName)
{
    private readonly HashSet<string> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _vmHost = new(StringComparer.Ordinal);
    private int _line;

    public long Statements { get; private set; }
    public long Calls { get; private set; }
    public long Dmas { get; private set; }

    /// <summary>VFIO and KVM ioctls written from the host's command records.</summary>
    public long Ioctls { get; private set; }

    private int _effectsToSkip;

    /// <summary>
    /// Called with every statement written: the row it came from, the parsed statement, and for a
    /// call or DMA the line the recorded run printed for it (null for setup, which printed nothing).
    /// </summary>
    public Action<JournalPosition, TraceStatement, string?>? OnStatement { get; init; }

    /// <summary>A comment line (the text after "# ").</summary>
    public void Comment(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            _line++;
            trace.WriteLine(line.Length == 0 ? "#" : "# " + line);
        }
    }

    /// <summary>The statement of one replayed event, if it has one.</summary>
    public void Add(in JournalEvent e)
    {
        var at = e.At;
        var host = e.Stream.Host;
        switch (e.Stream.Kind, e.Event)
        {
            case (StreamKind.Host, HostCommandAnswered a):
                if (_hosts.Add(host)) Setup(at, $"host name={host}");
                if (a.Command is CreateVm vm && a.Events > 0) NewVm(at, vm.Name, host);
                Command(at, host, a);
                // What the command changed follows from the statement when the trace runs.
                _effectsToSkip = a.Events;
                break;
            case (StreamKind.Host, _) when _effectsToSkip > 0:
                _effectsToSkip--;
                break;
            case (StreamKind.Host, _):
                if (_hosts.Add(host)) Setup(at, $"host name={host}");
                Topology(at, host, e.Event);
                break;
            case (StreamKind.Tce, HcallHandled c):
                Call(at, e.Stream.Vm, c);
                break;
            case (StreamKind.Tce, HcallsHandled b):
                foreach (var c in b.Calls) Call(at, e.Stream.Vm, c);
                break;
            case (StreamKind.Pe, DmaCompleted d):
                var dir = d.Direction == DmaDirection.Write ? "write" : "read";
                Result(at, $"DMA host={d.Host} pe={d.Group} ioba={Hex(d.Ioba)} dir={dir}", TraceOutput.Dma(d.Outcome, d.Hpa));
                Dmas++;
                break;
            // The table's own TceTableCreated, HardwareTableLinked and HardwareTableUnlinked, and the
            // PE's owner, follow from the host's statements (binds, ioctls) when the trace runs.
        }
    }

    private void Topology(JournalPosition at, string host, IFabricEvent e)
    {
        switch (e)
        {
            case VmCreated v:
                NewVm(at, v.Name, host);
                Setup(at, $"vm name={v.Name} ram={Hex(v.RamBytes)} host={host}");
                break;
            case PhbAdded p:
                Setup(at, $"phb vm={p.Vm} index={p.Index} ddw={(p.Ddw ? "on" : "off")} pgsz={Hex(p.PageSizeMask)} dma_win_size={Hex(p.DmaWindowSize)} dma64_win_addr={Hex(p.Dma64WindowAddress)}");
                break;
            // A table only QEMU knows is the default window of the phb just written.
            case TceTableCreated { InKernel: true } t:
                Setup(at, $"tce-table vm={t.Vm} liobn={Hex(t.Liobn)} page_shift={t.PageShift} offset={Hex(t.Offset)} size={Hex(t.Size)}");
                break;
            case GuestRamWritten w when w.Words.Length > 0:
                Setup(at, $"poke vm={w.Vm} gpa={Hex(w.Gpa)} be64={string.Join(',', w.Words.Select(Hex))}");
                break;
            case HostPeAdded p:
                Setup(at, $"pe host={host} id={p.Group} phb={p.Phb}" + p.Iommu switch
                {
                    PeIommu.Ioda1 => " iommu=ioda1",
                    PeIommu.None => " iommu=none",
                    PeIommu.X86 => " iommu=x86",
                    _ => "",
                });
                break;
            case ContainerCreated c:
                if (c.Windows.Length != 1 || c.Windows[0].Index != 0)
                    throw new TraceExportException(at, $"container {c.Id} has {c.Windows.Length} hardware windows ({string.Join(", ", c.Windows.Select(w => w.Index))}); a trace's container statement makes exactly one, window 0");
                var win = c.Windows[0];
                if (win.PageShift is < 0 or > 63 || win.Entries > ulong.MaxValue >> win.PageShift)
                    throw new TraceExportException(at, $"container {c.Id}'s window of 0x{win.Entries:x} entries of 2^{win.PageShift} bytes is larger than a trace can write");
                Setup(at, $"container host={host} id={c.Id} groups={string.Join(',', c.Groups)} page_shift={win.PageShift} window_size={Hex(win.Entries << win.PageShift)} bus_offset={Hex(win.BusOffset)}");
                break;
            case GroupBound b:
                Setup(at, $"bind vm={b.Vm} liobn={Hex(b.Liobn)} group={b.Group} host={host}");
                break;
            case GuestPeDefined d:
                Setup(at, $"guest-pe vm={d.Vm} id={d.Id} pes={string.Join(',', d.Groups)} eeh={(d.Design == GuestPeDesign.Qemu ? "qemu" : "converge")}{(d.Phb is { } phb ? $" phb={phb}" : "")}{(d.Bus != 0 ? $" bus={d.Bus}" : "")}");
                break;
            // PeOwnerChanged follows from bind; HostCreated from host.
        }
    }

    /// <summary>A trace names a VM by its name alone, so one name on two hosts cannot be exported.</summary>
    private void NewVm(JournalPosition at, string vm, string host)
    {
        if (_vmHost.TryGetValue(vm, out var other))
            throw new TraceExportException(at, $"VM {vm} exists on hosts {other} and {host}; a trace names a VM by its name alone");
        _vmHost[vm] = host;
    }

    /// <summary>An ioctl or `bind` the host answered: its statement, and what the recorded run printed for it.</summary>
    private void Command(JournalPosition at, string host, HostCommandAnswered a)
    {
        if (CommandStatements.Of(host, a.Command, out var why) is not { } statement)
            throw new TraceExportException(at, why);
        var parsed = Write(at, statement.Text);
        string? line = a.Reply switch
        {
            PciHotResetInfo info => TraceOutput.Line(parsed, TraceOutput.HotResetInfo(info)),
            GuestPeReport report => TraceOutput.Line(parsed, TraceOutput.GuestPe(report)),
            RtasAnswer r when a.Command is IDdwRtasCall call => TraceOutput.Line(parsed, TraceOutput.Rtas(call, r)),
            SetupResult r when a.Command is CreateSpaprTceWindow => TraceOutput.Line(parsed, TraceOutput.SpaprTceCreate(r)),
            GuestPeRtasAnswer answer when a.Command is GuestPeRtasCall call => TraceOutput.Line(parsed, TraceOutput.EehRtas(call, answer)),
            IoasIovaRanges ranges => TraceOutput.Line(parsed, IommufdOutput.IovaRanges(ranges)),
            SetupResult r when a.Command is IIommufdCommand => TraceOutput.Line(parsed, IommufdOutput.Answer(a.Command, r)),
            SetupResult r when statement.Prints => TraceOutput.Line(parsed, TraceOutput.Ret(r.Ret)),
            SetupResult { Succeeded: false } r => TraceOutput.SetupFailed(parsed, r.Error),
            _ => null,
        };
        if (line is not null) expected?.WriteLine(line);
        OnStatement?.Invoke(at, parsed, line);
        if (statement.Prints) Ioctls++;
    }

    private void Call(JournalPosition at, string vm, HcallHandled c)
    {
        var statement = c.Call switch
        {
            HPutTce p => $"H_PUT_TCE vm={vm} liobn={Hex(p.Liobn)} ioba={Hex(p.Ioba)} tce={Hex(p.Tce)}",
            HGetTce g => $"H_GET_TCE vm={vm} liobn={Hex(g.Liobn)} ioba={Hex(g.Ioba)}",
            HStuffTce s => $"H_STUFF_TCE vm={vm} liobn={Hex(s.Liobn)} ioba={Hex(s.Ioba)} tce={Hex(s.TceValue)} npages={Hex(s.NPages)}",
            HPutTceIndirect i => $"H_PUT_TCE_INDIRECT vm={vm} liobn={Hex(i.Liobn)} ioba={Hex(i.Ioba)} tcelist={Hex(i.TceList)} npages={Hex(i.NPages)}",
            var other => throw new TraceExportException(at, $"call #{c.CallId} is a {other.GetType().Name}, which has no trace statement"),
        };
        Result(at, statement, c.Call is HGetTce ? TraceOutput.GetTce(c.Ret, c.R4) : TraceOutput.Ret(c.Ret));
        Calls++;
    }

    private void Setup(JournalPosition at, string statement)
    {
        // Written first: ?.Invoke would skip evaluating its arguments when no one listens.
        var parsed = Write(at, statement);
        OnStatement?.Invoke(at, parsed, null);
    }

    /// <summary>A call or DMA: its line, and the line the recorded run printed for it.</summary>
    private void Result(JournalPosition at, string statement, string result)
    {
        var parsed = Write(at, statement);
        var line = TraceOutput.Line(parsed, result);
        expected?.WriteLine(line);
        OnStatement?.Invoke(at, parsed, line);
    }

    private TraceStatement Write(JournalPosition at, string statement)
    {
        _line++;
        TraceStatement? parsed;
        try
        {
            parsed = TraceParser.ParseLine(traceName, _line, statement);
        }
        catch (TraceFormatException e)
        {
            throw new TraceExportException(at, $"the event cannot be written as a trace statement: {e.Error.Message}");
        }
        trace.WriteLine(statement);
        Statements++;
        return parsed!;
    }

    private static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}
