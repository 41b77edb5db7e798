using Fabric.Hosting.Trace;
using Xunit;
using static Fabric.Tests.Trace.TraceTestKit;

namespace Fabric.Tests.Trace;

/// <summary>
/// One test per kind of malformed line: each error is <c>FILE:LINE: message</c>, and the
/// message says what is wrong and how to fix it.
/// </summary>
public class TraceErrorTests
{
    private const string KnownVerbs =
        "Known verbs: vm, phb, tce-table, poke, host, pe, device, container, bind, H_PUT_TCE, H_GET_TCE, H_STUFF_TCE, "
        + "H_PUT_TCE_INDIRECT, RTAS_QUERY_PE_DMA_WINDOW, RTAS_CREATE_PE_DMA_WINDOW, RTAS_REMOVE_PE_DMA_WINDOW, "
        + "RTAS_RESET_PE_DMA_WINDOW, DMA, VFIO_GROUP_OPEN, VFIO_CONTAINER_OPEN, CLOSE, VFIO_GROUP_SET_CONTAINER, "
        + "VFIO_GROUP_UNSET_CONTAINER, VFIO_SET_IOMMU, VFIO_GROUP_GET_DEVICE_FD, VFIO_GROUP_GET_EXTERNAL_USER, "
        + "VFIO_GROUP_PUT_EXTERNAL_USER, VFIO_EXTERNAL_USER_IOMMU_ID, KVM_CHECK_EXTENSION, KVM_DEV_VFIO_GROUP_ADD, KVM_DEV_VFIO_GROUP_DEL, "
        + "KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE, KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE_LIOBN, KVM_SPAPR_TCE_BIND_VFIO, KVM_SPAPR_TCE_UNBIND_VFIO, "
        + "VFIO_IOMMU_SPAPR_REGISTER_MEMORY, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, VFIO_IOMMU_SPAPR_TCE_CREATE, VFIO_IOMMU_SPAPR_TCE_REMOVE, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, "
        + "VFIO_DEVICE_PCI_HOT_RESET, iommu-domain, sdmdev, VFIO_SDMDEV_ATTACH, VFIO_SDMDEV_MAP, SDMDEV_DMA, VFIO_EEH_PE_OP, guest-pe, GUEST_PE_STATE, EEH_INJECT, "
        + "RTAS_SET_EEH_OPTION, RTAS_READ_SLOT_RESET_STATE2, RTAS_SET_SLOT_RESET, RTAS_CONFIGURE_PE, RTAS_SLOT_ERROR_DETAIL, "
        + "RTAS_GET_CONFIG_ADDR_INFO2, RTAS_ERRINJCT, "
        + "IOMMU_IOAS_ALLOC, IOMMU_DESTROY, IOMMU_IOAS_CREATE_WINDOW, IOMMU_IOAS_REMOVE_WINDOW, IOMMU_IOAS_MAP, IOMMU_IOAS_UNMAP, IOMMU_IOAS_COPY, "
        + "IOMMU_IOAS_IOVA_RANGES, IOMMU_IOAS_ALLOW_IOVAS, IOMMUFD_DEVICE_ATTACH, IOMMUFD_DEVICE_REPLACE, IOMMUFD_DEVICE_DETACH";

    private const string PutTceUsage = "Usage: H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003 [vm=g]";

    private const string Prelude = "vm name=g ram=2G\n# setup done\n\n";

    [Fact]
    public void Error_names_the_file_and_line_of_the_bad_line()
    {
        var error = ErrorOf(Prelude + "H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003\nH_PUT_TCE liobn=1 ioba=1\n");
        Assert.Equal("q.trace", error.File);
        Assert.Equal(5, error.Line);
        Assert.Equal("q.trace:5: H_PUT_TCE needs tce= (the TCE value, e.g. tce=0x1003)", error.Text);
        Assert.Equal(error.Text, error.ToString());
    }

    [Fact]
    public void Missing_required_key_says_which_and_gives_an_example() =>
        Assert.Equal("q.trace:7: H_PUT_TCE needs tce= (the TCE value, e.g. tce=0x1003)",
            ErrorText("\n\n\n\n\n\nH_PUT_TCE liobn=0x80000100 ioba=0x1000"));

