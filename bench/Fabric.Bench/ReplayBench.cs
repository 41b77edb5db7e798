using System.Diagnostics;
using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Hosting.Replay;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.TceTable;
using Fabric.Vm;
using Microsoft.Data.Sqlite;

namespace Fabric.Bench;

/// <summary>
/// <c>Fabric.Bench replay [events] [TCEs]</c>: builds two SQLite journals and times
/// <c>fabric replay</c> on them (read, decode, fold, invariant checks; no printing):
/// one with a row per call (single H_PUT_TCE events, a DMA after every 16th call), one with
/// group-committed H_PUT_TCE_INDIRECT(512) batches. The topology is recorded by the actors
/// (SQLite, strict); the calls are decided by the pure table and written as rows with the
/// project's serializer, as the table actor would journal them, because a million
/// one-row-per-call writes through the actors would take minutes.
/// </summary>
public static class ReplayBench
{
    private const ulong Gib = 1UL << 30;
    private const int Tables = 4;
    private const int CallsPerBatch = 64;
    private static readonly Config Quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING");

    public static async Task<int> Run(string[] args)
    {
        var events = args.Length > 0 ? long.Parse(args[0]) : 1_000_000;
        var tces = args.Length > 1 ? long.Parse(args[1]) : 20_000_000;
        Console.WriteLine($"Replay benchmark: {Environment.ProcessorCount} cores; SQLite journals written by the fabric's serializer");
        Console.WriteLine($"{"journal",-34} {"rows",10} {"events",10} {"calls",10} {"TCEs",12} {"build s",8} {"replay s",9} {"events/s",12} {"calls/s",12} {"TCEs/s",14}");

        using var decoder = EventDecoder.Start();
        await Measure("H_PUT_TCE, one row per call", decoder, file => Build(file, decoder, npages: 1, calls: events * 16 / 17, batch: 1, dmaEvery: 16));
        await Measure($"INDIRECT(512), {CallsPerBatch} calls per row", decoder, file => Build(file, decoder, npages: 512, calls: tces / 512, batch: CallsPerBatch, dmaEvery: 0));
        return 0;
    }

