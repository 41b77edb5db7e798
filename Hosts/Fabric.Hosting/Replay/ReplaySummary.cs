using System.Globalization;
using System.Text;
using Fabric.Messages;

namespace Fabric.Hosting.Replay;

/// <summary>
/// The summary <c>fabric replay</c> prints: plain lines of <c>key=value</c>, hosts, VMs, tables
/// and PEs in sorted order, nothing that depends on the terminal, so two replays diff cleanly.
/// Invariant violations print as lines starting with <c>! </c>, as in <c>fabric trace</c>.
/// </summary>
public static class ReplaySummary
{
    public static void Write(TextWriter w, ReplayResult r)
    {
        var s = r.State;
        var reader = r.Reader;
        w.WriteLine($"journal {r.Journal}");
        if (!r.Options.Until.IsNone) w.WriteLine($"until {r.Options.Until}");
        w.WriteLine(reader.Rows == 0
            ? "rows none"
            : $"rows {reader.FirstOrdering}..{reader.LastOrdering}: {reader.Rows} rows, {s.Events} events, {reader.DeletedRows} deleted, {reader.OtherStreamRows} of other streams");
        if (reader.Rows > 0) w.WriteLine($"time {Time(reader.FirstTime)} .. {Time(reader.LastTime)}");

        foreach (var host in s.Hosts.Values.OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            w.WriteLine($"host {host.Name}");
            foreach (var vm in host.Topology.Vms.Values.OrderBy(v => v.Name, StringComparer.Ordinal))
            {
                w.WriteLine($"  vm {vm.Name} ram={Hex(vm.RamBytes)} host_base={Hex(vm.HostBase)} vcpus={vm.Vcpus}");
                var tables = host.Tables.Values.Where(t => t.Vm == vm.Name).OrderBy(t => t.Table.Geometry.Liobn).ToArray();
                foreach (var t in tables) w.WriteLine("    " + Table(t));
                var calls = new SortedDictionary<(ulong Opcode, long Ret), long>();
                foreach (var t in tables)
                    foreach (var ((op, ret), n) in t.Calls)
                        calls[(op, (long)ret)] = calls.GetValueOrDefault((op, (long)ret)) + n;
                foreach (var ((op, ret), n) in calls)
                    w.WriteLine($"    calls {HcallName(op)} ret={ret} ({RetName((HcallReturn)ret)}): {n}");
            }
            foreach (var c in host.Topology.Containers.Values.OrderBy(c => c.Id, StringComparer.Ordinal))
            {
                var windows = string.Join(' ', c.Windows.Select(x => $"window={x.Index}:page_shift={x.PageShift},bus_offset={Hex(x.BusOffset)},entries={Hex(x.Entries)}"));
                w.WriteLine($"  container {c.Id} groups={string.Join(',', c.Groups)} {windows} owner={c.Owner ?? "-"}");
            }
            foreach (var ioas in host.Topology.Iommufd.Ioases.Values) w.WriteLine("  " + Ioas(ioas));
            foreach (var pe in host.Pes.Values.OrderBy(p => p.Phb).ThenBy(p => p.Group))
                w.WriteLine($"  pe {pe.Phb}.{pe.Group} owner={pe.Owner ?? "host"} eeh={pe.Eeh} dma ok={pe.DmaOk} fault={pe.DmaFault} frozen={pe.DmaFrozen}");
        }

        var pes = s.Hosts.Values.SelectMany(h => h.Pes.Values).ToArray();
        w.WriteLine(s.CallsLost == 0
            ? $"calls {s.Calls} ({s.TcesWritten} TCEs written)"
            : $"calls {s.Calls} ({s.TcesWritten} TCEs written); {s.CallsLost} more lost in table crashes (applied, never journaled)");
        w.WriteLine($"dmas {s.Dmas}: ok={pes.Sum(p => p.DmaOk)} fault={pes.Sum(p => p.DmaFault)} frozen={pes.Sum(p => p.DmaFrozen)}");
        WriteSkipped(w, reader.Skipped);
        var violations = s.Violations.Count;
        w.WriteLine($"invariants {s.CallsAcknowledged} calls acknowledged, {s.DmasChecked} DMAs checked: " +
                    (violations == 0 ? "clean" : $"{violations} violation{(violations == 1 ? "" : "s")}"));
        if (s.Unjudged.Count > 0)
        {
            w.WriteLine($"not judged {s.Unjudged.Count} DMAs (the calls they raced with are not in what was replayed)");
            foreach (var (at, why) in s.Unjudged.Take(20)) w.WriteLine($"  not judged {at}: {why}");
            if (s.Unjudged.Count > 20) w.WriteLine($"  ... and {s.Unjudged.Count - 20} more");
        }
        foreach (var v in s.Violations) w.WriteLine($"! {v}");
    }

