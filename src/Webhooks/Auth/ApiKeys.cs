using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Webhooks.Auth;

public static class Scopes
{
    public const string Admin = "admin";
    public const string Ingest = "ingest";
    public const string Partner = "partner";
    public static readonly string[] All = [Admin, Ingest, Partner];
}

/// <summary>API keys: <c>whk_</c> + 32 random bytes; stored as SHA-256, told apart by their first 12 characters.</summary>
public static class ApiKeys
{
    public const string KeyPrefix = "whk_";
    private const int VisibleLength = 12;

    public static string Generate() => KeyPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string VisiblePrefix(string key) => key[..Math.Min(VisibleLength, key.Length)];

    public static ApiKey Create(string key, string name, string[] scopes, Guid? partnerId, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(),
        Name = name,
        Prefix = VisiblePrefix(key),
        Hash = Hash(key),
        Scopes = scopes,
        PartnerId = partnerId,
        CreatedAt = now,
    };
}