    private static async Task Measure(string name, EventDecoder decoder, Func<string, Task> build)
    {
        var file = Path.Combine(Path.GetTempPath(), $"fabric-replay-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
        try
        {
            var sw = Stopwatch.StartNew();
            await build(file);
            var built = sw.Elapsed.TotalSeconds;

            // Warm-up on the same file (JIT, page cache), then the measured run.
            using (var warm = JournalSources.Open(file))
                await Replayer.Run(warm, decoder, new ReplayOptions { Until = ReplayLimit.AtOrdering(20_000) });
            // The best of three runs: other work on the machine only ever slows a run down.
            ReplayResult? result = null;
            var seconds = double.MaxValue;
            for (var run = 0; run < 3; run++)
            {
                using var source = JournalSources.Open(file);
                sw.Restart();
                result = await Replayer.Run(source, decoder, new ReplayOptions());
                seconds = Math.Min(seconds, sw.Elapsed.TotalSeconds);
            }
            var s = result!.State;
            if (s.Violations.Count > 0) throw new InvalidOperationException($"invariant violated: {s.Violations[0]}");
            Console.WriteLine($"{name,-34} {result.Reader.Rows,10:N0} {s.Events,10:N0} {s.Calls,10:N0} {s.TcesWritten,12:N0} {built,8:F1} {seconds,9:F2} " +
                              $"{s.Events / seconds,12:N0} {s.Calls / seconds,12:N0} {s.TcesWritten / seconds,14:N0}");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
        }
    }

    /// <summary>A journal with the bench topology (through the actors), then <paramref name="calls"/> calls as rows.</summary>
    private static async Task Build(string file, EventDecoder serializer, int npages, long calls, int batch, int dmaEvery)
    {
        await using (var fabric = new FabricRuntime(FabricConfig.Build(JournalKind.Sqlite, file, Quiet), "replay-bench"))
            await SetUp(fabric);
        SqliteConnection.ClearAllPools();

        // The guest's RAM as the journal leaves it: the first VM of a host is backed at 1 TiB.
        var hostBase = 1UL << 40;
        var ram = new GuestRam(2 * Gib, hostBase);
        for (var t = 0; t < Tables; t++)
            foreach (var (word, i) in TceListWords().Select((w, i) => (w, i)))
                ram.WriteBe64(TceList(t) + (ulong)i * 8, word);

        // The pure tables decide every call, as the table actors would.
        var tables = Enumerable.Range(0, Tables)
            .Select(t => new TceTable.TceTable(new TceTableGeometry(Liobn(t), 12, 0, Gib >> 12), true, true, ram))
            .ToArray();

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        var next = new Dictionary<string, long>();
        using (var q = connection.CreateCommand())
        {
            q.CommandText = "SELECT persistence_id, MAX(sequence_number) FROM journal GROUP BY persistence_id";
            using var r = q.ExecuteReader();
            while (r.Read()) next[r.GetString(0)] = r.GetInt64(1) + 1;
        }

        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid)
            VALUES ($created, 0, $pid, $seq, $message, $tags, '', 4711, 'replay-bench')
            """;
        var pCreated = insert.Parameters.Add("$created", SqliteType.Integer);
        var pPid = insert.Parameters.Add("$pid", SqliteType.Text);
        var pSeq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var pMessage = insert.Parameters.Add("$message", SqliteType.Blob);
        var pTags = insert.Parameters.Add("$tags", SqliteType.Text);
        insert.Prepare();
        void Row(string pid, string tag, IFabricEvent e)
        {
            var seq = next.GetValueOrDefault(pid, 1);
            next[pid] = seq + 1;
            pCreated.Value = DateTime.UtcNow.Ticks;
            pPid.Value = pid;
            pSeq.Value = seq;
            pMessage.Value = serializer.Encode(e);
            pTags.Value = $";{tag};";
            insert.ExecuteNonQuery();
        }

        var pending = new List<HcallHandled>[Tables];
        for (var t = 0; t < Tables; t++) pending[t] = new List<HcallHandled>(batch);
        for (long i = 0; i < calls; i++)
        {
            var t = (int)(i % Tables);
            var n = i / Tables;
            var ioba = (ulong)n % ((Gib >> 12) / (ulong)npages) * (ulong)npages << 12;
            IHypercall call = npages == 1
                ? new HPutTce(Liobn(t), ioba, ((ulong)n % 0x40000 << 12) | 3)
                : new HPutTceIndirect(Liobn(t), ioba, TceList(t), (ulong)npages);
            var handled = tables[t].Decide((1L << 40) + i + 1, call);
            if (handled.Ret != HcallReturn.Success) throw new InvalidOperationException($"{call}: {handled.Ret}");
            tables[t].Apply(handled);
            pending[t].Add(handled);
            if (pending[t].Count == batch)
            {
                Row($"tce/h0/g/0x{Liobn(t):x}", "hcall", batch == 1 ? pending[t][0] : new HcallsHandled([.. pending[t]]));
                pending[t].Clear();
            }
            if (dmaEvery > 0 && i % dmaEvery == dmaEvery - 1 && npages == 1)
            {
                // The device of the table's first group reads the page just mapped.
                var gpa = (ulong)n % 0x40000 << 12;
                Row($"pe/h0/0.{2 * t + 1}", "dma", new DmaCompleted("h0", 2 * t + 1, ioba + 8, DmaDirection.Read, DmaOutcome.Ok, hostBase + gpa + 8));
            }
        }
        for (var t = 0; t < Tables; t++)
            if (pending[t].Count > 0)
                Row($"tce/h0/g/0x{Liobn(t):x}", "hcall", pending[t].Count == 1 ? pending[t][0] : new HcallsHandled([.. pending[t]]));
        tx.Commit();
    }

    private static ulong Liobn(int table) => 0x1000UL + (ulong)table;

    private static ulong TceList(int table) => 0x1000_0000UL + (ulong)table * 0x1000;

    private static ulong[] TceListWords() => [.. Enumerable.Range(0, 512).Select(i => ((ulong)(i + 1) << 12) | 3)];

    private static async Task SetUp(FabricRuntime fabric)
    {
        async Task Ok(IHostCommand c)
        {
            var r = await fabric.Setup("h0", c);
            if (!r.Succeeded) throw new InvalidOperationException($"{c}: {r}");
        }
        await Ok(new CreateVm("g", 2 * Gib, Tables));
        for (var t = 0; t < Tables; t++)
        {
            await Ok(new CreateTceTable("g", Liobn(t), 12, 0, Gib >> 12, 0));
            await Ok(new AddHostPe(2 * t + 1, 0));
            await Ok(new AddHostPe(2 * t + 2, 0));
            await Ok(new CreateContainer($"c{t}", [2 * t + 1, 2 * t + 2], [new HardwareWindow(0, 12, 0, Gib >> 12)]));
            await Ok(new BindGroupToLiobn("g", Liobn(t), 2 * t + 1));
        }
        // The TCE lists, as the guest would poke them (journaled, so replay and export see them).
        for (var t = 0; t < Tables; t++)
            await Ok(new PokeGuestRam("g", TceList(t), TceListWords()));
    }
}
