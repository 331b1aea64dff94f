using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Webhooks.Auth;

namespace Webhooks.Ui;

/// <summary>
/// A live view's connection checks now and then that its user is still signed in: signing out, a password change
/// or removing the user ends the live updates too, not only the next page load.
/// </summary>
internal sealed class UiAuthenticationStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken cancellationToken)
    {
        if (state.User.Identity?.IsAuthenticated != true) return true;
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UiSessionStore>().IsOpenAsync(state.User, cancellationToken)
            && await scope.ServiceProvider.GetRequiredService<UiUsers>().IsCurrentAsync(state.User);
    }
}
