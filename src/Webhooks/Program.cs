using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.Delivery;
using Webhooks.EventTypes;
using Webhooks.Observability;
using Webhooks.Partners;
using Webhooks.Stats;
using Webhooks.Subscriptions;
using Webhooks.Ui;

var builder = WebApplication.CreateBuilder(args);
builder.AddDatabase();
builder.AddWebhooksAuth();
builder.AddEventTypes();
builder.AddPartners();
builder.AddSubscriptions();
builder.AddDelivery();
builder.AddStats();
builder.AddUi();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<WebhooksMetrics>();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
builder.Services.AddOpenApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
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
app.MapStatsEndpoints();
app.MapUi();

app.Run();

public partial class Program;
