using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Webhooks.Auth;
using Webhooks.DeadLetters;
using Webhooks.Delivery;
using Webhooks.EventTypes;
using Webhooks.Ingest;
using Webhooks.Partners;
using Webhooks.Subscriptions;

namespace Webhooks.Data;

/// <summary>EF Core over the tables that migrations/ creates; the SQL files own the schema.</summary>
public sealed class WebhooksDb(DbContextOptions<WebhooksDb> options) : DbContext(options)
{
    public DbSet<EventType> EventTypes => Set<EventType>();
    public DbSet<EventTypeVersion> EventTypeVersions => Set<EventTypeVersion>();
    public DbSet<Partner> Partners => Set<Partner>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<UiUser> UiUsers => Set<UiUser>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<SubscriptionSecret> SubscriptionSecrets => Set<SubscriptionSecret>();
    public DbSet<Event> Events => Set<Event>();
    public DbSet<DeliveryRecord> Deliveries => Set<DeliveryRecord>();
    public DbSet<AttemptRecord> Attempts => Set<AttemptRecord>();
    public DbSet<Replay> Replays => Set<Replay>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<EventType>().HasKey(e => e.Name);
        model.Entity<EventType>().HasMany(e => e.Versions).WithOne().HasForeignKey(v => v.EventType);
        model.Entity<EventTypeVersion>().HasKey(v => new { v.EventType, v.Version });
        model.Entity<EventTypeVersion>().Property(v => v.Schema).HasColumnType("json");
        model.Entity<EventTypeVersion>().Property(v => v.Example).HasColumnType("json");
        model.Entity<Subscription>().Property(s => s.Headers).HasColumnType("jsonb").HasConversion(
            v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
            v => JsonSerializer.Deserialize<Dictionary<string, string>>(v, JsonSerializerOptions.Default) ?? new(),
            new ValueComparer<Dictionary<string, string>>(
                (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
                v => v.Aggregate(0, (h, kv) => HashCode.Combine(h, kv.Key, kv.Value)),
                v => new Dictionary<string, string>(v)));
        model.Entity<Subscription>().Property(s => s.Destination).HasColumnType("jsonb");
        model.Entity<Subscription>().HasMany(s => s.Secrets).WithOne().HasForeignKey(s => s.SubscriptionId);
        model.Entity<Event>().Property(e => e.Payload).HasColumnType("json");
        model.Entity<Event>().Property(e => e.CloudEvent).HasColumnType("json");
        model.Entity<DeliveryRecord>().ToTable("deliveries");
        model.Entity<DeliveryRecord>().HasMany(d => d.Attempts).WithOne().HasForeignKey(a => a.DeliveryId);
        model.Entity<AttemptRecord>().ToTable("attempts");
        model.Entity<AttemptRecord>().Property(a => a.RequestHeaders).HasColumnType("jsonb");
        model.Entity<AttemptRecord>().Property(a => a.ResponseHeaders).HasColumnType("jsonb");
        model.Entity<Replay>().Property(r => r.Filter).HasColumnType("jsonb");
        model.Entity<UiUser>().ToTable("ui_users");

        foreach (var entity in model.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is { } table && !table.Contains('_'))
                entity.SetTableName(SnakeCase(table));
            foreach (var property in entity.GetProperties())
                property.SetColumnName(SnakeCase(property.Name));
        }
    }

    private static string SnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) result.Append('_');
            result.Append(char.ToLowerInvariant(name[i]));
        }
        return result.ToString();
    }
}
