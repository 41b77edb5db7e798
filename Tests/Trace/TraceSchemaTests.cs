using Fabric.Hosting.Trace;
using Xunit;

namespace Fabric.Tests.Trace;

/// <summary>The verb table matches the spec and is consistent with itself.</summary>
public class TraceSchemaTests
{
    [Theory]
    [InlineData("vm", TraceVerbKind.Setup, "name ram [host] [binding]")]
    [InlineData("phb", TraceVerbKind.Setup, "[vm] index [ddw] [pgsz] [dma_win_size] [dma64_win_addr]")]
    [InlineData("tce-table", TraceVerbKind.Setup, "[vm] liobn page_shift offset size")]
    [InlineData("poke", TraceVerbKind.Setup, "[vm] gpa be64")]
    [InlineData("host", TraceVerbKind.Setup, "name")]
    [InlineData("pe", TraceVerbKind.Setup, "host id [phb] [iommu]")]
    [InlineData("device", TraceVerbKind.Setup, "host pe name driver [bus]")]
    [InlineData("VFIO_GROUP_OPEN", TraceVerbKind.Call, "host group")]
    [InlineData("VFIO_CONTAINER_OPEN", TraceVerbKind.Call, "host container")]
    [InlineData("CLOSE", TraceVerbKind.Call, "host [group] [container] [fd]")]
    [InlineData("VFIO_GROUP_SET_CONTAINER", TraceVerbKind.Call, "host group [container] [fd]")]
    [InlineData("VFIO_GROUP_UNSET_CONTAINER", TraceVerbKind.Call, "host group")]
    [InlineData("VFIO_SET_IOMMU", TraceVerbKind.Call, "host container type [page_shift] [window_size] [bus_offset]")]
    [InlineData("VFIO_GROUP_GET_DEVICE_FD", TraceVerbKind.Call, "host group device")]
    [InlineData("VFIO_GROUP_GET_EXTERNAL_USER", TraceVerbKind.Call, "host [group] [fd]")]
    [InlineData("VFIO_GROUP_PUT_EXTERNAL_USER", TraceVerbKind.Call, "host group")]
    [InlineData("VFIO_EXTERNAL_USER_IOMMU_ID", TraceVerbKind.Call, "host group")]
    [InlineData("container", TraceVerbKind.Setup, "host id groups [page_shift] [window_size] [bus_offset]")]
    [InlineData("bind", TraceVerbKind.Setup, "[vm] liobn group [host]")]
    [InlineData("H_PUT_TCE", TraceVerbKind.Call, "liobn ioba tce [vm]")]
    [InlineData("H_GET_TCE", TraceVerbKind.Call, "liobn ioba [vm]")]
    [InlineData("H_STUFF_TCE", TraceVerbKind.Call, "liobn ioba tce npages [vm]")]
    [InlineData("H_PUT_TCE_INDIRECT", TraceVerbKind.Call, "liobn ioba tcelist npages [vm]")]
    [InlineData("RTAS_QUERY_PE_DMA_WINDOW", TraceVerbKind.Call, "buid cfg nret [vm]")]
    [InlineData("RTAS_CREATE_PE_DMA_WINDOW", TraceVerbKind.Call, "buid cfg page_shift window_shift [vm]")]
    [InlineData("RTAS_REMOVE_PE_DMA_WINDOW", TraceVerbKind.Call, "liobn [vm]")]
    [InlineData("RTAS_RESET_PE_DMA_WINDOW", TraceVerbKind.Call, "buid cfg [vm]")]
    [InlineData("DMA", TraceVerbKind.Call, "host pe ioba dir")]
    [InlineData("KVM_CHECK_EXTENSION", TraceVerbKind.Call, "[vm] cap")]
    [InlineData("KVM_DEV_VFIO_GROUP_ADD", TraceVerbKind.Call, "[vm] [group] [fd]")]
    [InlineData("KVM_DEV_VFIO_GROUP_DEL", TraceVerbKind.Call, "[vm] [group] [fd]")]
    [InlineData("KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE", TraceVerbKind.Call, "[vm] [group] [fd] liobn")]
    [InlineData("KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE_LIOBN", TraceVerbKind.Call, "[vm] argsz [group] [fd] liobn start_addr")]
    [InlineData("KVM_SPAPR_TCE_BIND_VFIO", TraceVerbKind.Call, "[vm] liobn [container] [fd]")]
    [InlineData("KVM_SPAPR_TCE_UNBIND_VFIO", TraceVerbKind.Call, "[vm] liobn [container] [fd]")]
    [InlineData("VFIO_IOMMU_SPAPR_REGISTER_MEMORY", TraceVerbKind.Call, "host container vm vaddr size [flags] [argsz]")]
    [InlineData("VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY", TraceVerbKind.Call, "host container vm vaddr size [flags] [argsz]")]
    [InlineData("VFIO_IOMMU_SPAPR_TCE_CREATE", TraceVerbKind.Call, "host container page_shift window_size levels [flags] [argsz]")]
    [InlineData("VFIO_IOMMU_SPAPR_TCE_REMOVE", TraceVerbKind.Call, "host container start_addr [flags] [argsz]")]
    [InlineData("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", TraceVerbKind.Call, "host fd [argsz]")]
    [InlineData("VFIO_DEVICE_PCI_HOT_RESET", TraceVerbKind.Call, "host fd group_fds [flags] [argsz]")]
    [InlineData("iommu-domain", TraceVerbKind.Setup, "host pe type")]
    [InlineData("sdmdev", TraceVerbKind.Setup, "host name parent group")]
    [InlineData("VFIO_SDMDEV_ATTACH", TraceVerbKind.Call, "host group")]
    [InlineData("VFIO_SDMDEV_MAP", TraceVerbKind.Call, "host group iova hpa size")]
    [InlineData("SDMDEV_DMA", TraceVerbKind.Call, "host group iova dir")]
    public void Every_spec_verb_has_its_keys(string name, TraceVerbKind kind, string keys)
    {
        var verb = TraceSchema.Find(name);
        Assert.NotNull(verb);
        Assert.Equal(kind, verb.Kind);
        Assert.Equal(keys, string.Join(' ', verb.Keys.Select(k => k.Required ? k.Name : $"[{k.Name}]")));
    }

