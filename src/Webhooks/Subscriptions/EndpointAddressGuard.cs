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
        IPNetwork.Parse("64:ff9b:1::/48"),   // NAT64 for local use
        IPNetwork.Parse("fc00::/7"),         // unique local, includes fd00:ec2::254 (cloud metadata)
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"),        // site-local (deprecated, still private)
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

    /// <summary>
    /// The reason the URL's host and port may not be connected to (a port not allowed, this machine, a literal blocked
    /// address), or null; broker addresses are checked with it too.
    /// </summary>
    public string? CheckHost(Uri uri, string field)
    {
        // AMQP URIs may leave the port to the scheme, which Uri does not know.
        var port = uri.Port != -1 ? uri.Port : uri.Scheme switch { "amqps" => 5671, "amqp" => 5672, _ => -1 };
        if (!IsAllowedPort(port))
            return options.CurrentValue.AllowedPorts.Length == 0
                ? $"{field} must have a port from 1 to 65535."
                : $"{field} must use one of the ports {string.Join(", ", options.CurrentValue.AllowedPorts)}.";
        // "localhost." is "localhost": a name with its root dot is the same name.
        var host = uri.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return IsAllowed(IPAddress.Loopback) ? null : $"{field} must not point to this machine.";
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address) && !IsAllowed(address))
            return $"{field} points to {address}, a loopback, private, link-local, multicast, reserved or metadata address.";
        return null;
    }

    /// <summary>Port 0 never; when <see cref="DeliveryOptions.AllowedPorts"/> is set, only those.</summary>
    public bool IsAllowedPort(int port) =>
        port is > 0 and <= 65535 && (options.CurrentValue.AllowedPorts.Length == 0 || options.CurrentValue.AllowedPorts.Contains(port));

    /// <summary>
    /// True when a connection to this address is allowed. An IPv6 address that carries an IPv4 one (mapped,
    /// IPv4-compatible, 6to4, Teredo) is judged by that IPv4 address too, so a blocked range cannot be
    /// reached in another spelling.
    /// </summary>
    public bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return false;
        if (options.CurrentValue.AllowedRanges.Any(r => r.Contains(address))) return true;
        if (Blocked.Any(r => r.Contains(address))) return false;
        return EmbeddedIPv4(address) is not { } inner || IsAllowed(inner);
    }

    private static readonly IPNetwork IPv4Compatible = IPNetwork.Parse("::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork Teredo = IPNetwork.Parse("2001::/32");

    /// <summary>The IPv4 address inside an IPv4-compatible (::a.b.c.d), 6to4 (2002:AABB:CCDD::) or Teredo (its client, inverted) address.</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return null;
        var bytes = address.GetAddressBytes();
        if (IPv4Compatible.Contains(address)) return new IPAddress(bytes[12..16]);
        if (SixToFour.Contains(address)) return new IPAddress(bytes[2..6]);
        if (Teredo.Contains(address)) return new IPAddress(bytes[12..16].Select(b => (byte)~b).ToArray());
        return null;
    }
}
