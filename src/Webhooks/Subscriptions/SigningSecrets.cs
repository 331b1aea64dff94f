using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Webhooks.Subscriptions;

/// <summary>Signing secrets: <c>whsec_</c> + base64 of 32 random bytes, encrypted at rest with Data Protection.</summary>
public sealed class SigningSecrets(IDataProtectionProvider provider)
{
    public const string Prefix = "whsec_";
    private readonly IDataProtector _protector = provider.CreateProtector("Webhooks.Subscriptions.SigningSecret");

    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);

    /// <summary>The HMAC key of a secret: the base64 after <c>whsec_</c>.</summary>
    public static byte[] Key(string secret) => Convert.FromBase64String(secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret);
}
