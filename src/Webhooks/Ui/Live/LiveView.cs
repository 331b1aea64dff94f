using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using Webhooks.Auth;

namespace Webhooks.Ui.Live;

/// <summary>
/// The shape of every live view: an island rendered with <c>@rendermode="InteractiveServer"</c> inside a
/// server-rendered page. It is prerendered with the data of the moment (so the page is whole without JavaScript),
/// then, once its connection is up, reads again every <see cref="UiOptions.LiveRefresh"/> and re-renders.
/// Each read runs in a service scope of its own and sees only what the signed-in caller may see; a read that
/// fails keeps the last data on screen and says so. A view that allows it can be paused.
/// A new live view (a running bulk replay's progress, say) derives from this and implements <see cref="LoadAsync"/>.
/// </summary>
public abstract class LiveView<TData> : ComponentBase, IDisposable where TData : class
{
    private readonly CancellationTokenSource _stop = new();
    private bool _started;

    [Inject] public LiveReads Reads { get; set; } = default!;
    [Inject] public TimeProvider Clock { get; set; } = default!;
    [Inject] public IOptions<UiOptions> Options { get; set; } = default!;
    [Inject] public ILoggerFactory Logs { get; set; } = default!;
    [CascadingParameter] public Task<AuthenticationState>? Authentication { get; set; }

    /// <summary>What the last successful read gave, or null before the first (or when it found nothing to show).</summary>
    protected TData? Data { get; private set; }
    protected DateTimeOffset? UpdatedAt { get; private set; }
    /// <summary>Why the last read failed, while the data on screen is older than it should be.</summary>
    protected string? Problem { get; private set; }
    protected bool Paused { get; private set; }
    protected bool SignedOut { get; private set; }
    /// <summary>True once the view runs on its connection and so updates itself (false while prerendering).</summary>
    protected bool IsLive => RendererInfo.IsInteractive;
    protected TimeSpan Refresh => Options.Value.LiveRefresh;

    /// <summary>Reads the view's data for this caller, with services of a scope made for this read.</summary>
    protected abstract Task<TData?> LoadAsync(IServiceProvider services, Caller caller, CancellationToken cancellationToken);

    /// <summary>
    /// The first render waits for the first read. Going live, the view's first render replaces its prerendered markup in
    /// the browser: made before the read came back, it would show nothing for that moment, moving everything below it (a
    /// click landing then was lost). The framework's way, state persisted in the page, is not restored for a view that a
    /// page adds by enhanced navigation to a connection already open (ASP.NET Core 10), so it does not cover every view.
    /// </summary>
    public override async Task SetParametersAsync(ParameterView parameters)
    {
        parameters.SetParameterProperties(this);
        if (!_started)
        {
            _started = true;
            await ReadAsync();
            if (IsLive) _ = RunAsync();
        }
        await base.SetParametersAsync(ParameterView.Empty);
    }

    /// <summary>Pausing stops the reads (what is on screen stays); going on reads at once.</summary>
    protected async Task TogglePauseAsync()
    {
        Paused = !Paused;
        if (!Paused) await ReadAsync();
    }

    /// <summary>Reads now, outside the schedule (after a change the view itself made, say).</summary>
    protected Task RefreshNowAsync() => ReadAsync();

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(Refresh, Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
                if (!Paused) await InvokeAsync(async () => { await ReadAsync(); StateHasChanged(); });
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    private async Task ReadAsync()
    {
        var user = Authentication is null ? null : (await Authentication).User;
        if (user?.Identity?.IsAuthenticated != true)
        {
            SignedOut = true;
            Data = null;
            return;
        }
        try
        {
            await using var scope = Reads.NewScope();
            var data = await LoadAsync(scope.ServiceProvider, Caller.From(user), _stop.Token);
            if (Paused) return; // paused while this read ran: what was on screen when the admin paused stays
            Data = data;
            UpdatedAt = Clock.GetUtcNow();
            Problem = null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            Logs.CreateLogger(GetType()).LogWarning(e, "A live view could not read its data");
            Problem = "The last update failed (is the database reachable?); trying again shortly.";
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Where a live view's reads get their services: a fresh scope of the app's for each read (a connection lives for hours).</summary>
public sealed class LiveReads(IServiceScopeFactory scopes)
{
    public AsyncServiceScope NewScope() => scopes.CreateAsyncScope();
}
