using System.Text.Encodings.Web;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.Delivery;
using Webhooks.EventTypes;
using Webhooks.Ingest;
using Webhooks.Jobs;
using Webhooks.Observability;
using Webhooks.Partners;
using Webhooks.Retention;
using Webhooks.Security;
using Webhooks.Sources;
using Webhooks.Stats;
using Webhooks.Subscriptions;
using Webhooks.Ui;

if (HealthProbe.IsRequested(args)) Environment.Exit(await HealthProbe.RunAsync(args));

var builder = WebApplication.CreateBuilder(args);
builder.AddTelemetry();
builder.AddDatabase();
builder.AddJobs();
builder.AddRetention();
builder.AddBootstrapChecks();
builder.AddWebhooksAuth();
builder.AddEventTypes();
builder.AddPartners();
builder.AddSubscriptions();
builder.AddDelivery();
builder.AddIngest();
builder.AddSources();
builder.AddStats();
builder.AddUi();
builder.AddSecurity();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<WebhooksMetrics>();
builder.Services.AddProblemDetails();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
builder.AddWebhooksOpenApi();

var app = builder.Build();
app.UseCircuitShutdown();
app.UseExceptionHandler();
app.UseApiProblemDetails();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapHealthEndpoints();
app.MapOpenApi();
app.UseSwaggerUI(o =>
{
    o.RoutePrefix = "api-docs";
    o.SwaggerEndpoint("/openapi/v1.json", "Webhooks API v1");
});
app.MapEventTypeEndpoints();
app.MapPartnerEndpoints();
app.MapApiKeyEndpoints();
app.MapSubscriptionEndpoints();
app.MapIngestEndpoints();
app.MapEventEndpoints();
app.MapDeliveryEndpoints();
app.MapStatsEndpoints();
app.MapJobEndpoints();
app.MapJobsDashboard();
app.MapUi();

app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls)
        app.Logger.LogInformation("Webhooks is ready: open {Url}/ in a browser, the API is at {Url}/api/v1, its reference at {Url}/api-docs", url, url, url);
});

app.Run();

public partial class Program;
