using System.Diagnostics;
using OpenTelemetry;

namespace Webhooks.Observability;

/// <summary>
/// Keeps Npgsql's spans only inside a trace that something else began (a request, a delivery attempt). The
/// delivery queue polls PostgreSQL all the time and the ingest writers commit in the background: alone,
/// each of those statements would be a trace of its own, thousands an hour that say nothing.
/// </summary>
internal sealed class UnparentedDatabaseSpans : BaseProcessor<Activity>
{
    public const string NpgsqlSource = "Npgsql";

    public override void OnStart(Activity data)
    {
        if (data.Source.Name != NpgsqlSource || data.ParentSpanId != default) return;
        // Not recorded: the exporter skips it, and Npgsql adds no tags to it.
        data.IsAllDataRequested = false;
        data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
    }
}
