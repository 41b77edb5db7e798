using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Fabric.Host;
using Fabric.Iommufd;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Properties;

public enum IoasStepKind
{
    CreateWindow,
    RemoveWindow,
    MapFixed,
    MapAuto,
    Unmap,
    UnmapAll,
    Copy,
}

/// <summary>
/// One step on two IOASes (A and B = 1 and 2) over four 1 MiB window slots at 0, 1M, 2M, 3M; Page
/// and Pages in 4K units, UserPage the 4K page of the user buffer; Large: a window of 64K pages.
/// </summary>
public sealed record IoasStep(IoasStepKind Kind, bool OnB, int Slot, bool Large, int Page, int Pages, int UserPage, bool Write)
{
    public uint Ioas => OnB ? 2u : 1u;
    public uint Other => OnB ? 1u : 2u;

    public override string ToString() => $"{Kind}({(OnB ? "B" : "A")} s{Slot}{(Large ? " 64K" : "")} p{Page}+{Pages} u{UserPage}{(Write ? " w" : "")})";
}

public static class IoasStepArbitrary
{
    private static readonly Gen<IoasStepKind> Kinds = Gen.Frequency(
        (3, Gen.Constant(IoasStepKind.CreateWindow)), (1, Gen.Constant(IoasStepKind.RemoveWindow)),
        (5, Gen.Constant(IoasStepKind.MapFixed)), (2, Gen.Constant(IoasStepKind.MapAuto)),
        (3, Gen.Constant(IoasStepKind.Unmap)), (1, Gen.Constant(IoasStepKind.UnmapAll)),
        (3, Gen.Constant(IoasStepKind.Copy)));

    public static Arbitrary<IoasStep> Steps() =>
        (from kind in Kinds
         from b in Gen.Elements(true, false)
         from slot in Gen.Choose(0, 3)
         from large in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
         from page in Gen.Frequency((3, Gen.Choose(0, 1023)), (1, Gen.Choose(0, 63).Select(p => p * 16)))
         from pages in Gen.Frequency((3, Gen.Choose(1, 8)), (1, Gen.Constant(16)), (1, Gen.Choose(9, 64)))
         from user in Gen.Frequency((3, Gen.Choose(0, 255)), (1, Gen.Choose(0, 15).Select(p => p * 16)))
         from w in Gen.Elements(true, false)
         select new IoasStep(kind, b, slot, large, page, pages, user, w)).ToArbitrary();
}

/// <summary>
/// The reference: each IOAS as an unsorted list of windows and one of areas, every rule of seed
/// 003 and the selftest written out again the plain way (a linear scan where the core searches).
/// </summary>
public sealed class IoasModel
{
    public sealed record Area(ulong Iova, ulong Length, ulong UserVa, bool Read, bool Write)
    {
        public ulong Last => Iova + Length - 1;
    }

    public sealed record Window(ulong Base, ulong Size, ulong PageSize)
    {
        public ulong Last => Base + Size - 1;
    }

    public readonly Dictionary<uint, List<Window>> Windows = new() { [1] = new(), [2] = new() };
    public readonly Dictionary<uint, List<Area>> Areas = new() { [1] = new(), [2] = new() };

    public Window? WindowAt(uint ioas, ulong iova) => Windows[ioas].FirstOrDefault(w => iova >= w.Base && iova <= w.Last);

    /// <summary>What a fixed map should answer, by the rules alone.</summary>
    public Errno MapFixed(uint ioas, ulong iova, ulong length, ulong userVa, ulong? sourcePage = null)
    {
        if (WindowAt(ioas, iova) is not { } w) return Errno.EINVAL;
        if (length % w.PageSize != 0 || (sourcePage is { } s && w.PageSize > s)) return Errno.EINVAL;
        if (iova % w.PageSize != 0 || iova + length - 1 > w.Last) return Errno.EINVAL;
        if (Areas[ioas].Any(a => a.Iova <= iova + length - 1 && iova <= a.Last)) return Errno.EEXIST;
        return userVa % w.PageSize != 0 ? Errno.EINVAL : Errno.None;
    }

