using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Webhooks.Data;

namespace Webhooks.Auth;

public sealed class BootstrapOptions
{
    public string? AdminApiKey { get; set; }
    public string? AdminPassword { get; set; }
}

/// <summary>On an empty database: the first admin API key and the UI's <c>admin</c> user, from configuration or generated and logged once.</summary>
public sealed class Bootstrap(IServiceScopeFactory scopes, IConfiguration configuration, TimeProvider time, ILogger<Bootstrap> logger)
{
    public const string AdminUser = "admin";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = configuration.GetSection("Webhooks:Bootstrap").Get<BootstrapOptions>() ?? new();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WebhooksDb>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Instances starting together on an empty database must create one admin, not one each.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({Migrator.AdvisoryLock})", cancellationToken);
        var now = time.GetUtcNow();

        if (!await db.ApiKeys.AnyAsync(k => k.Scopes.Contains(Scopes.Admin), cancellationToken))
        {
            var key = string.IsNullOrWhiteSpace(options.AdminApiKey) ? ApiKeys.Generate() : options.AdminApiKey;
            db.ApiKeys.Add(ApiKeys.Create(key, "bootstrap admin", [Scopes.Admin], null, now));
            if (string.IsNullOrWhiteSpace(options.AdminApiKey))
                logger.LogWarning("Created the first admin API key; it is shown this once: {AdminApiKey}", key);
        }
        if (!await db.UiUsers.AnyAsync(u => u.PartnerId == null, cancellationToken))
        {
            var password = string.IsNullOrWhiteSpace(options.AdminPassword) ? ApiKeys.Generate()[4..24] : options.AdminPassword;
            var user = new UiUser { Id = Guid.CreateVersion7(), Username = AdminUser, PasswordHash = "", CreatedAt = now };
            user.PasswordHash = new PasswordHasher<UiUser>().HashPassword(user, password);
            db.UiUsers.Add(user);
            if (string.IsNullOrWhiteSpace(options.AdminPassword))
                logger.LogWarning("Created the UI user '{User}'; its password is shown this once: {AdminPassword}", AdminUser, password);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
