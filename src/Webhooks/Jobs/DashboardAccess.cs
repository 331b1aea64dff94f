using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Webhooks.Auth;

namespace Webhooks.Jobs;

/// <summary>
/// The dashboard is for signed-in admins. Someone not signed in is sent to the sign-in page (and back after);
/// a signed-in partner user is refused with 403 by Hangfire, which this filter tells that it is not an admin.
/// </summary>
internal sealed class DashboardAccess : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => Caller.From(context.GetHttpContext().User).IsAdmin;

    /// <summary>In front of the dashboard: an anonymous browser is challenged, which the cookie scheme answers with the sign-in redirect.</summary>
    public static async Task SignInFirst(HttpContext context, RequestDelegate next)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            await context.ChallengeAsync();
            return;
        }
        await next(context);
    }
}
