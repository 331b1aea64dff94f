using System.Security.Cryptography;
using System.Text;
using Webhooks.Subscriptions;

namespace Webhooks.Delivery;

/// <summary>Standard Webhooks 1.0 signatures: HMAC-SHA256 over <c>id.timestamp.body</c>, <c>v1,</c> + base64, space-separated.</summary>
public static class WebhookSigner
{
    public static string Sign(string webhookId, long timestamp, byte[] body, IEnumerable<string> secrets) =>
        string.Join(' ', secrets.Select(s => Signature(webhookId, timestamp, body, SigningSecrets.Key(s))));

    public static string Signature(string webhookId, long timestamp, ReadOnlySpan<byte> body, byte[] key)
    {
        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }
}