    [Fact]
    public void Missing_several_keys_names_them_all() =>
        Assert.Equal("q.trace:1: H_PUT_TCE needs ioba= (the I/O bus address, e.g. ioba=0x1000) and tce= (the TCE value, e.g. tce=0x1003)",
            ErrorText("H_PUT_TCE liobn=1"));

    public static TheoryData<string, string> EveryRequiredKey()
    {
        var data = new TheoryData<string, string>();
        foreach (var verb in TraceSchema.Verbs)
        {
            foreach (var key in verb.Keys.Where(k => k.Required))
            {
                var others = verb.Keys.Where(k => k.Required && k != key).Select(k => $"{k.Name}={k.Example}");
                data.Add(string.Join(' ', others.Prepend(verb.Name)), $"{verb.Name} needs {key.Name}= ({key.Meaning}, e.g. {key.Name}={key.Example})");
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryRequiredKey))]
    public void Every_required_key_of_every_verb_is_enforced(string line, string message) =>
        Assert.Equal($"q.trace:1: {message}", ErrorText(line));

    [Fact]
    public void Unknown_verb_suggests_the_closest_and_lists_the_known_verbs() =>
        Assert.Equal($"q.trace:3: unknown verb 'H_PUT_TC'; did you mean H_PUT_TCE? {KnownVerbs}",
            ErrorText("vm name=g ram=2G\n\nH_PUT_TC liobn=0x80000100 ioba=0x1000 tce=0x1003"));

    [Theory]
    [InlineData("h_put_tce", "H_PUT_TCE")]
    [InlineData("Vm", "vm")]
    [InlineData("dma", "DMA")]
    public void Unknown_verb_in_the_wrong_case_says_verbs_are_case_sensitive(string verb, string meant) =>
        Assert.Equal($"q.trace:1: unknown verb '{verb}'; did you mean {meant}? Verbs are case-sensitive. {KnownVerbs}",
            ErrorText($"{verb} liobn=1"));

    [Theory]
    [InlineData("H_PUT_TCE_INDIRCT", "H_PUT_TCE_INDIRECT")]
    [InlineData("tce_table", "tce-table")]
    [InlineData("RTAS_QUERY", "RTAS_QUERY_PE_DMA_WINDOW")]
    [InlineData("contaner", "container")]
    public void Unknown_verb_close_to_a_known_one_suggests_it(string verb, string meant) =>
        Assert.Equal($"q.trace:1: unknown verb '{verb}'; did you mean {meant}? {KnownVerbs}", ErrorText(verb));

    [Fact]
    public void Unknown_verb_with_no_close_match_lists_the_known_verbs() =>
        Assert.Equal($"q.trace:1: unknown verb 'frobnicate'; start the line with one of the known verbs. {KnownVerbs}",
            ErrorText("frobnicate a=1"));

    [Fact]
    public void A_line_starting_with_key_value_asks_for_a_verb() =>
        Assert.Equal($"q.trace:1: 'liobn=0x80000100' is not a verb; start the line with a verb, e.g. H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003 [vm=g]. {KnownVerbs}",
            ErrorText("liobn=0x80000100 ioba=0x1000 tce=0x1003"));

    [Fact]
    public void Unknown_key_suggests_the_closest_and_shows_usage() =>
        Assert.Equal($"q.trace:1: H_PUT_TCE has no key 'iova'; did you mean ioba=? {PutTceUsage}",
            ErrorText("H_PUT_TCE liobn=0x80000100 iova=0x1000 tce=0x1003"));

    [Fact]
    public void Unknown_key_with_no_close_match_shows_usage() =>
        Assert.Equal($"q.trace:1: H_PUT_TCE has no key 'flags'; remove it. {PutTceUsage}",
            ErrorText("H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003 flags=1"));

    [Fact]
    public void Unknown_key_usage_marks_optional_keys_and_words() =>
        Assert.Equal("q.trace:1: phb has no key 'dd'; did you mean ddw=? Usage: phb [vm=g] index=1 [ddw=on|off] [pgsz=0x107] "
            + "[dma_win_size=0x40000000] [dma64_win_addr=0x800000000000000]",
            ErrorText("phb index=1 dd=on"));

