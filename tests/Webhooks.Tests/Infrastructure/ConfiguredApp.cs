using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Webhooks.Tests.Infrastructure;

/// <summary>
/// The app with settings decided by the test itself, for tests that start and stop their own instance;
/// what it logs is kept in <see cref="Logs"/>.
/// </summary>
public sealed class ConfiguredApp(IReadOnlyDictionary<string, string?> settings) : WebhooksApp
{
    public CapturedLogs Logs { get; } = new();

    protected override Dictionary<string, string?> Settings
    {
        get
        {
            var all = base.Settings;
            foreach (var (key, value) in settings) all[key] = value;
            return all;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(Logs));
    }
}
