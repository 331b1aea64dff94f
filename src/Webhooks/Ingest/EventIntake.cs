using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.EventTypes;
using Webhooks.Observability;

namespace Webhooks.Ingest;

/// <summary>Checks one posted event — its envelope, type, partner and payload — and turns it into a <see cref="NewEvent"/> or a problem.</summary>
public sealed class EventIntake(SchemaRegistry schemas, KnownPartners partners, IOptions<IngestOptions> options, WebhooksMetrics metrics)
{
    public async Task<(NewEvent? Event, ProblemDetails? Problem)> CheckAsync(
        JsonElement item, Caller caller, string? idempotencyKey, byte[]? requestHash, CancellationToken cancellationToken)
    {
        if (item.ValueKind != JsonValueKind.Object)
            return Reject("invalid-request", Invalid(("$", "An event must be a JSON object with type and payload.")));
        var errors = new List<(string, string)>();
        string? type = null;
        Guid? partnerId = null;
        if (!item.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            errors.Add(("$.type", "type is required: the name of a registered event type."));
        else type = typeElement.GetString();
        if (!item.TryGetProperty("payload", out var payload) || payload.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            errors.Add(("$.payload", "payload is required."));
        if (item.TryGetProperty("partnerId", out var partnerElement) && partnerElement.ValueKind != JsonValueKind.Null)
        {
            if (partnerElement.ValueKind == JsonValueKind.String && partnerElement.TryGetGuid(out var p)) partnerId = p;
            else errors.Add(("$.partnerId", "partnerId must be a partner id (a UUID) or null."));
        }
        if (errors.Count > 0) return Reject("invalid-request", Invalid([.. errors]));

        var key = caller.ApiKeyId is null ? null : idempotencyKey;
        return await CheckEventAsync(type!, payload, partnerId, "$.payload", caller.ApiKeyId, key, requestHash, null, cancellationToken);
    }

    /// <summary>
    /// Checks an event whose envelope is already read (the native shape, or a CloudEvent): its type, partner and payload.
    /// Schema errors are keyed under <paramref name="payloadPath"/>; <paramref name="idempotencyScope"/> and
    /// <paramref name="idempotencyKey"/> name the key it claims (none when the key is null).
    /// </summary>
    public async ValueTask<(NewEvent? Event, ProblemDetails? Problem)> CheckEventAsync(
        string type, JsonElement payload, Guid? partnerId, string payloadPath, Guid? idempotencyScope, string? idempotencyKey, byte[]? requestHash,
        string? cloudEvent, CancellationToken cancellationToken)
    {
        var payloadJson = payload.GetRawText();
        if (payloadJson.Length > options.Value.MaxBodyBytes)
            return Reject("too-large", new ProblemDetails
            {
                Status = 413, Type = Problems.Type("payload-too-large"), Title = "The payload is too large.",
                Detail = $"A payload may have at most {options.Value.MaxBodyBytes} bytes.",
            });

        var eventType = await schemas.GetAsync(type);
        if (eventType is null || eventType.Archived)
            return Reject("unknown-type", new ProblemDetails
            {
                Status = 422, Type = Problems.Type("unknown-event-type"),
                Title = eventType is null ? "The event type is not registered." : "The event type is archived.",
                Detail = eventType is null ? $"No event type is named '{type}'." : $"'{type}' is archived: new events of it are refused.",
            });
        if (partnerId is { } partner && !await partners.ExistsAsync(partner, cancellationToken))
            return Reject("unknown-partner", new ProblemDetails
            {
                Status = 422, Type = Problems.Type("unknown-partner"), Title = "The partner does not exist.", Detail = $"No partner has the id {partner}.",
            });

        var failures = SchemaCompiler.Validate(eventType.Schema, payload);
        if (failures.Count > 0)
            return Reject("schema", new HttpValidationProblemDetails(failures.ToDictionary(f => payloadPath + f.Key[1..], f => f.Value))
            {
                Status = 422, Type = Problems.Type("payload-invalid"), Title = "The payload does not match the event type's schema.",
                Detail = $"The payload fails schema version {eventType.Version} of '{type}'.",
            });

        return (new NewEvent(TimeOrderedIds.New(), eventType.Name, partnerId, payloadJson, idempotencyScope,
            idempotencyKey, requestHash, Activity.Current?.Id) { CloudEvent = cloudEvent }, null);
    }

    public (NewEvent?, ProblemDetails?) Reject(string reason, ProblemDetails problem)
    {
        metrics.Rejected(reason);
        return (null, problem);
    }

    private static HttpValidationProblemDetails Invalid(params (string Path, string Message)[] errors) =>
        new(errors.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()))
        {
            Status = 400, Type = Problems.Type("validation"), Title = "The request is not valid.",
        };
}
