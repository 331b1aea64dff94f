namespace Webhooks.Tests.Infrastructure;

/// <summary>The app with settings decided by the test itself, for tests that start and stop their own instance.</summary>
public sealed class ConfiguredApp(IReadOnlyDictionary<string, string?> settings) : WebhooksApp
{
    protected override Dictionary<string, string?> Settings
    {
        get
        {
            var all = base.Settings;
            foreach (var (key, value) in settings) all[key] = value;
            return all;
        }
    }
}
