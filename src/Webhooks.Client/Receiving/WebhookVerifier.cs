using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Webhooks.Client.Receiving;

/// <summary>A webhook that must not be trusted: its signature, timestamp or headers did not check out.</summary>
public sealed class WebhookVerificationException(string message) : Exception(message);

/// <summary>
/// Verifies Standard Webhooks signatures: HMAC-SHA256 over <c>&lt;webhook-id&gt;.&lt;webhook-timestamp&gt;.&lt;body&gt;</c> with the
/// subscription's <c>whsec_</c> secret. The <c>webhook-signature</c> header may hold several signatures (during a secret
/// rotation the service signs with the old and the new secret), and the verifier may know several secrets (while the
/// receiver switches to a rotated one): one match is enough. Timestamps further than the tolerance from now are refused,
/// so a captured request cannot be replayed later.
/// </summary>
public sealed class WebhookVerifier
{
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private readonly byte[][] _keys;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    /// <param name="secrets">One or more signing secrets (<c>whsec_...</c>, or the base64 without the prefix).</param>
    /// <param name="tolerance">How far <c>webhook-timestamp</c> may be from now, either way; 5 minutes by default.</param>
    /// <param name="timeProvider">The clock; the system's by default.</param>
    public WebhookVerifier(IEnumerable<string> secrets, TimeSpan? tolerance = null, TimeProvider? timeProvider = null)
    {
        _keys = secrets.Select(Key).ToArray();
        if (_keys.Length == 0) throw new ArgumentException("At least one signing secret is needed.", nameof(secrets));
        _tolerance = tolerance ?? DefaultTolerance;
        if (_tolerance <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(tolerance), "The tolerance must be positive.");
        _time = timeProvider ?? TimeProvider.System;
    }

    public WebhookVerifier(string secret, TimeSpan? tolerance = null, TimeProvider? timeProvider = null) : this([secret], tolerance, timeProvider) { }

    /// <summary>Checks the three <c>webhook-*</c> header values against the raw body; returns the timestamp, or throws <see cref="WebhookVerificationException"/>.</summary>
    public DateTimeOffset Verify(string? webhookId, string? webhookTimestamp, string? webhookSignature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(webhookId) || string.IsNullOrEmpty(webhookTimestamp) || string.IsNullOrEmpty(webhookSignature))
            throw new WebhookVerificationException("The webhook-id, webhook-timestamp and webhook-signature headers are required.");
        if (!long.TryParse(webhookTimestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            throw new WebhookVerificationException("The webhook-timestamp is not a Unix time in seconds.");
        var timestamp = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var now = _time.GetUtcNow();
        if (timestamp < now - _tolerance) throw new WebhookVerificationException($"The webhook-timestamp is more than {_tolerance} old.");
        if (timestamp > now + _tolerance) throw new WebhookVerificationException($"The webhook-timestamp is more than {_tolerance} in the future.");

        var content = SignedContent(webhookId, webhookTimestamp, body);
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes + 3];
        foreach (var key in _keys)
        {
            HMACSHA256.HashData(key, content, expected);
            foreach (var signature in webhookSignature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!signature.StartsWith("v1,", StringComparison.Ordinal)) continue;
                if (Convert.TryFromBase64String(signature[3..], given, out var written) && written == expected.Length
                    && CryptographicOperations.FixedTimeEquals(given[..written], expected))
                    return timestamp;
            }
        }
        throw new WebhookVerificationException("No webhook-signature matches the body with a known secret.");
    }

    /// <summary>The <c>webhook-signature</c> value (<c>v1,&lt;base64&gt;</c>) for a message, as the service signs it.</summary>
    public static string Sign(string secret, string webhookId, long webhookTimestamp, ReadOnlySpan<byte> body) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(Key(secret), SignedContent(webhookId, webhookTimestamp.ToString(CultureInfo.InvariantCulture), body)));

    private static byte[] SignedContent(string id, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return content;
    }

    private static byte[] Key(string secret)
    {
        var encoded = secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..] : secret;
        var key = new byte[Base64.GetMaxDecodedFromUtf8Length(encoded.Length)];
        if (!Convert.TryFromBase64String(encoded, key, out var length) || length == 0)
            throw new ArgumentException("A signing secret is 'whsec_' followed by base64.", nameof(secret));
        return key[..length];
    }
}