    [Fact]
    public void Duplicate_key_asks_to_give_it_once() =>
        Assert.Equal("q.trace:1: H_PUT_TCE gives ioba= twice; give each key once (remove one of them)",
            ErrorText("H_PUT_TCE liobn=1 ioba=0x1000 ioba=0x2000 tce=3"));

    [Theory]
    [InlineData("zz")]
    [InlineData("-1")]
    [InlineData("0x")]
    [InlineData("1.5")]
    [InlineData("0x10g0")]
    [InlineData("1_000")]
    [InlineData("+4")]
    public void Value_that_is_not_a_number_says_how_to_write_one(string value) =>
        Assert.Equal($"q.trace:1: H_PUT_TCE ioba='{value}' is not a number; write decimal or 0x hex, e.g. ioba=0x1000",
            ErrorText($"H_PUT_TCE liobn=1 ioba={value} tce=3"));

    [Fact]
    public void Size_suffix_on_a_plain_number_says_suffixes_are_for_ram_only() =>
        Assert.Equal("q.trace:1: H_PUT_TCE ioba='4K' is not a number; write decimal or 0x hex (K, M and G suffixes are for ram= only), e.g. ioba=0x1000",
            ErrorText("H_PUT_TCE liobn=1 ioba=4K tce=3"));

    [Theory]
    [InlineData("18446744073709551616")]
    [InlineData("0x10000000000000000")]
    [InlineData("99999999999999999999999999")]
    public void Number_over_64_bits_gives_the_largest(string value) =>
        Assert.Equal($"q.trace:1: H_PUT_TCE tce='{value}' does not fit in 64 bits; the largest number is 0xffffffffffffffff",
            ErrorText($"H_PUT_TCE liobn=1 ioba=1 tce={value}"));

    [Theory]
    [InlineData("2T", "T")]
    [InlineData("2g", "g")]
    [InlineData("2GB", "GB")]
    [InlineData("2GiB", "GiB")]
    [InlineData("0x2GB", "GB")]
    public void Bad_ram_suffix_names_the_valid_ones(string value, string suffix) =>
        Assert.Equal($"q.trace:1: vm ram='{value}' has an unknown suffix '{suffix}'; use K, M or G (upper case; binary: 1K = 1024), e.g. ram=2G",
            ErrorText($"vm name=g ram={value}"));

    [Theory]
    [InlineData("G")]
    [InlineData("two")]
    [InlineData("-2G")]
    public void Ram_that_is_not_a_size_says_how_to_write_one(string value) =>
        Assert.Equal($"q.trace:1: vm ram='{value}' is not a size; write a decimal or 0x hex number, optionally followed by K, M or G (upper case; binary: 1K = 1024), e.g. ram=2G",
            ErrorText($"vm name=g ram={value}"));

    [Fact]
    public void Ram_over_64_bits_after_the_suffix_is_rejected() =>
        Assert.Equal("q.trace:1: vm ram='17179869184G' does not fit in 64 bits; the largest number is 0xffffffffffffffff, e.g. ram=2G",
            ErrorText("vm name=g ram=17179869184G"));

    [Fact]
    public void Token_without_equals_that_is_a_key_asks_for_key_equals_value() =>
        Assert.Equal("q.trace:1: H_PUT_TCE: 'ioba' has no '='; write ioba=VALUE with no spaces around '=' (the I/O bus address, e.g. ioba=0x1000)",
            ErrorText("H_PUT_TCE liobn=1 ioba 0x1000 tce=3"));

    [Fact]
    public void Token_without_equals_that_is_not_a_key_shows_usage() =>
        Assert.Equal($"q.trace:1: H_PUT_TCE: '0x1000' is not key=value; write key=value with no spaces around '='. {PutTceUsage}",
            ErrorText("H_PUT_TCE liobn=1 0x1000 tce=3"));

    [Fact]
    public void Key_with_spaces_around_equals_is_caught_at_the_key() =>
        Assert.StartsWith("q.trace:1: H_PUT_TCE: 'ioba' has no '='; write ioba=VALUE with no spaces around '='",
            ErrorText("H_PUT_TCE liobn=1 ioba = 0x1000 tce=3"));

    [Fact]
    public void Key_without_value_asks_for_the_value_after_equals() =>
        Assert.Equal("q.trace:1: H_PUT_TCE ioba= has no value; write the value right after '=' with no spaces (the I/O bus address, e.g. ioba=0x1000)",
            ErrorText("H_PUT_TCE liobn=1 ioba= 0x1000 tce=3"));

