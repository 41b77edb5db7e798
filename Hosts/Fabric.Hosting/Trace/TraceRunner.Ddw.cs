using Fabric.Messages;

namespace Fabric.Hosting.Trace;

/// <summary>The dynamic DMA window RTAS calls, and the host's window ioctls.</summary>
public sealed partial class TraceRunner
{
    /// <summary>Prints ret=0 and the window's bus address (start_addr), or ret=-errno.</summary>
    private async Task CreateSpaprTceWindow(TraceStatement s)
    {
        var call = new CreateSpaprTceWindow(s.Word("container"), Word(s, "page_shift"), s.Number("window_size"), Word(s, "levels"),
            U32(s, "flags", 0), U32(s, "argsz", Messages.CreateSpaprTceWindow.MinSize));
        var result = await _fabric.Setup(s.Word("host"), call);
        await _out.WriteLineAsync(TraceOutput.Line(s, TraceOutput.SpaprTceCreate(result)));
        if (!result.Succeeded) await _err.WriteLineAsync($"{s.Location}: {result.Detail}");
    }

    private Task Rtas(TraceStatement s) => Rtas(s, s.Verb switch
    {
        "RTAS_QUERY_PE_DMA_WINDOW" => new QueryPeDmaWindow(VmName(s), s.Number("buid"), Word(s, "cfg"), Word(s, "nret")),
        "RTAS_CREATE_PE_DMA_WINDOW" => new CreatePeDmaWindow(VmName(s), s.Number("buid"), Word(s, "cfg"), Word(s, "page_shift"), Word(s, "window_shift")),
        "RTAS_REMOVE_PE_DMA_WINDOW" => new RemovePeDmaWindow(VmName(s), Word(s, "liobn")),
        _ => (IDdwRtasCall)new ResetPeDmaWindow(VmName(s), s.Number("buid"), Word(s, "cfg")),
    });

    /// <summary>Prints the status and output words the guest reads; why a call failed goes to the error writer.</summary>
    private async Task Rtas(TraceStatement s, IDdwRtasCall call)
    {
        var reply = await _fabric.Ask(HostOfVm(s), call);
        if (reply is not RtasAnswer answer) throw new TraceFormatException(s.Error(((SetupResult)reply).Detail));
        await _out.WriteLineAsync(TraceOutput.Line(s, TraceOutput.Rtas(call, answer)));
        if (!answer.Succeeded) await _err.WriteLineAsync($"{s.Location}: {answer.Why}");
    }

    /// <summary>An RTAS argument is one 32-bit word (the BUID alone takes two).</summary>
    private static uint Word(TraceStatement s, string key) =>
        s.Number(key) <= uint.MaxValue ? (uint)s.Number(key) : throw new TraceFormatException(s.Error($"{key}={s.Number(key)} does not fit in an RTAS argument word (32 bits)"));
}