    private static void WriteSkipped(TextWriter w, SkippedRows skipped)
    {
        var line = new StringBuilder($"bad rows skipped {skipped.Total}");
        if (skipped.Total > 0)
        {
            line.Append(':');
            foreach (var kind in Enum.GetValues<BadRowKind>())
                if (skipped.Count(kind) is > 0 and var n) line.Append(CultureInfo.InvariantCulture, $" {BadRow.KindName(kind)}={n}");
            if (skipped.MissingEvents > 0) line.Append(CultureInfo.InvariantCulture, $" (events missing in gaps: {skipped.MissingEvents})");
        }
        w.WriteLine(line.ToString());
        foreach (var row in skipped.First) w.WriteLine($"  skipped {row}");
        if (skipped.Total > skipped.First.Count) w.WriteLine($"  ... and {skipped.Total - skipped.First.Count} more");
    }

    /// <summary><c>ioas 1 windows=0x0+0x40000000/0x1000 devices=1,2 areas=3 mapped=0x3000</c></summary>
    private static string Ioas(Fabric.Iommufd.Ioas ioas)
    {
        var windows = ioas.Windows.Count == 0 ? "-" : string.Join(',', ioas.Windows.Select(x => $"{Hex(x.Base)}+{Hex(x.Size)}/{Hex(x.PageSize)}"));
        var devices = ioas.Devices.Count == 0 ? "-" : string.Join(',', ioas.Devices.Keys);
        return $"ioas {ioas.Id} windows={windows} devices={devices} areas={ioas.Areas.Count} mapped={Hex(ioas.Areas.MappedBytes)}";
    }

    private static string Table(TableState t)
    {
        var table = t.Table;
        var g = table.Geometry;
        var handlers = (table.InKernel, table.InUserspace) switch
        {
            (true, true) => "in-kernel+userspace",
            (true, false) => "in-kernel",
            (false, true) => "userspace",
            _ => "none",
        };
        var links = table.Links.Count == 0 ? "" : " links=" + string.Join(',', table.Links.Select(l => $"{l.Container}/{l.Window}" + (l.References > 1 ? $"*{l.References}" : "")));
        return $"table liobn={Hex(g.Liobn)} page_shift={g.PageShift} offset={Hex(g.Offset)} size={Hex(g.Size)} {handlers}{links} mapped={table.View.NonZeroEntries}";
    }

    /// <summary>The hcall's name in hvcall.h.</summary>
    public static string HcallName(ulong opcode) => opcode switch
    {
        HGetTce.Number => "H_GET_TCE",
        HPutTce.Number => "H_PUT_TCE",
        HStuffTce.Number => "H_STUFF_TCE",
        HPutTceIndirect.Number => "H_PUT_TCE_INDIRECT",
        _ => $"hcall 0x{opcode:x}",
    };

    /// <summary>The return code's name in hvcall.h (H_PARAMETER for <see cref="HcallReturn.Parameter"/>).</summary>
    public static string RetName(HcallReturn ret)
    {
        if (!Enum.IsDefined(ret)) return "unknown";
        var name = new StringBuilder("H");
        foreach (var c in ret.ToString())
        {
            if (char.IsUpper(c)) name.Append('_');
            name.Append(char.ToUpperInvariant(c));
        }
        return name.ToString();
    }

    private static string Time(DateTime? t) => t?.ToString("o", CultureInfo.InvariantCulture) ?? "-";

    private static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}