    public (Errno, ulong Bytes) Unmap(uint ioas, ulong iova, ulong length)
    {
        var last = iova + length - 1;
        if (WindowAt(ioas, iova) is not { } w || last > w.Last || iova % w.PageSize != 0 || length % w.PageSize != 0) return (Errno.EINVAL, 0);
        var touched = Areas[ioas].Where(a => a.Iova <= last && iova <= a.Last).ToList();
        if (touched.Count == 0 || touched.Any(a => a.Iova < iova || a.Last > last)) return (Errno.ENOENT, 0);
        return (Errno.None, touched.Aggregate(0UL, (sum, a) => sum + a.Length));
    }

    /// <summary>The source pieces of a copy, or null when a byte is not mapped.</summary>
    public List<Area>? Pieces(uint ioas, ulong iova, ulong length)
    {
        var pieces = new List<Area>();
        for (var at = iova; at < iova + length;)
        {
            var a = Areas[ioas].FirstOrDefault(x => at >= x.Iova && at <= x.Last);
            if (a is null) return null;
            var end = Math.Min(a.Last, iova + length - 1);
            pieces.Add(new Area(at, end - at + 1, a.UserVa + (at - a.Iova), a.Read, a.Write));
            at = end + 1;
        }
        return pieces;
    }

    public (ulong UserVa, bool Read, bool Write)? Translate(uint ioas, ulong iova) =>
        Areas[ioas].FirstOrDefault(a => iova >= a.Iova && iova <= a.Last) is { } a ? (a.UserVa + (iova - a.Iova), a.Read, a.Write) : null;
}

/// <summary>
/// Random window, map, unmap and copy sequences on two IOASes (no device: windows are the
/// software notion of seed 003): the core answers what a plain reference model of the rules
/// predicts, and after every step holds the same areas, translating every probed iova the same.
/// </summary>
public sealed class IoasProperties
{
    private const ulong Page = 0x1000;
    private const ulong Slot = 1UL << 20;
    private const ulong User = 0x100_0000_0000;

    [Property(MaxTest = 200, EndSize = 80, Arbitrary = [typeof(IoasStepArbitrary)], QuietOnSuccess = true)]
    public void random_steps_keep_the_ioas_as_the_reference_model_says(IoasStep[] steps)
    {
        var host = new HostTopology("h0");
        host.Ok(new AllocIoas());
        host.Ok(new AllocIoas());
        var model = new IoasModel();
        foreach (var step in steps)
        {
            Step(host, model, step);
            Assert.Null(Divergence(host, model));
        }
    }

