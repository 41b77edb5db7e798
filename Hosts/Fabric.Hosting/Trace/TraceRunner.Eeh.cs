using Fabric.Messages;

namespace Fabric.Hosting.Trace;

/// <summary>The verbs of EEH on a guest PE: its definition, fault injection and the guest's RTAS calls.</summary>
public sealed partial class TraceRunner
{
    private Task GuestPe(TraceStatement s) =>
        Setup(s, HostOfVm(s), new DefineGuestPe(VmName(s), Int(s, "id"),
            [.. s.Numbers("pes").Select(g => g > int.MaxValue ? throw new TraceFormatException(s.Error($"PE {g} is too large")) : (int)g)],
            s.WordOrNull("eeh") switch
            {
                "qemu" => GuestPeDesign.Qemu,
                "converge" => GuestPeDesign.Converge,
                _ => null,
            },
            s.Has("phb") ? Int(s, "phb") : null,
            U32(s, "bus", 0)));

    private Task EehInject(TraceStatement s)
    {
        var fault = s.WordOrNull("kind") == "reset-fail" ? EehFault.ResetFail : EehFault.Freeze;
        if (fault == EehFault.Freeze && s.Has("count"))
            throw new TraceFormatException(s.Error("count= goes with kind=reset-fail only"));
        var count = Int(s, "count", 1);
        if (count < 1) throw new TraceFormatException(s.Error("count= must be at least 1"));
        return (s.Has("pe"), s.Has("phb")) switch
        {
            (true, false) => Ioctl(s, s.Word("host"), new EehInject(Int(s, "pe"), null, fault, count)),
            (false, true) => Ioctl(s, s.Word("host"), new EehInject(null, Int(s, "phb"), fault, count)),
            _ => throw new TraceFormatException(s.Error("EEH_INJECT takes exactly one of pe=, phb=")),
        };
    }

    /// <summary>The guest's EEH RTAS call on the guest PE named by buid= and cfg= (as the guest does), or by id=.</summary>
    private async Task GuestPeRtas(TraceStatement s, EehRtasCall call)
    {
        var byAddress = s.Has("buid") || s.Has("cfg");
        if (byAddress == s.Has("id") || s.Has("buid") != s.Has("cfg"))
            throw new TraceFormatException(s.Error($"{s.Verb} names its guest PE either by buid= and cfg= (its PHB's BUID and a config address, as the guest does) or by id=, not both"));
        if (byAddress && s.Has("bus"))
            throw new TraceFormatException(s.Error("bus= goes with id= only; with buid=, the bus is cfg='s (cfg=0x10000 is bus 1)"));
        var c = new GuestPeRtasCall(VmName(s), byAddress ? 0 : Int(s, "id"), call,
            Option: U32(s, "option", 0),
            Nret: Int(s, "nret", 4),
            Bus: U32(s, "bus", 0),
            Err: call == EehRtasCall.ErrInjct ? new EehInjection(U32(s, "type", 1), U32(s, "func", 0), s.NumberOr("addr", 0), s.NumberOr("mask", 0)) : null,
            Buid: byAddress ? s.Number("buid") : null,
            ConfigAddr: byAddress ? Word(s, "cfg") : 0);
        var reply = await _fabric.Ask(HostOfVm(s), c);
        switch (reply)
        {
            case GuestPeRtasAnswer a:
                await _out.WriteLineAsync(TraceOutput.Line(s, TraceOutput.EehRtas(c, a)));
                if (a.Status < 0) await _err.WriteLineAsync($"{s.Location}: {a.Note}");
                break;
            case SetupResult failed:
                await _out.WriteLineAsync(TraceOutput.Line(s, TraceOutput.Ret(failed.Ret)));
                await _err.WriteLineAsync($"{s.Location}: {failed.Detail}");
                break;
        }
        await ReportViolations(HostOfVm(s));
    }
}
