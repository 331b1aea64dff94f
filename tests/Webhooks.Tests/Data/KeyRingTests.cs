using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Data;

public sealed class KeyRingTests
{
    private static async Task<string> KeyRingXml(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT string_agg(xml, '') FROM data_protection_keys");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task With_a_certificate_the_key_ring_is_stored_encrypted_and_secrets_still_work()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=webhooks-key-ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(Path.GetTempPath(), $"wh-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "pfx-password"));
        try
        {
            await using var app = new ConfiguredApp(new Dictionary<string, string?>
            {
                ["Webhooks:DataProtection:CertificatePath"] = path,
                ["Webhooks:DataProtection:CertificatePassword"] = "pfx-password",
            });
            await app.InitializeAsync();
            var admin = app.Client();
            var type = await admin.CreateEventType();
            var subscription = await admin.CreateSubscription(await admin.CreatePartner(), "https://example.com/k", type);
            await admin.PostAsync($"/api/v1/subscriptions/{subscription["id"]}/rotate-secret", null).Expect(System.Net.HttpStatusCode.OK);

            var xml = await KeyRingXml(app.ConnectionString);
            Assert.Contains("EncryptedData", xml);
            Assert.DoesNotContain("<masterKey", xml);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task Without_a_certificate_the_key_ring_is_shared_through_the_database()
    {
        await using var app = new ConfiguredApp(new Dictionary<string, string?>());
        await app.InitializeAsync();
        var admin = app.Client();
        await admin.CreateSubscription(await admin.CreatePartner(), "https://example.com/k", await admin.CreateEventType());
        Assert.Contains("<key ", await KeyRingXml(app.ConnectionString));
    }
}