    /// <summary>Runs one step on the core and the model; asserts the core's answer is the model's.</summary>
    internal static void Step(HostTopology host, IoasModel model, IoasStep s)
    {
        var ioas = s.Ioas;
        var iova = (ulong)s.Page * Page;
        var length = (ulong)s.Pages * Page;
        var userVa = User + (ulong)s.UserPage * Page;
        var access = IoasMapFlags.Readable | (s.Write ? IoasMapFlags.Writeable : 0);
        switch (s.Kind)
        {
            case IoasStepKind.CreateWindow:
            {
                var page = s.Large ? 0x10000UL : Page;
                var b = (ulong)s.Slot * Slot;
                var expected = model.Windows[ioas].Any(w => w.Base == b) ? Errno.EEXIST : Errno.None;
                Assert.Equal(expected, host.Run(new CreateIoasWindow(ioas, Slot, page, b)).Error);
                if (expected == Errno.None) model.Windows[ioas].Add(new IoasModel.Window(b, Slot, page));
                break;
            }
            case IoasStepKind.RemoveWindow:
            {
                var w = model.Windows[ioas].FirstOrDefault(x => x.Base == (ulong)s.Slot * Slot);
                Assert.Equal(w is null ? Errno.ENOENT : Errno.None, host.Run(new RemoveIoasWindow(ioas, (ulong)s.Slot * Slot)).Error);
                if (w is null) break;
                model.Windows[ioas].Remove(w);
                model.Areas[ioas].RemoveAll(a => a.Iova >= w.Base && a.Last <= w.Last);
                break;
            }
            case IoasStepKind.MapFixed:
            {
                var expected = model.MapFixed(ioas, iova, length, userVa);
                var r = host.Run(new MapIoas(ioas, access | IoasMapFlags.FixedIova, userVa, length, iova));
                Assert.True(expected == r.Error, $"{s}: the model says {expected}, the core {r.Error} ({r.Detail})");
                if (r.Succeeded) model.Areas[ioas].Add(new IoasModel.Area(iova, length, userVa, true, s.Write));
                break;
            }
            case IoasStepKind.MapAuto:
            {
                var r = host.Run(new MapIoas(ioas, access, userVa, length));
                if (!r.Succeeded)
                {
                    Assert.Contains(r.Error, new[] { Errno.ENOSPC, Errno.EINVAL });
                    break;
                }
                var at = (ulong)r.Value;
                Assert.NotEqual(0UL, at);
                Assert.Equal(Errno.None, model.MapFixed(ioas, at, length, userVa));
                model.Areas[ioas].Add(new IoasModel.Area(at, length, userVa, true, s.Write));
                break;
            }
            case IoasStepKind.Unmap:
            {
                var (expected, bytes) = model.Unmap(ioas, iova, length);
                var r = host.Run(new UnmapIoas(ioas, iova, length));
                Assert.True(expected == r.Error, $"{s}: the model says {expected}, the core {r.Error} ({r.Detail})");
                if (!r.Succeeded) break;
                Assert.Equal(bytes, (ulong)r.Value);
                model.Areas[ioas].RemoveAll(a => a.Iova >= iova && a.Last <= iova + length - 1);
                break;
            }
            case IoasStepKind.UnmapAll:
            {
                var bytes = model.Areas[ioas].Aggregate(0UL, (sum, a) => sum + a.Length);
                Assert.Equal(bytes, (ulong)host.Ok(new UnmapIoas(ioas, 0, ulong.MaxValue)).Value);
                model.Areas[ioas].Clear();
                break;
            }
            case IoasStepKind.Copy:
            {
                var dst = s.Other;
                // Mostly an area the source holds (or its head), as a VMM copies; else the raw range.
                if (s.Write && model.Areas[ioas].Where(a => a.Last >= iova).MinBy(a => a.Iova) is { } area)
                    (iova, length) = (area.Iova, Math.Min(area.Length, length * 16));
                // The same iova in the other IOAS (the domain switch), or elsewhere.
                var dstIova = s.Large ? iova : (ulong)s.UserPage * Page * 16 % (4 * Slot);
                var pieces = model.Pieces(ioas, iova, length);
                var src = model.WindowAt(ioas, iova);
                Errno expected;
                if (pieces is null) expected = Errno.ENOENT;
                else if (iova % src!.PageSize != 0 || length % src.PageSize != 0 || iova + length - 1 > src.Last) expected = Errno.EINVAL;
                else if (s.Write && pieces.Any(p => !p.Write)) expected = Errno.EPERM;
                else expected = pieces.Select(p => model.MapFixed(dst, dstIova + (p.Iova - iova), p.Length, p.UserVa, src.PageSize))
                    .FirstOrDefault(e => e != Errno.None, model.MapFixed(dst, dstIova, length, pieces[0].UserVa, src.PageSize));
                var r = host.Run(new CopyIoas(access | IoasMapFlags.FixedIova, dst, ioas, length, dstIova, iova));
                Assert.True(expected == r.Error, $"{s} to 0x{dstIova:x}: the model says {expected}, the core {r.Error} ({r.Detail})");
                if (r.Succeeded)
                    foreach (var p in pieces!) model.Areas[dst].Add(new IoasModel.Area(dstIova + (p.Iova - iova), p.Length, p.UserVa, true, s.Write));
                break;
            }
        }
    }

