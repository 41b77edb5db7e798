using Fabric.Invariants;
using Fabric.Messages;
using Fabric.TceTable;

namespace Fabric.Tests.Core;

/// <summary>
/// A run of TCEs that step evenly (a guest mapping consecutive pages) is carried and held as
/// its stride, and reads back exactly as the values one by one would: in the event, in the
/// guest view and in the checker's copy, also once an entry breaks the stride.
/// </summary>
public sealed class StridedPagesTests
{
    private const ulong Rw = Tce.PciRead | Tce.PciWrite;

    private static ulong[] Consecutive(ulong firstPage, int n, int pageShift = 16) =>
        [.. Enumerable.Range(0, n).Select(k => ((firstPage + (ulong)k) << pageShift) | Rw)];

    [Fact]
    public void Consecutive_pages_make_a_strided_write_of_the_same_values_and_anything_else_stays_one_by_one()
    {
        var values = Consecutive(7, 512);
        var strided = Assert.IsType<TceRunStrided>(TceWrite.Of(1024, values));
        Assert.Equal((1024UL, 512UL), (strided.FirstEntry, strided.Count));
        for (ulong i = 0; i < 512; i++) Assert.Equal(values[i], strided.ValueAt(i));

        values[300] = 0;
        var written = Assert.IsType<TceRunWritten>(TceWrite.Of(1024, values));
        Assert.Equal(values, written.Values);
        // Equal values are not a stride worth keeping (a step of 0); one value is a single write.
        Assert.IsType<TceRunWritten>(TceWrite.Of(0, [Rw | 0x10000, Rw | 0x10000]));
        Assert.IsType<TceRunWritten>(TceWrite.Of(0, [Rw]));
    }

    [Fact]
    public void A_view_holds_whole_strided_pages_as_strides_and_reads_them_as_the_values()
    {
        var view = new GuestTceView(0x800, 4096);
        var reference = new GuestTceView(0x800, 4096);
        var values = Consecutive(0, 1024 + 100);
        // Starts mid-page: the first page is partly written, the two after it whole.
        var strided = new TceRunStrided(0x800 + 412, values[0], 1UL << 16, (ulong)values.Length);
        view.SetRun(strided);
        reference.SetRun(new TceRunWritten(0x800 + 412, values));

        Assert.Equal((3, 2), (view.AllocatedPages, view.StridedPages));
        Assert.Equal(reference.NonZeroEntries, view.NonZeroEntries);
        Assert.Equal(reference.NonZero().OrderBy(e => e.Entry), view.NonZero().OrderBy(e => e.Entry));

        // An entry written otherwise breaks the stride of its page only; the values stay right.
        view.Set(0x800 + 600, 0);
        reference.Set(0x800 + 600, 0);
        Assert.Equal(1, view.StridedPages);
        Assert.Equal(reference.NonZeroEntries, view.NonZeroEntries);
        Assert.Equal(reference.NonZero().OrderBy(e => e.Entry), view.NonZero().OrderBy(e => e.Entry));

        // A snapshot's pages come back as strides where they are ones.
        var (numbers, entries) = reference.ExportPages();
        var restored = new GuestTceView(0x800, 4096);
        restored.SetRun(new TceRunStrided(0x800 + 1536, Rw, 1UL << 16, 512));
        restored.ImportPages(numbers, entries);
        Assert.Equal((reference.NonZeroEntries, 3), (restored.NonZeroEntries, restored.AllocatedPages));
        Assert.Equal(reference.NonZero().OrderBy(e => e.Entry), restored.NonZero().OrderBy(e => e.Entry));
    }

    [Fact]
    public void The_checker_copy_of_a_page_mapped_whole_names_the_call_and_its_later_changes()
    {
        var mirror = new GuestViewMirror("g", 0x80000101, 16, 0, 2048);
        var values = Consecutive(0, 1024);
        mirror.Acknowledge(11, TceWrite.Of(0, values));
        Assert.Equal((values[5], (0UL, 11L)), (mirror.Acknowledged(5), mirror.LastChange(5)));
        Assert.Equal((values[1023], (0UL, 11L)), (mirror.Acknowledged(1023), mirror.LastChange(1023)));
        Assert.Equal((0UL, (0UL, 0L)), (mirror.Acknowledged(1024), mirror.LastChange(1024)));

        // A later unmap of part of it: those entries were changed by it, from the mapped values.
        mirror.Acknowledge(12, new TceRunStuffed(4, 0, 2));
        Assert.Equal((0UL, (values[4], 12L)), (mirror.Acknowledged(4), mirror.LastChange(4)));
        Assert.Equal((values[6], (0UL, 11L)), (mirror.Acknowledged(6), mirror.LastChange(6)));

        // Mapping the same stride again over a page that has changed goes entry by entry.
        mirror.Acknowledge(13, TceWrite.Of(0, values[..512]));
        Assert.Equal((values[4], (0UL, 13L)), (mirror.Acknowledged(4), mirror.LastChange(4)));
        Assert.Equal((values[6], (0UL, 11L)), (mirror.Acknowledged(6), mirror.LastChange(6)));
    }
}
