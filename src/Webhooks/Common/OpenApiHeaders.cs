namespace Webhooks.Common;

/// <summary>Endpoint metadata: a request header the handler reads itself, documented as an OpenAPI header parameter.</summary>
public sealed record AcceptsHeaderMetadata(string Name, string Description, int MaxLength);

public static class OpenApiHeaders
{
    public static TBuilder AcceptsHeader<TBuilder>(this TBuilder builder, string name, string description, int maxLength) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AcceptsHeaderMetadata(name, description, maxLength));
}
