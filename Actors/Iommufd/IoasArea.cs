namespace Fabric.Iommufd;

/// <summary>
/// One mapping of an IOAS (struct iopt_area): [Iova, Iova+Length) translates to the caller's
/// memory from UserVa, with the permissions it was mapped with.
/// </summary>
public sealed record IoasArea(ulong Iova, ulong Length, ulong UserVa, bool Readable, bool Writeable)
{
    public ulong Last => Iova + (Length - 1);

    public bool Covers(ulong iova) => iova >= Iova && iova <= Last;

    /// <summary>The user address of iova, which this area covers.</summary>
    public ulong UserVaOf(ulong iova) => UserVa + (iova - Iova);
}
