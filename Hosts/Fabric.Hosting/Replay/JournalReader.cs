using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Fabric.Messages;

namespace Fabric.Hosting.Replay;

/// <summary>One event of a Fabric stream, where it sits in the journal and which stream it is.</summary>
public readonly record struct JournalEvent(JournalPosition At, StreamId Stream, IFabricEvent Event);

/// <summary>
/// Reads a journal's events in global order: rows from an <see cref="IJournalSource"/>, decoded
/// by the project's serializer (in parallel, consumed in order), with every Fabric stream's
/// sequence numbers checked for gaps. Deleted rows are passed over (they still hold their
/// sequence numbers); rows of streams that are not Fabric's are counted and passed over.
/// A bad row throws <see cref="BadRowException"/>, or with <paramref name="skipBad"/> is counted
/// in <see cref="Skipped"/> and passed over.
/// </summary>
public sealed class JournalReader(IJournalSource source, EventDecoder decoder, bool skipBad = false, int parallelism = 0)
{
    private const int ChunkRows = 256;
    private const int ChunkBytes = 1 << 20;

    private readonly Dictionary<string, Cursor> _streams = new(StringComparer.Ordinal);
    private readonly int _parallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount;

    public IJournalSource Source => source;
    public bool SkipBad => skipBad;
    public SkippedRows Skipped { get; } = new();

    /// <summary>Rows read, of every kind, up to the limit.</summary>
    public long Rows { get; private set; }

    public long DeletedRows { get; private set; }

    /// <summary>Rows of persistence ids that are not Fabric streams (not decoded).</summary>
    public long OtherStreamRows { get; private set; }

    public long FirstOrdering { get; private set; }
    public long LastOrdering { get; private set; }
    public DateTime? FirstTime { get; private set; }
    public DateTime? LastTime { get; private set; }

    /// <summary>Counts a bad row, or stops replay with it.</summary>
    public void Reject(BadRow row)
    {
        if (!skipBad) throw new BadRowException(source.Name, row);
        Skipped.Add(row);
    }

    /// <summary>The events up to <paramref name="until"/>, in global order.</summary>
    public async IAsyncEnumerable<JournalEvent> ReadAsync(ReplayLimit until = default, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await foreach (var d in Decoded(until.Ordering ?? long.MaxValue, cancellation))
        {
            var row = d.Row;
            if (until.Time is { } t && row.Time > t) yield break;
            Rows++;
            if (Rows == 1)
            {
                FirstOrdering = row.Ordering;
                FirstTime = row.Time;
            }
            LastOrdering = row.Ordering;
            LastTime = row.Time;

            if (!StreamId.IsFabric(row.PersistenceId))
            {
                OtherStreamRows++;
                continue;
            }
            var cursor = Follow(row);
            if (cursor is null) continue;
            if (row.Deleted)
            {
                DeletedRows++;
                continue;
            }
            if (!d.Ok)
            {
                Reject(BadRow.At(row, d.Problem, d.Detail!));
                continue;
            }
            yield return new JournalEvent(new JournalPosition(row.Ordering, row.PersistenceId, row.SequenceNumber, row.Time), cursor.Id, d.Event!);
        }
    }

    /// <summary>Checks the row's sequence number against its stream; null when the row cannot be placed.</summary>
    private Cursor? Follow(JournalRow row)
    {
        if (!_streams.TryGetValue(row.PersistenceId, out var cursor))
        {
            if (!StreamId.TryParse(row.PersistenceId, out var id, out var expected))
            {
                Reject(BadRow.At(row, BadRowKind.Inconsistent, $"the persistence id is not of the form {expected}"));
                return null;
            }
            _streams[row.PersistenceId] = cursor = new Cursor(id!);
        }
        var next = cursor.Last + 1;
        if (row.SequenceNumber == next)
        {
            cursor.Last = row.SequenceNumber;
            return cursor;
        }
        if (row.SequenceNumber > next)
        {
            var missing = row.SequenceNumber - next;
            var detail = cursor.Last == 0
                ? $"a gap: {row.PersistenceId} starts at #{row.SequenceNumber}, so {Events(next, row.SequenceNumber - 1)} missing (deleted, or never written)"
                : $"a gap: {row.PersistenceId} jumps from #{cursor.Last} to #{row.SequenceNumber}, so {Events(next, row.SequenceNumber - 1)} missing";
            // The row itself is good: with --skip-bad the gap is counted and the row replayed.
            Reject(BadRow.At(row, BadRowKind.Gap, detail, missing));
            cursor.Last = row.SequenceNumber;
            return cursor;
        }
        Reject(BadRow.At(row, BadRowKind.Inconsistent, $"#{row.SequenceNumber} comes after #{cursor.Last} of the same stream"));
        return null;
    }

    private static string Events(long first, long last) =>
        first == last ? $"event #{first} is" : $"events #{first}..#{last} are";

    private static bool NeedsDecoding(JournalRow row) => !row.Deleted && StreamId.IsFabric(row.PersistenceId);

    private DecodedRow Decode(JournalRow row) => NeedsDecoding(row) ? decoder.Decode(row) : new DecodedRow(row, null, default, null);

    /// <summary>Rows decoded ahead on the thread pool, chunk by chunk, handed out in journal order.</summary>
    private async IAsyncEnumerable<DecodedRow> Decoded(long untilOrdering, [EnumeratorCancellation] CancellationToken cancellation)
    {
        if (_parallelism <= 1)
        {
            foreach (var row in source.ReadRows(untilOrdering, cancellation)) yield return Decode(row);
            yield break;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var chunks = Channel.CreateBounded<Task<DecodedRow[]>>(new BoundedChannelOptions(2 * _parallelism) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(() => Produce(chunks.Writer, untilOrdering, stop.Token), stop.Token);
        try
        {
            while (await chunks.Reader.WaitToReadAsync(cancellation))
            {
                if (!chunks.Reader.TryRead(out var chunk)) continue;
                foreach (var d in await chunk) yield return d;
            }
            // A failed read surfaces here (JournalUnreadableException).
            await producer;
        }
        finally
        {
            await stop.CancelAsync();
            // The source's connection is closed before the enumeration ends.
            // Its failure, if any, was thrown above or does not matter once the reader stopped.
            try { await producer; }
            catch (Exception) { }
        }
    }

    private async Task Produce(ChannelWriter<Task<DecodedRow[]>> writer, long untilOrdering, CancellationToken stop)
    {
        try
        {
            var chunk = new List<JournalRow>(ChunkRows);
            var bytes = 0;
            foreach (var row in source.ReadRows(untilOrdering, stop))
            {
                chunk.Add(row);
                bytes += row.Message.Length;
                if (chunk.Count < ChunkRows && bytes < ChunkBytes) continue;
                await writer.WriteAsync(DecodeLater(chunk), stop);
                chunk = new List<JournalRow>(ChunkRows);
                bytes = 0;
            }
            if (chunk.Count > 0) await writer.WriteAsync(DecodeLater(chunk), stop);
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private Task<DecodedRow[]> DecodeLater(List<JournalRow> rows) => Task.Run(() =>
    {
        var decoded = new DecodedRow[rows.Count];
        for (var i = 0; i < decoded.Length; i++) decoded[i] = Decode(rows[i]);
        return decoded;
    });

    private sealed class Cursor(StreamId id)
    {
        public StreamId Id { get; } = id;
        public long Last { get; set; }
    }
}
