using System.Reflection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Webhooks.Common;

/// <summary>The document's info, contact, license, tag descriptions and the API key security scheme.</summary>
internal sealed class OpenApiDocumentTransformer(IOptions<OpenApiContactOptions> contact) : IOpenApiDocumentTransformer
{
    public const string SecurityScheme = "apiKey";

    private const string Description = """
        Producers post events; partners manage their subscriptions and follow their deliveries; admins manage everything.

        **Authentication**: every call takes `Authorization: Bearer <api key>`. A key has scopes: `admin` (everything),
        `ingest` (post events), `partner` (one partner's subscriptions, events and deliveries). Each operation says
        which scopes it accepts. A missing or unknown key is 401, a key without the scope 403, another partner's resource 404.

        **Errors** are RFC 9457 problem details (`application/problem+json`) whose `type` is a stable
        `urn:webhooks:problem:<code>`; each operation lists the types it can answer with. Validation failures carry
        an `errors` object keyed by the JSON path of each failing member (`$.url`, `$.payload.items[2].sku`).

        **Lists** are pages: `?limit=` (default 50, at most 500) and the opaque `?cursor=` from the previous page's
        `nextCursor` (`null` on the last page).

        **Webhooks** are delivered as Standard Webhooks: `webhook-id`, `webhook-timestamp` and `webhook-signature`
        (HMAC-SHA256 with the subscription's `whsec_` secret over `<id>.<timestamp>.<body>`).
        """;

    private static readonly (string Name, string Description)[] Tags =
    [
        ("Events", "Post events (one, or a batch of up to 500; natively or as CloudEvents 1.0) and read them back with the state of their deliveries."),
        ("Event types", "The catalogue of event types: each has a JSON Schema that every payload of that type must match, and its version history."),
        ("Subscriptions", "Partner endpoints: the URL, the event types it receives, its signing secret and health."),
        ("Deliveries", "Each event's delivery to each matching subscription: attempts, dead letters, and replay."),
        ("Partners", "The organisations that receive webhooks, and their API keys."),
        ("API keys", "Admin and ingest keys."),
        ("Stats", "The dashboard's figures."),
        ("Jobs", "Long admin work (a bulk replay, a partner's removal) runs as a background job; follow its state and progress here."),
    ];

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var version = typeof(OpenApiDocumentTransformer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
        document.Info = new OpenApiInfo
        {
            Title = "Webhooks API",
            Version = version ?? "1.0.0",
            Description = Description,
            // The software's licence terms are not decided yet; this states what holds until they are.
            License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-Proprietary" },
            Contact = Contact(contact.Value),
        };
        // Relative: the server that serves the document. The address of the request that asked for it would be wrong
        // behind a proxy that ends TLS (http://) and would name whatever host the caller used.
        document.Servers = [new OpenApiServer { Url = "/", Description = "This installation" }];

        // A tag missing from the table keeps no description, and the lint test says so.
        var used = document.Tags?.Select(t => t.Name).OfType<string>().ToList() ?? [];
        var described = Tags.ToDictionary(t => t.Name, t => t.Description);
        document.Tags = new HashSet<OpenApiTag>(used.OrderBy(t => Array.FindIndex(Tags, d => d.Name == t) is var i and >= 0 ? i : int.MaxValue)
            .Select(t => new OpenApiTag { Name = t, Description = described.GetValueOrDefault(t) }));

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SecurityScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "API key (whk_...)",
            Description = "An API key, sent as `Authorization: Bearer whk_...`. Keys are shown once, when created.",
        };
        return Task.CompletedTask;
    }

    private static OpenApiContact Contact(OpenApiContactOptions options) => new()
    {
        Name = options.ContactName.Length > 0 ? options.ContactName : "The operators of this Webhooks installation",
        Email = options.ContactEmail.Length > 0 ? options.ContactEmail : null,
        Url = options.ContactUrl.Length > 0 ? new Uri(options.ContactUrl) : null,
    };
}
