namespace Webhooks.Jobs;

/// <summary>GET /api/v1/jobs/{id}: a long piece of admin work and how far it got.</summary>
public sealed record AdminJobResponse(
    Guid Id, string Kind, string State, AdminJobProgress Progress, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string? Error);

public sealed record AdminJobProgress(long Done, long Total);

/// <summary>The states a job is reported in; Hangfire's own (scheduled for a retry, deleted...) map onto these.</summary>
public static class AdminJobState
{
    public const string Enqueued = "enqueued";
    public const string Processing = "processing";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

/// <summary>A job just added by a request: its row's id and its Hangfire job's.</summary>
public sealed record AddedAdminJob(Guid Id, string HangfireId);

/// <summary>What a running job reads of its own row: its arguments and where it got to.</summary>
public sealed class AdminJobRow
{
    public required string Arguments { get; init; }
    public long Done { get; init; }
    public Guid? Position { get; init; }
}
