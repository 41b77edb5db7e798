namespace Fabric.Tests.Support;

/// <summary>
/// A guest with PEs 1 and 2 sharing one table (Setup), then a map, an unmap and DMAs through
/// both (Calls). Run with PE 2's kill register replaced by one that acknowledges kills without
/// carrying them out, the last DMA goes through a stale translation.
/// </summary>
public static class FaultyKillRegisterTrace
{
    public const string Setup = """
        vm name=g ram=2G
        tce-table liobn=0x1 page_shift=12 offset=0 size=262144
        host name=h0
        pe host=h0 id=1
        pe host=h0 id=2
        container host=h0 id=c0 groups=1,2
        bind liobn=0x1 group=1
        # PE 2 answers, so its own kill register is in place before the test replaces it.
        DMA host=h0 pe=2 ioba=0x1000 dir=read
        """;

    public const string Calls = """
        H_PUT_TCE liobn=0x1 ioba=0x1000 tce=0x2003
        DMA host=h0 pe=2 ioba=0x1000 dir=read
        H_PUT_TCE liobn=0x1 ioba=0x1000 tce=0
        DMA host=h0 pe=1 ioba=0x1000 dir=read
        DMA host=h0 pe=2 ioba=0x1000 dir=read
        """;
}
