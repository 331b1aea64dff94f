using System.Collections.Concurrent;
using Webhooks.Subscriptions;

namespace Webhooks.Delivery;

/// <summary>Decrypted signing secrets by their stored (encrypted) form, so each is decrypted once, not once per attempt.</summary>
public sealed class SecretCache(SigningSecrets secrets)
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, string> _plain = new();

    public IReadOnlyList<string> Unprotect(string[] protectedSecrets)
    {
        if (_plain.Count > MaxEntries) _plain.Clear();
        return protectedSecrets.Select(p => _plain.GetOrAdd(p, secrets.Unprotect)).ToArray();
    }
}