    /// <summary>Where the core and the model disagree, or null: the areas, and the translation at every area's edges and one byte of every 64K.</summary>
    internal static string? Divergence(HostTopology host, IoasModel model)
    {
        foreach (var id in new uint[] { 1, 2 })
        {
            var ioas = host.Iommufd.Find(id)!;
            var core = ioas.Areas.Areas.Select(a => (a.Iova, a.Length, a.UserVa, a.Readable, a.Writeable)).ToArray();
            var reference = model.Areas[id].OrderBy(a => a.Iova).Select(a => (a.Iova, a.Length, a.UserVa, a.Read, a.Write)).ToArray();
            if (!core.SequenceEqual(reference)) return $"IOAS {id}: the core holds {core.Length} areas, the model {reference.Length}";
            var domain = IoasDomainView.Of(ioas);
            // Each area's edges and the bytes just outside them, and one byte of every 64K.
            var probes = model.Areas[id].SelectMany(a => new[] { a.Iova, a.Last, a.Iova - 1, a.Last + 1 })
                .Concat(Enumerable.Range(0, 64).Select(i => (ulong)i * 0x10000 + 0x808));
            foreach (var probe in probes)
            {
                var expected = model.Translate(id, probe);
                var read = domain.Translate(probe, DmaDirection.Read);
                var write = domain.Translate(probe, DmaDirection.Write);
                var want = (Read: expected is { Read: true } e ? new DmaResult(DmaOutcome.Ok, e.UserVa) : new DmaResult(DmaOutcome.Fault, 0),
                            Write: expected is { Write: true } f ? new DmaResult(DmaOutcome.Ok, f.UserVa) : new DmaResult(DmaOutcome.Fault, 0));
                if (read != want.Read || write != want.Write) return $"IOAS {id} at 0x{probe:x}: the domain gives {read}/{write}, the model {want.Read}/{want.Write}";
            }
        }
        return null;
    }
}

/// <summary>The property's comparison finds a core that drifted from the model, and its steps reach what it is about.</summary>
public sealed class IoasPropertyCoverage
{
    [Fact]
    public void an_area_the_model_never_saw_is_a_divergence()
    {
        var host = new HostTopology("h0");
        host.Ok(new AllocIoas());
        host.Ok(new AllocIoas());
        var model = new IoasModel();
        IoasProperties.Step(host, model, new IoasStep(IoasStepKind.CreateWindow, false, 0, false, 0, 1, 0, true));
        Assert.Null(IoasProperties.Divergence(host, model));
        host.Apply(new IoasMapped("h0", 1, 0x3000, 0x1000, 0x100_0000_0000, true, true));
        Assert.NotNull(IoasProperties.Divergence(host, model));
    }

    /// <summary>
    /// Over sampled sequences, every kind of step that changes mappings succeeds at times: the
    /// property is not vacuous. The samples are seeded, so the count is the same on every run.
    /// </summary>
    [Fact]
    public void random_steps_map_unmap_and_copy_successfully()
    {
        var changes = new Dictionary<IoasStepKind, int>();
        for (var run = 0; run < 40; run++)
        {
            var host = new HostTopology("h0");
            host.Ok(new AllocIoas());
            host.Ok(new AllocIoas());
            var model = new IoasModel();
            foreach (var s in IoasStepArbitrary.Steps().Generator.Sample(80, new FsCheck.Rnd((ulong)run + 1), 80))
            {
                var before = host.Iommufd.Find(1)!.Generation + host.Iommufd.Find(2)!.Generation;
                IoasProperties.Step(host, model, s);
                if (host.Iommufd.Find(1)!.Generation + host.Iommufd.Find(2)!.Generation != before)
                    changes[s.Kind] = changes.GetValueOrDefault(s.Kind) + 1;
            }
        }
        foreach (var kind in new[] { IoasStepKind.MapFixed, IoasStepKind.MapAuto, IoasStepKind.Unmap, IoasStepKind.UnmapAll, IoasStepKind.Copy, IoasStepKind.RemoveWindow })
            Assert.True(changes.GetValueOrDefault(kind) > 0, $"no {kind} step changed a mapping: {string.Join(", ", changes)}");
    }
}
