using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Webhooks.Auth;

namespace Webhooks.Jobs;

/// <summary>
/// The dashboard is for signed-in admins. Someone not signed in is sent to the sign-in page (and back after); a
/// signed-in partner user is sent to the UI's "not allowed" page (status 403), as for the UI's admin pages. The
/// filter is Hangfire's own check of the same rule.
/// </summary>
internal sealed class DashboardAccess : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => Caller.From(context.GetHttpContext().User).IsAdmin;

    /// <summary>In front of the dashboard: the cookie scheme's challenge and forbid answer with the sign-in and the not-allowed redirects.</summary>
    public static async Task AdminsOnly(HttpContext context, RequestDelegate next)
    {
        if (context.User.Identity?.IsAuthenticated != true) await context.ChallengeAsync();
        else if (!Caller.From(context.User).IsAdmin) await context.ForbidAsync();
        else await next(context);
    }
}
