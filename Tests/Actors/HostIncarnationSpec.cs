using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Hosting.Replay;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests.Actors;

/// <summary>
/// A host started again from its journal (a fabric started again on it, or a cluster member
/// that died) is a new incarnation, journaled as HostRestarted, and its vCPUs number their calls
/// in a range of their own: no call of the new incarnation has the id of one made before.
/// </summary>
public sealed class HostIncarnationSpec : IDisposable
{
    private const ulong Liobn = 0x1;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("fabric-incarnation-");
    private string Journal => Path.Combine(_dir.FullName, "j.db");

    private async Task<long[]> Run(Func<FabricRuntime, Task> setUp, int calls)
    {
        await using var f = new FabricRuntime(FabricConfig.Build(JournalKind.Sqlite, Journal, ConfigurationFactory.ParseString("akka.loglevel = WARNING")), "incarnation");
        await setUp(f);
        var ids = new long[calls];
        for (var i = 0; i < calls; i++)
        {
            var r = await BoundTable.Call(f, new HPutTce(Liobn, (ulong)i << 12, 0x7003));
            Assert.Equal(HcallReturn.Success, r.Ret);
            ids[i] = r.CallId;
        }
        return ids;
    }

    [Fact]
    public async Task A_host_started_again_from_its_journal_numbers_its_calls_apart_from_before()
    {
        var first = await Run(f => BoundTable.SetUp(f, Liobn, [1]), 3);
        var second = await Run(_ => Task.CompletedTask, 3);
        var third = await Run(_ => Task.CompletedTask, 3);
        SqliteConnection.ClearAllPools();

        // The first incarnation's ids are the vCPU's base plus 1, 2, 3, as they always were.
        Assert.Equal([(1L << 40) + 1, (1L << 40) + 2, (1L << 40) + 3], first);
        Assert.Equal([(1L << 40) | (1L << 32) | 1, (1L << 40) | (1L << 32) | 2, (1L << 40) | (1L << 32) | 3], second);
        Assert.Empty(first.Intersect(second).Concat(second.Intersect(third)).Concat(first.Intersect(third)));

        using var source = SqliteJournalSource.Open(Journal);
        using var decoder = EventDecoder.Start();
        var restarts = new List<HostRestarted>();
        await foreach (var e in new JournalReader(source, decoder).ReadAsync())
            if (e.Event is HostRestarted r) restarts.Add(r);
        Assert.Equal([new HostRestarted("h0", 1), new HostRestarted("h0", 2)], restarts);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }
}
