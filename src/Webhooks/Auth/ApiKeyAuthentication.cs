using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Webhooks.Auth;

/// <summary>
/// Bearer API keys. Valid keys are cached for a few seconds because ingest checks one on every
/// request; a revoked key stops working at once on the instance that revoked it and within
/// <see cref="CacheFor"/> on the others.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    NpgsqlDataSource dataSource,
    IMemoryCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var key = header["Bearer ".Length..].Trim();
        if (key.Length is 0 or > 200)
            return AuthenticateResult.Fail("Malformed API key.");

        var hash = Convert.ToHexString(ApiKeys.Hash(key));
        if (!cache.TryGetValue(CacheKey(hash), out AuthenticationTicket? ticket))
        {
            ticket = await LookUp(ApiKeys.Hash(key));
            if (ticket is null) return AuthenticateResult.Fail("Unknown or revoked API key.");
            cache.Set(CacheKey(hash), ticket, CacheFor);
        }
        return AuthenticateResult.Success(ticket!);
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