    [Fact]
    public void The_table_has_exactly_the_spec_verbs() => Assert.Equal(69, TraceSchema.Verbs.Count);

    [Theory]
    [InlineData("h_put_tce")]
    [InlineData("VM")]
    [InlineData("Dma")]
    public void Verbs_are_case_sensitive(string name) => Assert.Null(TraceSchema.Find(name));

    [Theory]
    [InlineData("vm", "name", TraceValueKind.Name)]
    [InlineData("vm", "ram", TraceValueKind.Size)]
    [InlineData("poke", "be64", TraceValueKind.NumberList)]
    [InlineData("container", "groups", TraceValueKind.NumberList)]
    [InlineData("container", "id", TraceValueKind.Name)]
    [InlineData("pe", "id", TraceValueKind.Number)]
    [InlineData("DMA", "dir", TraceValueKind.Word)]
    [InlineData("phb", "ddw", TraceValueKind.Word)]
    [InlineData("H_PUT_TCE", "tce", TraceValueKind.Number)]
    public void Keys_have_their_kind(string verb, string key, TraceValueKind kind) =>
        Assert.Equal(kind, TraceSchema.Find(verb)!.FindKey(key)!.Kind);

    public static TheoryData<string> AllVerbs() => [.. TraceSchema.Verbs.Select(v => v.Name)];

    [Theory]
    [MemberData(nameof(AllVerbs))]
    public void Every_usage_line_with_every_key_parses(string name)
    {
        var verb = TraceSchema.Find(name)!;
        var line = string.Join(' ', verb.Keys.Select(k => $"{k.Name}={k.Example}").Prepend(verb.Name));
        var s = Assert.Single(TraceParser.ParseText("u.trace", line));
        Assert.Equal(verb.Keys.Select(k => k.Name), s.Arguments.Select(a => a.Name));
    }

    [Theory]
    [MemberData(nameof(AllVerbs))]
    public void Every_key_of_a_verb_is_unique_and_documented(string name)
    {
        var verb = TraceSchema.Find(name)!;
        Assert.Equal(verb.Keys.Count, verb.Keys.Select(k => k.Name).Distinct().Count());
        Assert.All(verb.Keys, k => Assert.False(string.IsNullOrWhiteSpace(k.Meaning)));
        Assert.All(verb.Keys.Where(k => k.Kind == TraceValueKind.Word), k => Assert.Contains(k.Example, k.Words));
    }
}
