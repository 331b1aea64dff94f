using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Webhooks.Data;

public sealed class LocalPostgresOptions
{
    public string DataDirectory { get; set; } = ".data/postgres";
    public string? BinDirectory { get; set; }
}

public static partial class DatabaseSetup
{
    /// <summary>The key of the data source that background jobs' storage (Hangfire) uses.</summary>
    public const string JobsDataSource = "jobs";

    /// <summary>
    /// Connects to ConnectionStrings:Webhooks, or starts the private cluster when it is empty; registers the
    /// data source, EF Core, the migrator and the Data Protection key ring stored in PostgreSQL.
    /// </summary>
    public static void AddDatabase(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Webhooks");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var options = builder.Configuration.GetSection("Webhooks:LocalPostgres").Get<LocalPostgresOptions>() ?? new();
            var local = new LocalPostgres(options.DataDirectory, options.BinDirectory);
            local.StartAsync().GetAwaiter().GetResult();
            Console.WriteLine($"Using the private PostgreSQL cluster in {local.DataDirectory}");
            builder.Services.AddSingleton(local);
            builder.Services.AddHostedService<LocalPostgresLifetime>();
            connectionString = local.ConnectionString;
        }
        // Fail fast when the database is away, so callers get a 503 in seconds rather than a hang.
        if (!TimeoutKey().IsMatch(connectionString)) connectionString += ";Timeout=3";
        if (!CommandTimeoutKey().IsMatch(connectionString)) connectionString += ";Command Timeout=30";
        // The hot statements (ingest's insert, the delivery claim) are planned once per connection, not per call.
        if (!AutoPrepareKey().IsMatch(connectionString)) connectionString += ";Max Auto Prepare=50";

        var dataSource = new NpgsqlDataSourceBuilder(connectionString) { Name = "webhooks" }.Build();
        builder.Services.AddSingleton(dataSource);
        // Hangfire's statements get a pool of their own: they must not take the hot paths' connections nor their prepared-statement slots.
        var jobs = new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 0, MaxPoolSize = 20, ApplicationName = "webhooks-jobs" };
        builder.Services.AddKeyedSingleton(JobsDataSource, new NpgsqlDataSourceBuilder(jobs.ConnectionString) { Name = "webhooks-jobs" }.Build());
        builder.Services.AddDbContext<WebhooksDb>(o => o.UseNpgsql(dataSource), optionsLifetime: ServiceLifetime.Singleton);
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddHostedService<StartupTasks>();

        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("Webhooks");
        // The key ring sits in the same database as the secrets it protects; a certificate keeps a database dump from opening them.
        if (builder.Configuration["Webhooks:DataProtection:CertificatePath"] is { Length: > 0 } certificatePath)
            dataProtection.ProtectKeysWithCertificate(LoadCertificate(certificatePath, builder.Configuration["Webhooks:DataProtection:CertificatePassword"]));
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new DataProtectionKeyRepository(dataSource)));
    }

    private static X509Certificate2 LoadCertificate(string path, string? password)
    {
        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
            return certificate.HasPrivateKey ? certificate
                : throw new InvalidOperationException($"Webhooks:DataProtection:CertificatePath '{path}' has no private key.");
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException($"Webhooks:DataProtection:CertificatePath '{path}' could not be loaded as a PKCS#12 file with Webhooks:DataProtection:CertificatePassword: {e.Message}", e);
        }
    }

    [GeneratedRegex(@"(^|;)\s*timeout\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex TimeoutKey();

    [GeneratedRegex(@"(^|;)\s*command\s*timeout\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex CommandTimeoutKey();

    [GeneratedRegex(@"(^|;)\s*max\s*auto\s*prepare\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex AutoPrepareKey();
}

/// <summary>Stops the private cluster when the app stops; registered first, so it stops last.</summary>
internal sealed class LocalPostgresLifetime(LocalPostgres local) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        local.Stop();
        return Task.CompletedTask;
    }
}
