using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Webhooks.Auth;
using Webhooks.Common;

namespace Webhooks.Ingest;

public sealed record EventAccepted(Guid Id, string Type, DateTimeOffset CreatedAt, int Deliveries);

public static class IngestEndpoints
{
    public const int MaxBatch = 500;
    public const string IdempotencyHeader = "Idempotency-Key";

    public static RouteGroupBuilder MapIngestEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/events").WithTags("Events").RequireAuthorization(AuthSetup.IngestPolicy);
        // Any content type reaches the handler: a binary-mode CloudEvent's is its data's, which the handler judges.
        group.MapPost("/", PostEvent).Accepts<SendEventRequest>("application/json", "*/*")
            .WithName("sendEvent").WithSummary("Post an event").Produces<EventAccepted>(202)
            .AcceptsHeader(IdempotencyHeader, "Makes a retry safe: a repeat with the same key and body within the idempotency window creates nothing and answers with the original event; the same key with another body is 409.", 255)
            .ProducesProblems("malformed-json", "too-deep", "invalid-idempotency-key", "validation", "conflict", "body-too-large", "payload-too-large",
                "unknown-event-type", "unknown-partner", "payload-invalid", "invalid-cloudevent")
            .AddOpenApiOperationTransformer(OpenApiIngestShapes.DescribeCloudEvents);
        group.MapPost("/batch", PostBatch).Accepts<SendEventBatchRequest>("application/json")
            .WithName("sendEventBatch").WithSummary("Post a batch of 1 to 500 events, each answered on its own").Produces<SendEventBatchResponse>(200)
            .ProducesProblems("malformed-json", "too-deep", "validation", "body-too-large");
        return group;
    }

    private static async Task<IResult> PostEvent(
        HttpContext context, EventIntake intake, CloudEventIntake cloudEvents, EventWriter writer, IOptions<IngestOptions> options)
    {
        if (CloudEventIngest.ShapeOf(context.Request) is not CloudEventIngest.Shape.None and var shape)
            return await CloudEventIngest.PostAsync(shape, context, cloudEvents, writer, options.Value);
        // The native shape is JSON; other content types are refused as the routing would refuse them.
        if (context.Request.ContentType is { } contentType && !IsJsonContentType(contentType))
            return TypedResults.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        var idempotencyKeys = context.Request.Headers[IdempotencyHeader];
        var idempotencyKey = idempotencyKeys.ToString();
        // Two of them would be joined by a comma into a key that neither is.
        if (idempotencyKeys.Count > 1 || context.Request.Headers.ContainsKey(IdempotencyHeader) && !IsValidIdempotencyKey(idempotencyKey))
            return Problem(new ProblemDetails
            {
                Status = 400, Type = Problems.Type("invalid-idempotency-key"), Title = "The Idempotency-Key header is not valid.",
                Detail = "A request has at most one Idempotency-Key, of 1 to 255 printable ASCII characters.",
            });

        var (body, problem) = await RequestBody.ReadJsonAsync(context.Request, options.Value.MaxBodyBytes);
        if (problem is not null) return Problem(problem);
        using (body)
        {
            var key = idempotencyKey.Length > 0 ? idempotencyKey : null;
            var (newEvent, rejected) = await intake.CheckAsync(body!.Root, context.Caller(), key, key is null ? null : SHA256.HashData(body.Bytes), context.RequestAborted);
            if (rejected is not null) return Problem(rejected);
            return await writer.WriteAsync(newEvent!, context.RequestAborted) switch
            {
                Written w => TypedResults.Accepted($"/api/v1/events/{w.Id}", new EventAccepted(w.Id, w.Type, w.CreatedAt, w.Deliveries)),
                Repeated r => TypedResults.Accepted($"/api/v1/events/{r.Id}", new EventAccepted(r.Id, r.Type, r.CreatedAt, r.Deliveries)),
                _ => Problems.Conflict("This Idempotency-Key was used with a different body."),
            };
        }
    }

    public sealed record BatchResults(IReadOnlyList<object> Results);

    private static async Task<IResult> PostBatch(HttpContext context, EventIntake intake, EventWriter writer, IOptions<IngestOptions> options)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(context.Request, options.Value.MaxBatchBodyBytes);
        if (problem is not null) return Problem(problem);
        using (body)
        {
            if (body!.Root.ValueKind != JsonValueKind.Object || !body.Root.TryGetProperty("events", out var events)
                || events.ValueKind != JsonValueKind.Array || events.GetArrayLength() is 0 or > MaxBatch)
                return Problems.Validation("$.events", $"events must be an array of 1 to {MaxBatch} events.");

            var caller = context.Caller();
            var results = new object[events.GetArrayLength()];
            var accepted = new List<(int Index, NewEvent Event)>();
            var index = 0;
            foreach (var item in events.EnumerateArray())
            {
                var (newEvent, rejected) = await intake.CheckAsync(item, caller, null, null, context.RequestAborted);
                if (rejected is not null) results[index] = new { error = (object)rejected }; // as object: the runtime type's members (errors) are written too
                else accepted.Add((index, newEvent!));
                index++;
            }
            var outcomes = accepted.Count == 0 ? [] : await writer.WriteAsync(accepted.Select(a => a.Event).ToList(), context.RequestAborted);
            for (var i = 0; i < accepted.Count; i++)
                results[accepted[i].Index] = outcomes[i] is Written w ? new EventAccepted(w.Id, w.Type, w.CreatedAt, w.Deliveries) : throw new InvalidOperationException();
            return TypedResults.Ok(new BatchResults(results));
        }
    }

    /// <summary>application/json, with or without parameters (read without allocating: every native request asks).</summary>
    private static bool IsJsonContentType(string contentType)
    {
        var mediaType = contentType.AsSpan();
        if (mediaType.IndexOf(';') is var semicolon and >= 0) mediaType = mediaType[..semicolon];
        return mediaType.Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsValidIdempotencyKey(string key) => key.Length is >= 1 and <= 255 && key.All(c => c is >= ' ' and <= '~');

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);
}
