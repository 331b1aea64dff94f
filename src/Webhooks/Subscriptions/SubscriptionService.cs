using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.Delivery;
using Webhooks.Delivery.Destinations;
using Webhooks.Delivery.Formats;
using Webhooks.Jobs;
using Webhooks.Security;

namespace Webhooks.Subscriptions;

/// <summary>The subscription and the signing secret that is shown this once.</summary>
public sealed record SubscriptionWithSecret(Subscription Subscription, string Secret);

/// <summary>Creates, changes and removes subscriptions for a caller, who sees only what it may; the API and the UI both use it.</summary>
public sealed class SubscriptionService(
    WebhooksDb db, DestinationRules destinations, SigningSecrets secrets, TimeProvider time, IOptions<DeliveryOptions> options,
    IOptions<LimitsOptions> limits, OwnershipVerification ownership, AdminJobs jobs, UnsentDeliveries unsent)
{
    public async Task<Outcome<SubscriptionWithSecret>> CreateAsync(CreateSubscription request, Caller caller)
    {
        var partnerId = request.PartnerId ?? caller.PartnerId;
        var errors = new Dictionary<string, string[]>();
        if (partnerId is null) errors["$.partnerId"] = ["partnerId is required."];
        var destination = destinations.Check(request.Url, request.Destination, required: true, errors);
        SubscriptionRules.CheckFilters(request.EventTypes, errors);
        SubscriptionRules.CheckHeaders(request.Headers, errors);
        if (destination is not null)
        {
            DestinationRules.CheckHeaders(destination.Type, request.Headers, errors);
            DestinationRules.CheckFormat(destination.Type, request.Format, errors);
            if (destination.Type != DestinationRules.Http && request.VerifyOwnership == true)
                errors["$.verifyOwnership"] = ["Only HTTP endpoints can take the ownership handshake; a broker destination cannot."];
        }
        SubscriptionRules.CheckRateLimit(request.RateLimitPerSecond, errors);
        SubscriptionRules.CheckFormat(request.Format, errors);
        CheckVerifyOwnership(request.VerifyOwnership, caller, errors);
        if (request.Description?.Length > 1000) errors["$.description"] = ["description must be at most 1000 characters."];
        if (errors.Count > 0) return Invalid(errors);
        if (!caller.CanSee(partnerId!.Value) || !await db.Partners.AnyAsync(p => p.Id == partnerId && p.DeletedAt == null))
            return Failure.NotFound("The partner");
        if (await UnknownEventTypes(request.EventTypes!) is { Count: > 0 } unknown) return Failure.Validation(unknown);

        await using var transaction = await db.Database.BeginTransactionAsync();
        // The partner's row is the lock that makes concurrent creations count one after another.
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM partners WHERE id = {partnerId} FOR UPDATE");
        var limit = limits.Value.SubscriptionsPerPartner;
        if (await db.Subscriptions.CountAsync(s => s.PartnerId == partnerId && s.DeletedAt == null) >= limit)
            return Failure.Unprocessable("subscription-limit", "The partner has as many subscriptions as it may.",
                $"A partner may have at most {limit} subscriptions; delete one before adding another.",
                new() { ["$.partnerId"] = [$"This partner has {limit} subscriptions already."] });
        var now = time.GetUtcNow();
        var secret = SigningSecrets.Generate();
        var subscription = new Subscription
        {
            Id = Guid.CreateVersion7(),
            PartnerId = partnerId.Value,
            Url = destination!.Url,
            Destination = destination.Destination,
            EventTypes = request.EventTypes!.Distinct().ToArray(),
            Description = request.Description,
            Headers = request.Headers ?? [],
            RateLimitPerSecond = request.RateLimitPerSecond,
            Format = request.Format ?? DeliveryFormats.StandardWebhooks,
            // The handshake is HTTP's; a broker destination has no endpoint to answer it.
            VerifyOwnership = destination.Type == DestinationRules.Http && (request.VerifyOwnership ?? options.Value.RequireOwnershipVerification),
            CreatedAt = now,
            UpdatedAt = now,
            Secrets = [new() { ProtectedSecret = secrets.Protect(secret), CreatedAt = now }],
        };
        db.Subscriptions.Add(subscription);
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        if (subscription.VerifyOwnership) await VerifyAndReloadAsync(subscription);
        return new SubscriptionWithSecret(subscription, secret);
    }

    /// <summary>Changes the members that are not null; enabling sends (or discards) the deliveries paused meanwhile.</summary>
    public async Task<Outcome<Subscription>> UpdateAsync(Guid id, UpdateSubscription request, Caller caller)
    {
        var errors = new Dictionary<string, string[]>();
        var destination = destinations.Check(request.Url, request.Destination, required: false, errors);
        if (request.EventTypes is not null) SubscriptionRules.CheckFilters(request.EventTypes, errors);
        SubscriptionRules.CheckHeaders(request.Headers, errors);
        SubscriptionRules.CheckRateLimit(request.RateLimitPerSecond, errors);
        if (request.Description?.Length > 1000) errors["$.description"] = ["description must be at most 1000 characters."];
        if (request.PausedDeliveries is not (null or "send" or "discard"))
            errors["$.pausedDeliveries"] = ["pausedDeliveries must be 'send' or 'discard'."];
        SubscriptionRules.CheckFormat(request.Format, errors);
        CheckVerifyOwnership(request.VerifyOwnership, caller, errors);
        if (errors.Count > 0) return Invalid(errors);
        if (request.EventTypes is not null && await UnknownEventTypes(request.EventTypes) is { Count: > 0 } unknown)
            return Failure.Validation(unknown);

        await using var transaction = await db.Database.BeginTransactionAsync();
        var subscription = await FindAsync(id, caller, tracked: true);
        if (subscription is null) return Failure.NotFound("The subscription");
        var headers = request.Headers is null ? null : SubscriptionHeaders.Merge(request.Headers, subscription.Headers, errors);
        var type = destination?.Type ?? (subscription.Destination is null ? DestinationRules.Http : BrokerSettings.Parse(subscription.Destination).Type);
        DestinationRules.CheckHeaders(type, headers ?? subscription.Headers, errors);
        DestinationRules.CheckFormat(type, request.Format ?? subscription.Format, errors);
        if (type != DestinationRules.Http && (request.VerifyOwnership ?? subscription.VerifyOwnership))
            errors["$.verifyOwnership"] = ["Only HTTP endpoints can take the ownership handshake; set verifyOwnership to false for a broker destination."];
        if (errors.Count > 0) return Invalid(errors);
        var now = time.GetUtcNow();
        // A new endpoint, or a handshake newly required, must consent before deliveries go to it.
        var verify = (request.VerifyOwnership == true && !subscription.VerifyOwnership)
            || (destination is not null && destination.Url != subscription.Url && (request.VerifyOwnership ?? subscription.VerifyOwnership));
        if (request.VerifyOwnership is { } verifyOwnership) subscription.VerifyOwnership = verifyOwnership;
        if (verify) ResetVerification(subscription);
        if (request.Format is not null) subscription.Format = request.Format;
        if (destination is not null)
        {
            subscription.Url = destination.Url;
            subscription.Destination = destination.Destination;
        }
        if (request.EventTypes is not null) subscription.EventTypes = request.EventTypes.Distinct().ToArray();
        if (request.Description is not null) subscription.Description = request.Description;
        if (headers is not null) subscription.Headers = headers;
        if (request.ChangesRateLimit) subscription.RateLimitPerSecond = request.RateLimitPerSecond;
        if (request.Enabled is { } enabled && enabled != subscription.Enabled)
        {
            if (enabled) SubscriptionState.Enable(subscription);
            else SubscriptionState.Disable(subscription, $"Disabled by {caller.Name}.", now);
        }
        subscription.UpdatedAt = now;
        await db.SaveChangesAsync();
        await SubscriptionState.MoveDeliveries(db, subscription, request.PausedDeliveries, now);
        await transaction.CommitAsync();
        if (verify) await VerifyAndReloadAsync(subscription);
        return subscription;
    }

    /// <summary>Runs the ownership handshake again; a subscription that does not need it is a conflict.</summary>
    public async Task<Outcome<Subscription>> VerifyAsync(Guid id, Caller caller, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(id, caller, tracked: true);
        if (subscription is null) return Failure.NotFound("The subscription");
        if (!subscription.VerifyOwnership)
            return Failure.Conflict("This subscription does not need the ownership handshake (verifyOwnership is false); set it to true to require one.");
        await VerifyAndReloadAsync(subscription, cancellationToken);
        return subscription;
    }

    private async Task VerifyAndReloadAsync(Subscription subscription, CancellationToken cancellationToken = default)
    {
        await ownership.VerifyAsync(subscription.Id, cancellationToken);
        await db.Entry(subscription).ReloadAsync(cancellationToken);
    }

    private static void ResetVerification(Subscription subscription)
    {
        subscription.VerifiedAt = null;
        subscription.VerificationAttemptedAt = null;
        subscription.VerificationError = null;
        subscription.AllowedRatePerMinute = null;
    }

    /// <summary>When configuration requires the handshake, only an admin may turn it off for a subscription.</summary>
    private void CheckVerifyOwnership(bool? verifyOwnership, Caller caller, Dictionary<string, string[]> errors)
    {
        if (verifyOwnership == false && options.Value.RequireOwnershipVerification && !caller.IsAdmin)
            errors["$.verifyOwnership"] = ["This installation requires the endpoint ownership handshake: only an admin may turn verifyOwnership off."];
    }

    /// <summary>
    /// Removes the subscription at once; the deliveries it has not sent yet are discarded by a job
    /// (<see cref="SubscriptionDeletionJob"/>), a batch at a time, however large its backlog.
    /// </summary>
    public async Task<Failure?> DeleteAsync(Guid id, Caller caller)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var subscription = await FindAsync(id, caller, tracked: true);
        if (subscription is null) return Failure.NotFound("The subscription");
        subscription.DeletedAt = time.GetUtcNow();
        subscription.Enabled = false;
        await db.SaveChangesAsync();
        var arguments = new SubscriptionDeletionJob.Arguments(id);
        var count = await unsent.Of(arguments.Subscriptions(db)).LongCountAsync();
        var job = await jobs.AddAsync<SubscriptionDeletionJob>(SubscriptionDeletionJob.Kind, caller, count, arguments,
            jobId => j => j.RunAsync(jobId, CancellationToken.None));
        await transaction.CommitAsync();
        jobs.Start(job);
        return null;
    }

    /// <summary>A new secret signs from now on; the old one keeps signing alongside it for SecretOverlap.</summary>
    public async Task<Outcome<SubscriptionWithSecret>> RotateSecretAsync(Guid id, Caller caller)
    {
        var subscription = await FindAsync(id, caller, tracked: true);
        if (subscription is null) return Failure.NotFound("The subscription");
        var now = time.GetUtcNow();
        var overlapEnd = now + options.Value.SecretOverlap;
        foreach (var old in await db.SubscriptionSecrets.Where(s => s.SubscriptionId == id && (s.ExpiresAt == null || s.ExpiresAt > overlapEnd)).ToListAsync())
            old.ExpiresAt = overlapEnd;
        var secret = SigningSecrets.Generate();
        db.SubscriptionSecrets.Add(new() { SubscriptionId = id, ProtectedSecret = secrets.Protect(secret), CreatedAt = now });
        subscription.UpdatedAt = now;
        await db.SaveChangesAsync();
        return new SubscriptionWithSecret(subscription, secret);
    }

    public Task<Subscription?> FindAsync(Guid id, Caller caller, bool tracked = false) => Find(db, id, caller, tracked);

    /// <summary>A wrong destination is 422 (invalid-destination); other mistakes are 400, with the destination's among them.</summary>
    private static Failure Invalid(Dictionary<string, string[]> errors) =>
        errors.Keys.All(k => k.StartsWith("$.destination", StringComparison.Ordinal))
            ? Failure.Unprocessable("invalid-destination", "The destination is not valid.", "The destination cannot be used: see errors.", errors)
            : Failure.Validation(errors);

    /// <summary>A live subscription the caller may see, or null.</summary>
    public static Task<Subscription?> Find(WebhooksDb db, Guid id, Caller caller, bool tracked)
    {
        var query = tracked ? db.Subscriptions : db.Subscriptions.AsNoTracking();
        return query.FirstOrDefaultAsync(s => s.Id == id && s.DeletedAt == null && (caller.IsAdmin || s.PartnerId == caller.PartnerId));
    }

    /// <summary>Exact names in the filters must be registered, live event types; 'prefix.*' filters may match types registered later.</summary>
    private async Task<Dictionary<string, string[]>> UnknownEventTypes(string[] filters)
    {
        var exact = filters.Where(f => !f.EndsWith('*')).Distinct().ToArray();
        var known = await db.EventTypes.Where(t => exact.Contains(t.Name) && t.ArchivedAt == null).Select(t => t.Name).ToListAsync();
        return filters.Select((f, i) => (f, i))
            .Where(x => !x.f.EndsWith('*') && !known.Contains(x.f))
            .ToDictionary(x => $"$.eventTypes[{x.i}]", x => new[] { $"'{x.f}' is not a registered event type." });
    }
}
