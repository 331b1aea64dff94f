using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Npgsql;

namespace Webhooks.Auth;

/// <summary>
/// The browser's sessions, kept in PostgreSQL so every instance sees them: the sign-in cookie carries only a
/// random session key. Signing out deletes the row, so a copy of the cookie taken before stops working at once;
/// removing a user deletes their sessions with them.
/// </summary>
public sealed class UiSessionStore(NpgsqlDataSource dataSource, TimeProvider time) : ITicketStore
{
    /// <summary>The session's key, added to the signed-in principal so a live view can check the session is still open.</summary>
    public const string SessionClaim = "ui_session";

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, CancellationToken.None);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        if (ticket.Principal.Identity is ClaimsIdentity identity)
        {
            foreach (var old in identity.FindAll(SessionClaim).ToList()) identity.RemoveClaim(old);
            identity.AddClaim(new Claim(SessionClaim, key));
        }
        if (!Guid.TryParse(ticket.Principal.FindFirstValue(UiUsers.UserIdClaim), out var userId))
            throw new InvalidOperationException("A UI session needs the user's id claim.");
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("DELETE FROM ui_sessions WHERE expires_at < $1", Now()));
        batch.BatchCommands.Add(Command("INSERT INTO ui_sessions (key, user_id, ticket, expires_at) VALUES ($1, $2, $3, $4)",
            key, userId, TicketSerializer.Default.Serialize(ticket), Expiry(ticket)));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return key;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, CancellationToken.None);

    public async Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE ui_sessions SET ticket = $2, expires_at = $3 WHERE key = $1");
        Add(command.Parameters, key, TicketSerializer.Default.Serialize(ticket), Expiry(ticket));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, CancellationToken.None);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT ticket FROM ui_sessions WHERE key = $1 AND expires_at > $2");
        Add(command.Parameters, key, Now());
        return await command.ExecuteScalarAsync(cancellationToken) is byte[] bytes ? TicketSerializer.Default.Deserialize(bytes) : null;
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, CancellationToken.None);

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM ui_sessions WHERE key = $1");
        Add(command.Parameters, key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>True while the session that issued this principal is open (not signed out, not expired).</summary>
    public async Task<bool> IsOpenAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default)
    {
        if (principal.FindFirstValue(SessionClaim) is not { } key) return false;
        await using var command = dataSource.CreateCommand("SELECT 1 FROM ui_sessions WHERE key = $1 AND expires_at > $2");
        Add(command.Parameters, key, Now());
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private DateTimeOffset Now() => time.GetUtcNow();

    /// <summary>The cookie handler sets the expiry before storing; a session never outlives its cookie.</summary>
    private DateTimeOffset Expiry(AuthenticationTicket ticket) => ticket.Properties.ExpiresUtc ?? Now().AddHours(8);

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        Add(command.Parameters, values);
        return command;
    }

    private static void Add(NpgsqlParameterCollection parameters, params object[] values)
    {
        foreach (var value in values) parameters.Add(new NpgsqlParameter { Value = value });
    }
}
