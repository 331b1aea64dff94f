using System.Security.Claims;

namespace Webhooks.Auth;

/// <summary>Who is calling, read from the claims that API key and cookie sign-in both issue.</summary>
public sealed record Caller(string Name, bool IsAdmin, bool CanIngest, Guid? PartnerId, Guid? ApiKeyId)
{
    public const string ScopeClaim = "scope";
    public const string PartnerClaim = "partner_id";
    public const string ApiKeyClaim = "api_key_id";

    public static Caller From(ClaimsPrincipal user)
    {
        var scopes = user.FindAll(ScopeClaim).Select(c => c.Value).ToHashSet();
        return new Caller(
            user.Identity?.Name ?? "unknown",
            scopes.Contains(Scopes.Admin),
            scopes.Contains(Scopes.Admin) || scopes.Contains(Scopes.Ingest),
            Guid.TryParse(user.FindFirstValue(PartnerClaim), out var partner) ? partner : null,
            Guid.TryParse(user.FindFirstValue(ApiKeyClaim), out var key) ? key : null);
    }

    /// <summary>Admins see every partner; a partner caller sees only its own.</summary>
    public bool CanSee(Guid partnerId) => IsAdmin || PartnerId == partnerId;

    public static ClaimsIdentity Identity(string scheme, string name, IEnumerable<string> scopes, Guid? partnerId, Guid? apiKeyId)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        claims.AddRange(scopes.Select(s => new Claim(ScopeClaim, s)));
        if (partnerId is { } p) claims.Add(new Claim(PartnerClaim, p.ToString()));
        if (apiKeyId is { } k) claims.Add(new Claim(ApiKeyClaim, k.ToString()));
        return new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role);
    }
}

public static class CallerExtensions
{
    public static Caller Caller(this HttpContext context) => Auth.Caller.From(context.User);
}
