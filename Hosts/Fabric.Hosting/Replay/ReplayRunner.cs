namespace Fabric.Hosting.Replay;

/// <summary>
/// <c>fabric replay JOURNAL</c> as a library call: opens the journal read-only, replays it,
/// optionally exports it as a trace, prints the summary on the output writer and any error on
/// the error writer, and returns the exit code (<see cref="ReplayExit"/>).
/// </summary>
public sealed class ReplayRunner(TextWriter output, TextWriter errors, EventDecoder? decoder = null)
{
    /// <param name="exportTrace">
    /// Write the journal as a trace to this file, and the output the recorded run printed for
    /// its calls and DMAs to the same name with the extension <c>.expected</c>.
    /// </param>
    /// <param name="against">
    /// Re-run the recorded setup, calls and DMAs on a fresh in-memory fabric built from this
    /// configuration file and print where the outcomes differ (<see cref="WhatIf"/>).
    /// </param>
    public async Task<int> Run(string journal, ReplayOptions options, string? exportTrace = null, CancellationToken cancellation = default,
        string? against = null)
    {
        WhatIfConfig? whatIfConfig = null;
        if (against is not null)
        {
            try
            {
                whatIfConfig = WhatIfConfig.Load(against);
            }
            catch (WhatIfConfigException e)
            {
                await errors.WriteLineAsync(e.Message);
                return ReplayExit.Malformed;
            }
        }

        IJournalSource source;
        try
        {
            source = JournalSources.Open(journal);
        }
        catch (JournalUnreadableException e)
        {
            await errors.WriteLineAsync(e.Message);
            return ReplayExit.Malformed;
        }

        using (source)
        {
            Export? export = null;
            await using var whatIf = whatIfConfig is null ? null : new WhatIf(whatIfConfig);
            var own = decoder is null ? EventDecoder.Start() : null;
            try
            {
                if (exportTrace is not null)
                {
                    export = Export.Create(exportTrace, out var error);
                    if (export is null)
                    {
                        await errors.WriteLineAsync(error);
                        return ReplayExit.Malformed;
                    }
                    export.Exporter.Comment($"""
                        Exported by `fabric replay --export-trace` from {source.Name}{(options.Until.IsNone ? "" : $" until {options.Until}")}.
                        Setup, RAM pokes, calls and DMAs in journal order; `fabric trace` runs it on a fresh fabric.
                        What the recorded run printed for each call and DMA is in {Path.GetFileName(export.ExpectedPath)}.
                        """);
                }
                var result = await Replayer.Run(source, decoder ?? own!, options, export?.Exporter, cancellation, whatIf);
                export?.Close();
                ReplaySummary.Write(output, result);
                if (whatIf is not null)
                {
                    whatIf.Settle(result.State.Violations.Select(v => v.At.Ordering));
                    WhatIfReport.Write(output, whatIf);
                }
                if (export is not null)
                    await output.WriteLineAsync($"exported {export.Exporter.Statements} statements ({export.Exporter.Calls} calls, {export.Exporter.Dmas} DMAs) to {export.TracePath} and {export.ExpectedPath}");
                export = null;
                return result.ExitCodeWith(whatIf);
            }
            catch (JournalUnreadableException e)
            {
                await errors.WriteLineAsync(e.Message);
            }
            catch (BadRowException e)
            {
                await errors.WriteLineAsync(e.Message);
            }
            catch (TraceExportException e)
            {
                await errors.WriteLineAsync(export is not null
                    ? $"{source.Name}: {e.Message}; the journal replays, but cannot be exported as a trace (run without --export-trace)"
                    : $"{source.Name}: {e.Message}; the journal replays, but cannot be re-run as a trace (run without --against)");
            }
            finally
            {
                // A failed export leaves no half-written files behind.
                export?.Discard();
                own?.Dispose();
            }
            return ReplayExit.Malformed;
        }
    }

    private sealed class Export
    {
        private readonly StreamWriter _trace;
        private readonly StreamWriter _expected;

        private Export(string tracePath, string expectedPath, StreamWriter trace, StreamWriter expected)
        {
            TracePath = tracePath;
            ExpectedPath = expectedPath;
            _trace = trace;
            _expected = expected;
            Exporter = new TraceExporter(trace, expected, tracePath);
        }

        public string TracePath { get; }
        public string ExpectedPath { get; }
        public TraceExporter Exporter { get; }

        public static Export? Create(string file, out string error)
        {
            error = "";
            var trace = Path.GetFullPath(file);
            var expected = Path.ChangeExtension(trace, ".expected");
            if (expected == trace)
            {
                error = $"{trace}: the trace would overwrite its own .expected file; name the trace NAME.trace";
                return null;
            }
            if (Path.GetDirectoryName(trace) is { } dir && !Directory.Exists(dir))
            {
                error = $"{trace}: the folder {dir} does not exist; create it or name another file";
                return null;
            }
            try
            {
                var t = new StreamWriter(trace, append: false) { NewLine = "\n" };
                try
                {
                    return new Export(trace, expected, t, new StreamWriter(expected, append: false) { NewLine = "\n" });
                }
                catch
                {
                    t.Dispose();
                    File.Delete(trace);
                    throw;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = $"{trace}: cannot write the export: {e.Message}";
                return null;
            }
        }

        public void Close()
        {
            _trace.Dispose();
            _expected.Dispose();
        }

        public void Discard()
        {
            Close();
            File.Delete(TracePath);
            File.Delete(ExpectedPath);
        }
    }
}
