using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Webhooks.Delivery;

namespace Webhooks.Subscriptions;

/// <summary>
/// Which endpoint URLs and addresses may be called. Registration checks the URL and any literal
/// address in it; delivery checks every address it is about to connect to, so a name that later
/// resolves somewhere private (DNS rebinding) is still refused.
/// </summary>
public sealed class EndpointAddressGuard(IOptionsMonitor<DeliveryOptions> options)
{
    private static readonly IPNetwork[] Blocked =
    [
        IPNetwork.Parse("0.0.0.0/8"),        // "this network", unspecified
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"),    // carrier-grade NAT, includes 100.100.100.200 (cloud metadata)
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),   // link-local, includes 169.254.169.254 (cloud metadata)
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("198.51.100.0/24"),
        IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("224.0.0.0/4"),      // multicast
        IPNetwork.Parse("240.0.0.0/4"),      // reserved and broadcast
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("64:ff9b::/96"),     // NAT64 can reach any IPv4 address
        IPNetwork.Parse("100::/64"),
        IPNetwork.Parse("2001:db8::/32"),
        IPNetwork.Parse("fc00::/7"),         // unique local, includes fd00:ec2::254 (cloud metadata)
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    /// <summary>The reason the URL cannot be a webhook endpoint (or, named <paramref name="field"/>, an SQS queue or service URL), or null when it can.</summary>
    public string? CheckUrl(string? url, string field = "url")
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > 2048 || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return $"{field} must be an absolute URL of at most 2048 characters.";
        var allowHttp = options.CurrentValue.AllowHttp;
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowHttp && uri.Scheme == Uri.UriSchemeHttp))
            return allowHttp ? $"{field} must use https:// or http://." : $"{field} must use https://.";
        if (!string.IsNullOrEmpty(uri.UserInfo))
            return $"{field} must not contain a user name or password; use custom headers for credentials.";
        if (!string.IsNullOrEmpty(uri.Fragment))
            return $"{field} must not contain a fragment.";
        return CheckHost(uri, field);
    }

    /// <summary>The reason the URL's host may not be connected to (this machine, a literal blocked address), or null; broker addresses are checked with it too.</summary>
    public string? CheckHost(Uri uri, string field)
    {
        var host = uri.IdnHost;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return IsAllowed(IPAddress.Loopback) ? null : $"{field} must not point to this machine.";
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && !IsAllowed(address))
            return $"{field} points to {address}, a loopback, private, link-local, multicast, reserved or metadata address.";
        return null;
    }

    /// <summary>True when a connection to this address is allowed.</summary>
    public bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return false;
        if (options.CurrentValue.AllowedRanges.Any(r => r.Contains(address))) return true;
        return !Blocked.Any(r => r.Contains(address));
    }
}
