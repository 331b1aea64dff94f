using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Webhooks.Auth;
using Webhooks.Common;

namespace Webhooks.Ingest;

/// <summary>
/// CloudEvents on POST /api/v1/events: structured mode (<c>application/cloudevents+json</c>), batches
/// (<c>application/cloudevents-batch+json</c>) and binary mode (<c>ce-*</c> headers, the body is the data). Each event is
/// answered as a native one would be; (source, id) plays the Idempotency-Key, so a repeat answers with the original event.
/// </summary>
public static class CloudEventIngest
{
    /// <summary>Which CloudEvents shape a request to POST /api/v1/events has, if any.</summary>
    public static Shape ShapeOf(HttpRequest request)
    {
        var contentType = request.ContentType;
        if (contentType is not null)
        {
            if (contentType.StartsWith(CloudEventIntake.StructuredMediaType, StringComparison.OrdinalIgnoreCase)) return Shape.Structured;
            if (contentType.StartsWith(CloudEventIntake.BatchMediaType, StringComparison.OrdinalIgnoreCase)) return Shape.Batch;
        }
        return request.Headers.ContainsKey(CloudEventIntake.SpecVersionHeader) ? Shape.Binary : Shape.None;
    }

    public enum Shape { None, Structured, Binary, Batch }

    public static async Task<IResult> PostAsync(Shape shape, HttpContext context, CloudEventIntake intake, EventWriter writer, IngestOptions options)
    {
        if (shape == Shape.Batch) return await PostBatchAsync(context, intake, writer, options);
        (NewEvent? Event, ProblemDetails? Problem) checkedEvent;
        if (shape == Shape.Binary)
        {
            var (cloudEvent, invalid) = intake.ReadHeaders(context.Request.Headers, context.Request.ContentType);
            if (invalid is not null) return TypedResults.Problem(invalid);
            if (context.Request.ContentLength == 0)
                return TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["$"] = ["The body is the event's data, and it is empty."] })
                {
                    Status = 400, Type = Problems.Type("invalid-cloudevent"), Title = "The CloudEvent is not valid.",
                    Detail = "The event has no data, and its event type's schema validates data.",
                });
            var (body, problem) = await RequestBody.ReadJsonAsync(context.Request, options.MaxBodyBytes);
            if (problem is not null) return TypedResults.Problem(problem);
            using (body)
            {
                checkedEvent = await intake.CheckBinaryAsync(cloudEvent!, body!.Root, context.Caller(), context.RequestAborted);
                return await WriteAsync(checkedEvent, writer, context.RequestAborted);
            }
        }
        var (structured, readProblem) = await RequestBody.ReadJsonAsync(context.Request, options.MaxBodyBytes);
        if (readProblem is not null) return TypedResults.Problem(readProblem);
        using (structured)
        {
            checkedEvent = await intake.CheckStructuredAsync(structured!.Root, context.Caller(), context.RequestAborted);
            return await WriteAsync(checkedEvent, writer, context.RequestAborted);
        }
    }

    private static async Task<IResult> WriteAsync((NewEvent? Event, ProblemDetails? Problem) checkedEvent, EventWriter writer, CancellationToken cancellationToken)
    {
        if (checkedEvent.Problem is { } rejected) return TypedResults.Problem(rejected);
        return Answer(await writer.WriteAsync(checkedEvent.Event!, cancellationToken)) switch
        {
            EventAccepted accepted => TypedResults.Accepted($"/api/v1/events/{accepted.Id}", accepted),
            var conflict => TypedResults.Problem((ProblemDetails)conflict),
        };
    }

    /// <summary>A JSON array of 1 to 500 CloudEvents, each checked and answered on its own, in order, all written in one commit.</summary>
    private static async Task<IResult> PostBatchAsync(HttpContext context, CloudEventIntake intake, EventWriter writer, IngestOptions options)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(context.Request, options.MaxBatchBodyBytes);
        if (problem is not null) return TypedResults.Problem(problem);
        using (body)
        {
            var root = body!.Root;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() is 0 or > IngestEndpoints.MaxBatch)
                return Problems.Validation("$", $"A CloudEvents batch is a JSON array of 1 to {IngestEndpoints.MaxBatch} CloudEvents.");

            var caller = context.Caller();
            var results = new object[root.GetArrayLength()];
            var accepted = new List<(int Index, NewEvent Event)>();
            var index = 0;
            foreach (var item in root.EnumerateArray())
            {
                var (newEvent, rejected) = await intake.CheckStructuredAsync(item, caller, context.RequestAborted);
                if (rejected is not null) results[index] = new { error = (object)rejected }; // as object: the runtime type's members (errors) are written too
                else accepted.Add((index, newEvent!));
                index++;
            }
            var outcomes = accepted.Count == 0 ? [] : await writer.WriteAsync(accepted.Select(a => a.Event).ToList(), context.RequestAborted);
            for (var i = 0; i < accepted.Count; i++)
                results[accepted[i].Index] = Answer(outcomes[i]) is EventAccepted a ? a : new { error = Answer(outcomes[i]) };
            return TypedResults.Ok(new IngestEndpoints.BatchResults(results));
        }
    }

    /// <summary>The 202 body of a written or repeated event, or the 409 of a (source, id) pair used before for another event.</summary>
    private static object Answer(WriteOutcome outcome) => outcome switch
    {
        Written w => new EventAccepted(w.Id, w.Type, w.CreatedAt, w.Deliveries),
        Repeated r => new EventAccepted(r.Id, r.Type, r.CreatedAt, r.Deliveries),
        _ => new ProblemDetails
        {
            Status = 409, Type = Problems.Type("conflict"), Title = "Conflict.",
            Detail = "An event with this source and id was posted before with other attributes or data.",
        },
    };
}
