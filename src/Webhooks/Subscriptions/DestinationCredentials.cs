using Microsoft.AspNetCore.DataProtection;

namespace Webhooks.Subscriptions;

/// <summary>The credentials of broker destinations (an amqp URI with its password, an SQS key pair), encrypted at rest with Data Protection.</summary>
public sealed class DestinationCredentials(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Webhooks.Subscriptions.DestinationCredentials");

    public string Protect(string credentials) => _protector.Protect(credentials);

    public string Unprotect(string protectedCredentials) => _protector.Unprotect(protectedCredentials);
}
