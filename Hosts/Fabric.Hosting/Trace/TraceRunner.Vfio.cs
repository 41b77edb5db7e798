using System.Globalization;
using Fabric.Messages;

namespace Fabric.Hosting.Trace;

/// <summary>The verbs of preregistered memory, PCI hot reset and shared-domain mdevs.</summary>
public sealed partial class TraceRunner
{
    /// <summary>`bus=N` is PCI bus N of segment 0, "0000:NN".</summary>
    private static string? Bus(TraceStatement s) =>
        s.Has("bus") ? string.Create(CultureInfo.InvariantCulture, $"0000:{Int(s, "bus"):x2}") : null;

    private static uint U32(TraceStatement s, string key, uint fallback)
    {
        if (!s.Has(key)) return fallback;
        var v = s.Number(key);
        return v <= uint.MaxValue ? (uint)v : throw new TraceFormatException(s.Error($"{key}={v} does not fit in the ioctl's 32-bit field"));
    }

    private static int Fd(TraceStatement s, ulong fd) =>
        fd <= uint.MaxValue ? unchecked((int)(uint)fd) : throw new TraceFormatException(s.Error($"fd {fd} does not fit in the ioctl's 32-bit int"));

    /// <summary>Prints ret= and count= (also with -ENOSPC: the kernel writes the count back), and on success the devices and their groups.</summary>
    private async Task HotResetInfo(TraceStatement s)
    {
        var argsz = U32(s, "argsz", GetPciHotResetInfo.MinSize);
        var reply = await _fabric.Ask(s.Word("host"), new GetPciHotResetInfo(Fd(s, s.Number("fd")), argsz));
        if (reply is not PciHotResetInfo info) throw new TraceFormatException(s.Error(((SetupResult)reply).Detail));
        await _out.WriteLineAsync(TraceOutput.Line(s, TraceOutput.HotResetInfo(info)));
        if (!info.Result.Succeeded) await _err.WriteLineAsync($"{s.Location}: {info.Result.Detail}");
    }

    private Task HotReset(TraceStatement s)
    {
        var fds = s.Numbers("group_fds").Select(fd => Fd(s, fd)).ToArray();
        return Ioctl(s, new PciHotReset(Fd(s, s.Number("fd")), fds, U32(s, "flags", 0), U32(s, "argsz", PciHotReset.ArgszFor(fds.Length))));
    }

    private async Task SdmdevDma(TraceStatement s)
    {
        var host = s.Word("host");
        var dir = s.Word("dir") == "write" ? DmaDirection.Write : DmaDirection.Read;
        var reply = await _fabric.Ask(host, new SdmdevDma(Int(s, "group"), s.Number("iova"), dir));
        if (reply is not DmaResult r) throw new TraceFormatException(s.Error(((SetupResult)reply).Detail));
        await _out.WriteLineAsync(TraceOutput.Line(s, TraceOutput.Dma(r.Outcome, r.Hpa)));
        await ReportViolations(host);
    }

    /// <summary>VFIO_EEH_PE_OP: op=9 carries the injected error (type=, func=, addr=, mask=).</summary>
    private Task EehPeOp(TraceStatement s)
    {
        var op = U32(s, "op", 0);
        EehInjection? err = op == (uint)Messages.EehPeOp.InjectErr
            ? new EehInjection(U32(s, "type", 1), U32(s, "func", 0), s.NumberOr("addr", 0), s.NumberOr("mask", 0))
            : null;
        return Ioctl(s, new EehPeOpOnContainer(FdArg(s, "container", "fd"), U32(s, "argsz", err is null ? 16u : 40u), U32(s, "flags", 0), op, err));
    }

    private async Task GuestPeState(TraceStatement s)
    {
        var reply = await _fabric.Ask(HostOfVm(s), new GetGuestPeReport(VmName(s), Int(s, "id")));
        switch (reply)
        {
            case GuestPeReport report:
                await _out.WriteLineAsync(TraceOutput.Line(s, TraceOutput.GuestPe(report)));
                break;
            case SetupResult failed:
                await _out.WriteLineAsync(TraceOutput.Line(s, TraceOutput.Ret(failed.Ret)));
                await _err.WriteLineAsync($"{s.Location}: {failed.Detail}");
                break;
        }
    }
}
