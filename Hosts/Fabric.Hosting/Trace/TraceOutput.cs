using System.Globalization;
using System.Text;
using Fabric.Messages;

namespace Fabric.Hosting.Trace;

/// <summary>
/// The output lines of <c>fabric trace</c> (shared/spec/trace-format.md), exactly: the echo of a
/// statement followed by its results, separated by single spaces. Build a line with
/// <see cref="Line"/> and the result helpers, e.g.
/// <c>TraceOutput.Line(s, TraceOutput.GetTce(ret, r4))</c> gives
/// <c>H_GET_TCE liobn=0x80000100 ioba=0x1000 ret=0 tce=0x1003</c>.
/// </summary>
public static class TraceOutput
{
    /// <summary>DMA result: the TCE did not allow the access.</summary>
    public const string DmaFault = "ret=fault";

    /// <summary>DMA result: the PE is frozen (EEH).</summary>
    public const string DmaFrozen = "ret=frozen";

    /// <summary>
    /// The statement as given: the verb, then its pairs in the order written. Numbers print as
    /// lowercase hex with 0x (<c>ioba=4096</c> echoes <c>ioba=0x1000</c>); sizes too, the suffix
    /// applied (<c>ram=2G</c> echoes <c>ram=0x80000000</c>); number lists print each number so,
    /// comma-separated (<c>groups=1,2</c> echoes <c>groups=0x1,0x2</c>); names and words print as given.
    /// </summary>
    public static string Echo(TraceStatement statement)
    {
        var sb = new StringBuilder(statement.Verb.Length + 24 * statement.Arguments.Count);
        AppendEcho(sb, statement);
        return sb.ToString();
    }

    /// <summary>The echo followed by each result, space-separated: one whole output line (no newline).</summary>
    public static string Line(TraceStatement statement, params ReadOnlySpan<string> results)
    {
        var sb = new StringBuilder();
        AppendEcho(sb, statement);
        foreach (var r in results)
        {
            sb.Append(' ').Append(r);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The line of a setup statement that failed: its echo and <c>ret=-errno</c>
    /// (<c>tce-table liobn=0x80000100 ... ret=-22</c> for <see cref="Errno.EINVAL"/>).
    /// </summary>
    public static string SetupFailed(TraceStatement statement, Errno errno) =>
        Line(statement, Ret(-(long)errno));

    /// <summary><c>0x1003</c>: lowercase hex with 0x, as every number in the output.</summary>
    public static string Hex(ulong value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:x}");

    /// <summary>
    /// VFIO_DEVICE_GET_PCI_HOT_RESET_INFO's results: <c>ret=</c> and <c>count=</c> (the kernel
    /// writes the count back with -ENOSPC too), and on success the devices and their groups.
    /// </summary>
    public static string[] HotResetInfo(PciHotResetInfo info)
    {
        var count = string.Create(CultureInfo.InvariantCulture, $"count={info.Count}");
        return info.Result.Succeeded
            ? [Ret(0L), count,
               $"devices={string.Join(',', info.Devices.Select(d => d.Device))}",
               $"groups={string.Join(',', info.Devices.Select(d => d.Group.ToString(CultureInfo.InvariantCulture)))}"]
            : [Ret(info.Result.Ret), count];
    }

    /// <summary>
    /// GUEST_PE_STATE's results: <c>ret=0 events=N</c>, the host PE that froze first in each
    /// episode (<c>first=1,2</c>), and each host PE's EEH state in group order.
    /// </summary>
    public static string[] GuestPe(GuestPeReport r) =>
    [
        Ret(0L),
        string.Create(CultureInfo.InvariantCulture, $"events={r.Events.Length}"),
        $"first={(r.Events.Length == 0 ? "-" : string.Join(',', r.Events.Select(e => e.FirstGroup.ToString(CultureInfo.InvariantCulture))))}",
        $"states={string.Join(',', r.States)}",
    ];

    /// <summary>
    /// An EEH RTAS call's results: <c>ret=N</c>, and for the calls that return words
    /// (read-slot-reset-state2: state, supported, delay and with nret=5 the recovery word;
    /// get-config-addr-info2: one word) <c>out=w1,...</c>, all 0 when the call failed.
    /// </summary>
    public static string[] EehRtas(GuestPeRtasCall c, GuestPeRtasAnswer a)
    {
        var words = c.Call switch
        {
            EehRtasCall.ReadSlotResetState2 => c.Nret - 1,
            EehRtasCall.GetConfigAddrInfo2 => 1,
            _ => 0,
        };
        if (words <= 0) return [Ret(a.Status)];
        var outputs = a.Status >= 0 && a.Outputs.Length == words ? a.Outputs.Select(w => (uint)w).ToArray() : new uint[words];
        return [Ret(a.Status), Out(outputs)];
    }

    /// <summary><c>ret=N</c>: the signed decimal code the guest sees (H_PARAMETER is <c>ret=-4</c>).</summary>
    public static string Ret(long code) => string.Create(CultureInfo.InvariantCulture, $"ret={code}");

    /// <inheritdoc cref="Ret(long)"/>
    public static string Ret(HcallReturn code) => Ret((long)code);

    /// <summary>H_GET_TCE's results: <c>ret=N tce=0x..</c>, where the TCE is the guest's R4 (the LIOBN on failure).</summary>
    public static string GetTce(long ret, ulong r4) => $"{Ret(ret)} tce={Hex(r4)}";

    /// <inheritdoc cref="GetTce(long, ulong)"/>
    public static string GetTce(HcallReturn ret, ulong r4) => GetTce((long)ret, r4);

    /// <summary><c>out=w1,w2,...</c>: RTAS output words as hex digits without 0x.</summary>
    public static string Out(ReadOnlySpan<uint> words)
    {
        var sb = new StringBuilder("out=", 4 + 9 * words.Length);
        for (var i = 0; i < words.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            sb.Append(CultureInfo.InvariantCulture, $"{words[i]:x}");
        }
        return sb.ToString();
    }

    /// <summary>
    /// RTAS_QUERY_PE_DMA_WINDOW's results: <c>ret=N out=w1,...</c> with the nret-1 output words
    /// after the status. On failure (ret != 0) the words print as 0, since the guest clears its
    /// return buffer, whatever <paramref name="words"/> holds; on success it must hold nret-1 words.
    /// </summary>
    public static string QueryDmaWindow(long ret, int nret, ReadOnlySpan<uint> words)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nret, 1);
        if (ret != 0)
        {
            return $"{Ret(ret)} {Out(new uint[nret - 1])}";
        }
        if (words.Length != nret - 1)
        {
            throw new ArgumentException($"nret={nret} needs {nret - 1} output words, got {words.Length}.", nameof(words));
        }
        return $"{Ret(ret)} {Out(words)}";
    }

