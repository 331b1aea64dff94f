namespace Webhooks.BrowserTests;

/// <summary>A class of browser tests over one <see cref="BrowserApp"/>; each test's pages are closed when it ends.</summary>
public abstract class BrowserTestClass(BrowserApp app) : IClassFixture<BrowserApp>, IAsyncLifetime
{
    protected BrowserApp App { get; } = app;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => App.ClosePagesAsync();
}
