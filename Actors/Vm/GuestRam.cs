using System.Collections.Concurrent;
using Fabric.Vfio;

namespace Fabric.Vm;

/// <summary>
/// A guest's RAM: guest physical 0..Size, backed by host memory at HostBase. Sparse: only
/// written 4K pages exist. It is memory, not actor state: the vCPUs (through the hypercall
/// handlers) read it concurrently, as KVM reads a guest's TCE list with get_user.
/// </summary>
public sealed class GuestRam
{
    private const int PageShift = 12;
    private const int WordsPerPage = 1 << (PageShift - 3);
    private readonly ConcurrentDictionary<ulong, ulong[]> _pages = new();

    public GuestRam(ulong size, ulong hostBase)
    {
        Size = size;
        HostBase = hostBase;
    }

    public ulong Size { get; }
    public ulong HostBase { get; }

    /// <summary>KVM's memslot lookup: is this guest physical address backed by RAM?</summary>
    public bool Contains(ulong gpa) => gpa < Size;

    /// <summary>True when [gpa, gpa+length) lies wholly in RAM.</summary>
    public bool ContainsRange(ulong gpa, ulong length) => gpa < Size && length <= Size - gpa;

    /// <summary>Guest physical to host physical; false outside RAM.</summary>
    public bool TryTranslate(ulong gpa, out ulong hpa)
    {
        hpa = HostBase + gpa;
        return Contains(gpa);
    }

    /// <summary>True when the host physical address is backed by this guest's RAM.</summary>
    public bool OwnsHostAddress(ulong hpa) => hpa >= HostBase && hpa - HostBase < Size;

    /// <summary>
    /// The regions the VMM process preregistered (VFIO_IOMMU_SPAPR_REGISTER_MEMORY), published by
    /// the host; all RAM until the process registers memory itself (see PreregisteredMemory).
    /// </summary>
    public Preregistration Preregistered { get => Volatile.Read(ref _preregistered); set => Volatile.Write(ref _preregistered, value); }

    private Preregistration _preregistered = Preregistration.AllRam;

    /// <summary>
    /// mm_iommu_lookup(kvm->mm, ua, length) and mm_iommu_ua_to_hpa for the page at gpa: the VMM
    /// maps guest RAM at userspace address HostBase + gpa, so that is the address looked up.
    /// </summary>
    public bool IsPreregistered(ulong gpa, ulong length) => ContainsRange(gpa, length) && Preregistered.Backs(HostBase + gpa, length);

    /// <summary>Reads a big-endian 64-bit word; unwritten RAM and addresses outside RAM read 0.</summary>
    public ulong ReadBe64(ulong gpa)
    {
        if (!ContainsRange(gpa, 8) || (gpa & 7) != 0) return 0;
        return _pages.TryGetValue(gpa >> PageShift, out var page)
            ? Volatile.Read(ref page[(gpa >> 3) & (WordsPerPage - 1)])
            : 0;
    }

    /// <summary>Reads consecutive big-endian words into <paramref name="words"/>, a page lookup per 4K.</summary>
    public void ReadBe64(ulong gpa, Span<ulong> words)
    {
        if ((gpa & 7) != 0 || !ContainsRange(gpa, (ulong)words.Length * 8))
        {
            for (var i = 0; i < words.Length; i++) words[i] = ReadBe64(gpa + (ulong)i * 8);
            return;
        }
        var done = 0;
        while (done < words.Length)
        {
            var at = gpa + (ulong)done * 8;
            var first = (int)((at >> 3) & (WordsPerPage - 1));
            var n = Math.Min(WordsPerPage - first, words.Length - done);
            if (_pages.TryGetValue(at >> PageShift, out var page))
                for (var i = 0; i < n; i++) words[done + i] = Volatile.Read(ref page[first + i]);
            else
                words.Slice(done, n).Clear();
            done += n;
        }
    }

    /// <summary>The guest stores consecutive words (8-byte aligned, inside RAM), a page lookup per 4K.</summary>
    public bool WriteBe64(ulong gpa, ReadOnlySpan<ulong> words)
    {
        if (!ContainsRange(gpa, (ulong)words.Length * 8) || (gpa & 7) != 0) return false;
        var done = 0;
        while (done < words.Length)
        {
            var at = gpa + (ulong)done * 8;
            var first = (int)((at >> 3) & (WordsPerPage - 1));
            var n = Math.Min(WordsPerPage - first, words.Length - done);
            var page = _pages.GetOrAdd(at >> PageShift, static _ => new ulong[WordsPerPage]);
            for (var i = 0; i < n; i++) Volatile.Write(ref page[first + i], words[done + i]);
            done += n;
        }
        return true;
    }

    /// <summary>The guest stores a 64-bit word (8-byte aligned, inside RAM).</summary>
    public bool WriteBe64(ulong gpa, ulong value)
    {
        if (!ContainsRange(gpa, 8) || (gpa & 7) != 0) return false;
        var page = _pages.GetOrAdd(gpa >> PageShift, static _ => new ulong[WordsPerPage]);
        Volatile.Write(ref page[(gpa >> 3) & (WordsPerPage - 1)], value);
        return true;
    }
}
