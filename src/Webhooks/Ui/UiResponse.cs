using Microsoft.AspNetCore.Diagnostics;

namespace Webhooks.Ui;

public static class UiResponse
{
    /// <summary>Answers with this status and the page as rendered, not the problem details the API answers with.</summary>
    public static void Status(HttpContext context, int status)
    {
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = status;
        if (context.Features.Get<IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
    }
}
