using Microsoft.AspNetCore.Components;

namespace Webhooks.Ui;

/// <summary>A page whose queries can be slow: it streams on enhanced navigation (see App.razor).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class StreamsWhenEnhancedAttribute : Attribute
{
    /// <summary>True for the fetches blazor.web.js makes when it navigates or posts a form without a full page load.</summary>
    public static bool IsEnhancedNavigation(HttpRequest request) =>
        request.Headers.Accept.Any(a => a?.Contains("blazor-enhanced-nav=on", StringComparison.Ordinal) == true);
}

/// <summary>Everything inside renders with streaming: the page's first render goes out at once, the rest as it finishes.</summary>
[StreamRendering]
public sealed class Streamed : ComponentBase
{
    [Parameter] public RenderFragment? ChildContent { get; set; }

    protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder) => builder.AddContent(0, ChildContent);
}
