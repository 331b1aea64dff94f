using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;
using Webhooks.Common;
using Webhooks.Security;

namespace Webhooks.Auth;

/// <summary>
/// Bearer API keys. Valid keys are cached for a few seconds because ingest checks one on every
/// request; a revoked key stops working at once on the instance that revoked it and within
/// <see cref="CacheFor"/> on the others. Unknown keys are counted per client address
/// (<see cref="FailedKeyThrottle"/>): an address that has made too many is answered 429 until it may try again.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    NpgsqlDataSource dataSource,
    IMemoryCache cache,
    FailedKeyThrottle throttle,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    private TimeSpan? _throttled;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var key = header["Bearer ".Length..].Trim();
        var address = FailedKeyThrottle.AddressOf(Context);
        if (key.Length is 0 or > 200)
        {
            throttle.Failed(address);
            return AuthenticateResult.Fail("Malformed API key.");
        }

        var hash = Convert.ToHexString(ApiKeys.Hash(key));
        if (!cache.TryGetValue(CacheKey(hash), out AuthenticationTicket? ticket))
        {
            // A key in the cache is known already: only lookups are refused to an address that guessed too often.
            if ((_throttled = throttle.Blocked(address)) is not null) return AuthenticateResult.Fail("Too many failed API key attempts.");
            ticket = await LookUp(ApiKeys.Hash(key));
            if (ticket is null)
            {
                throttle.Failed(address);
                return AuthenticateResult.Fail("Unknown or revoked API key.");
            }
            cache.Set(CacheKey(hash), ticket, CacheFor);
        }
        return AuthenticateResult.Success(ticket!);
    }

    /// <summary>401 with <c>WWW-Authenticate: Bearer</c> (RFC 6750; its body comes from the API's status code problems), or 429 while throttled.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_throttled is { } wait)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString();
            await problems.WriteAsync(new()
            {
                HttpContext = Context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Type = Problems.Type("too-many-failed-attempts"),
                    Title = "Too many failed API key attempts.",
                    Detail = "This address sent too many unknown API keys; retry after the time in Retry-After.",
                },
            });
            return;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        var keyGiven = Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        Response.Headers.WWWAuthenticate = keyGiven ? "Bearer error=\"invalid_token\"" : "Bearer";
    }

    public static void Forget(IMemoryCache cache, byte[] hash) => cache.Remove(CacheKey(Convert.ToHexString(hash)));

    private static string CacheKey(string hash) => "api-key:" + hash;

    private async Task<AuthenticationTicket?> LookUp(byte[] hash)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, prefix, scopes, partner_id FROM api_keys WHERE hash = $1 AND revoked_at IS NULL");
        command.Parameters.Add(new() { Value = hash });
        await using var reader = await command.ExecuteReaderAsync(Context.RequestAborted);
        if (!await reader.ReadAsync(Context.RequestAborted)) return null;
        var identity = Caller.Identity(SchemeName, "key " + reader.GetString(1), reader.GetFieldValue<string[]>(2),
            reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.GetGuid(0));
        return new AuthenticationTicket(new(identity), SchemeName);
    }
}
