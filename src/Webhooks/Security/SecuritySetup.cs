using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Webhooks.Common;

namespace Webhooks.Security;

public static class SecuritySetup
{
    /// <summary>Limits, strict JSON for bound bodies, problem details for every API error, and the throttles (docs/security.md).</summary>
    public static void AddSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>();
        builder.Services.AddSingleton<FailedKeyThrottle>();
        builder.Services.AddSingleton<TestSendThrottle>();

        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.AllowDuplicateProperties = false;
            o.SerializerOptions.Converters.Add(new StrictJson.ElementConverter());
        });
        // Binding failures become exceptions in every environment, so they are answered with what went wrong.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<ProblemDetailsOptions>(o => o.CustomizeProblemDetails += ApiProblemDetails.Customize);
        builder.Services.AddExceptionHandler<RequestExceptionHandler>();
    }
}
