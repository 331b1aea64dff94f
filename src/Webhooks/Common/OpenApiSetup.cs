using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Webhooks.Common;

/// <summary>
/// The OpenAPI document at /openapi/v1.json, complete enough to generate clients from: the API key scheme,
/// every operation's problem types, typed bodies, examples, tag descriptions (see the OpenApi* files beside this one).
/// </summary>
public static class OpenApiSetup
{
    public static void AddWebhooksOpenApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OpenApiContactOptions>().BindConfiguration(OpenApiContactOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<OpenApiContactOptions>, OpenApiContactOptionsValidator>();
        builder.Services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<OpenApiDocumentTransformer>();
            o.AddOperationTransformer<OpenApiOperationTransformer>();
            o.AddSchemaTransformer<OpenApiSchemaTransformer>();
        });
    }
}
