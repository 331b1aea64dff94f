using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Webhooks.Auth;
using Webhooks.Delivery;
using Webhooks.EventTypes;
using Webhooks.Partners;
using Webhooks.Subscriptions;

namespace Webhooks.Common;

/// <summary>
/// Schemas as a client should read them: numbers are numbers (the serializer also reads numbers written as
/// strings, and the generated schema said "integer or string"), and members are required only where the API
/// requires them (request records are all-nullable so that the service, not the binder, says what is missing).
/// </summary>
internal sealed class OpenApiSchemaTransformer : IOpenApiSchemaTransformer
{
    private static readonly Dictionary<Type, string[]> RequiredMembers = new()
    {
        [typeof(CreateEventType)] = ["name", "schema"],
        [typeof(UpdateEventType)] = ["schema"],
        [typeof(CreatePartner)] = ["name"],
        [typeof(CreateApiKey)] = [],
        [typeof(CreateSubscription)] = ["url", "eventTypes"],
        [typeof(UpdateSubscription)] = [],
        [typeof(BulkReplayRequest)] = [],
        [typeof(TestDeliveryRequest)] = [],
        [typeof(SendEventRequest)] = ["type", "payload"],
        [typeof(SendEventBatchRequest)] = ["events"],
        [typeof(CloudEventRequest)] = ["specversion", "id", "source", "type", "data"],
        // Either the accepted event's members or error.
        [typeof(BatchItemResult)] = [],
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && type.HasFlag(JsonSchemaType.String) && schema.Pattern is not null)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        if (context.JsonPropertyInfo is null && RequiredMembers.TryGetValue(context.JsonTypeInfo.Type, out var required))
            schema.Required = new HashSet<string>(required);
        return Task.CompletedTask;
    }
}