    [Fact]
    public void Equals_without_key_asks_for_key_equals_value() =>
        Assert.Equal($"q.trace:1: H_PUT_TCE: '=0x1000' has no key before '='; write key=value with no spaces around '='. {PutTceUsage}",
            ErrorText("H_PUT_TCE liobn=1 =0x1000 tce=3"));

    [Theory]
    [InlineData("DMA host=h0 pe=1 ioba=0 dir=rw", "DMA dir='rw' is not one of read, write (the DMA direction); write e.g. dir=read")]
    [InlineData("DMA host=h0 pe=1 ioba=0 dir=READ", "DMA dir='READ' is not one of read, write (the DMA direction); did you mean dir=read?")]
    [InlineData("DMA host=h0 pe=1 ioba=0 dir=wrte", "DMA dir='wrte' is not one of read, write (the DMA direction); did you mean dir=write?")]
    [InlineData("phb index=1 ddw=yes", "phb ddw='yes' is not one of on, off (dynamic DMA windows); write e.g. ddw=on")]
    public void Unknown_enum_word_lists_the_words_and_suggests_one(string line, string message) =>
        Assert.Equal($"q.trace:1: {message}", ErrorText(line));

    [Theory]
    [InlineData("vm name=1g ram=2G", "vm name='1g' is not a name; a name is a letter followed by letters, digits, '_', '-' or '.', e.g. name=g")]
    [InlineData("pe host=h/0 id=1", "pe host='h/0' is not a name; a name is a letter followed by letters, digits, '_', '-' or '.', e.g. host=h0")]
    [InlineData("container host=h0 id=c,0 groups=1", "container id='c,0' is not a name; a name is a letter followed by letters, digits, '_', '-' or '.', e.g. id=c0")]
    public void Bad_name_says_what_a_name_is(string line, string message) =>
        Assert.Equal($"q.trace:1: {message}", ErrorText(line));

    [Theory]
    [InlineData("groups=1,,2", "container groups= item 2 is empty")]
    [InlineData("groups=1,2,", "container groups= item 3 is empty")]
    [InlineData("groups=,1", "container groups= item 1 is empty")]
    [InlineData("groups=1,x", "container groups= item 2 ('x') is not a number")]
    public void Bad_number_list_item_names_the_item_and_the_form(string pair, string what) =>
        Assert.Equal($"q.trace:1: {what}; write decimal or 0x hex numbers separated by single commas with no spaces, e.g. groups=1,2",
            ErrorText($"container host=h0 id=c0 {pair}"));

    [Fact]
    public void Number_list_item_over_64_bits_gives_the_largest() =>
        Assert.Equal("q.trace:1: poke be64= item 2 ('0x10000000000000000') does not fit in 64 bits; the largest number is 0xffffffffffffffff",
            ErrorText("poke gpa=0 be64=1,0x10000000000000000"));

    [Theory]
    [InlineData("4")]
    [InlineData("7")]
    [InlineData("0x7")]
    public void Number_outside_its_allowed_values_lists_them(string value) =>
        Assert.Equal($"q.trace:1: RTAS_QUERY_PE_DMA_WINDOW nret='{value}' must be 5 or 6 (the number of RTAS return words, 5 or 6), e.g. nret=5",
            ErrorText($"RTAS_QUERY_PE_DMA_WINDOW buid=1 cfg=0 nret={value}"));

    [Fact]
    public void The_leftmost_problem_is_reported_first() =>
        Assert.Equal("q.trace:1: H_PUT_TCE ioba='zz' is not a number; write decimal or 0x hex, e.g. ioba=0x1000",
            ErrorText("H_PUT_TCE ioba=zz ioba=1 bogus"));

    [Fact]
    public void Format_exception_message_is_the_full_error_text()
    {
        var ex = Assert.Throws<TraceFormatException>(() => TraceParser.ParseText("q.trace", "DMA"));
        Assert.Equal(ex.Error.Text, ex.Message);
        Assert.StartsWith("q.trace:1: DMA needs host= (the host's name, e.g. host=h0), pe= ", ex.Message);
    }
}