    /// <summary>
    /// RTAS_CREATE_PE_DMA_WINDOW's results: <c>ret=N liobn=0x.. start=0x..</c>;
    /// on failure (ret != 0) <c>liobn=0x0 start=0x0</c>, what the guest reads.
    /// </summary>
    public static string CreateDmaWindow(long ret, ulong liobn, ulong start) =>
        ret == 0
            ? $"{Ret(ret)} liobn={Hex(liobn)} start={Hex(start)}"
            : $"{Ret(ret)} liobn=0x0 start=0x0";

    /// <summary>VFIO_IOMMU_SPAPR_TCE_CREATE's results: <c>ret=0 start=0x..</c> (the window's bus address), or <c>ret=-errno</c>.</summary>
    public static string SpaprTceCreate(SetupResult r) => r.Succeeded ? $"{Ret(0L)} start={Hex((ulong)r.Value)}" : Ret(r.Ret);

    /// <summary>A DDW RTAS call's results, as <see cref="QueryDmaWindow"/>, <see cref="CreateDmaWindow"/> or <c>ret=N</c>.</summary>
    public static string Rtas(IDdwRtasCall call, RtasAnswer answer) => call switch
    {
        QueryPeDmaWindow q => QueryDmaWindow(answer.Status, (int)q.Nret, answer.Succeeded ? answer.Outputs.Select(w => (uint)w).ToArray() : []),
        CreatePeDmaWindow => answer.Succeeded
            ? CreateDmaWindow(answer.Status, answer.Outputs[0], answer.Outputs[1] << 32 | answer.Outputs[2])
            : CreateDmaWindow(answer.Status, 0, 0),
        _ => Ret(answer.Status),
    };

    /// <summary>DMA result: <c>ret=ok hpa=0x..</c>, the host physical address reached.</summary>
    public static string DmaOk(ulong hpa) => $"ret=ok hpa={Hex(hpa)}";

    /// <summary>DMA result by outcome: <see cref="DmaOk"/>, <see cref="DmaFault"/> or <see cref="DmaFrozen"/>.</summary>
    public static string Dma(DmaOutcome outcome, ulong hpa) => outcome switch
    {
        DmaOutcome.Ok => DmaOk(hpa),
        DmaOutcome.Fault => DmaFault,
        DmaOutcome.Frozen => DmaFrozen,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown DMA outcome."),
    };

    private static void AppendEcho(StringBuilder sb, TraceStatement statement)
    {
        sb.Append(statement.Verb);
        foreach (var a in statement.Arguments)
        {
            sb.Append(' ').Append(a.Name).Append('=');
            var v = a.Value;
            switch (v.Kind)
            {
                case TraceValueKind.Number:
                case TraceValueKind.Size:
                    AppendHex(sb, v.Number);
                    break;
                case TraceValueKind.NumberList:
                    for (var i = 0; i < v.Numbers.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(',');
                        }
                        AppendHex(sb, v.Numbers[i]);
                    }
                    break;
                default:
                    sb.Append(v.Raw);
                    break;
            }
        }
    }

    private static void AppendHex(StringBuilder sb, ulong value) =>
        sb.Append(CultureInfo.InvariantCulture, $"0x{value:x}");
}
