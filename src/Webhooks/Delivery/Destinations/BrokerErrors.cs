using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Amazon.Runtime;
using RabbitMQ.Client.Exceptions;

namespace Webhooks.Delivery.Destinations;

/// <summary>Turns what a broker client threw into the attempt's error kind and a message a person can act on.</summary>
public static class BrokerErrors
{
    public static (string Kind, string Message) ClassifyRabbitMq(Exception e, RabbitMqSettings settings)
    {
        switch (e)
        {
            case PublishException { IsReturn: true }:
                return (ErrorKinds.Unroutable, $"No queue is bound to exchange '{settings.Exchange}' for routing key '{settings.RoutingKey}': the broker returned the message.");
            case PublishException:
                return (ErrorKinds.Rejected, "The broker refused the message (a negative confirm).");
        }
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case BlockedAddressException blocked: return (ErrorKinds.Blocked, blocked.Message);
                case DnsFailureException dns: return (ErrorKinds.Dns, dns.Message);
                case AuthenticationFailureException or PossibleAuthenticationFailureException:
                    return (ErrorKinds.Auth, "The broker refused the user name or password.");
                case AuthenticationException tls: return (ErrorKinds.Tls, tls.Message);
                case OperationInterruptedException { ShutdownReason: { } reason }:
                    return reason.ReplyCode switch
                    {
                        404 => (ErrorKinds.NotFound, reason.ReplyText),
                        403 => (ErrorKinds.Auth, reason.ReplyText),
                        530 when reason.ReplyText.Contains("not found", StringComparison.OrdinalIgnoreCase) => (ErrorKinds.NotFound, reason.ReplyText),
                        530 => (ErrorKinds.Auth, reason.ReplyText),
                        406 => (ErrorKinds.Rejected, reason.ReplyText),
                        _ when reason.Initiator != RabbitMQ.Client.ShutdownInitiator.Peer || reason.ReplyCode is 320 or 0 =>
                            (ErrorKinds.Connect, $"The connection to the broker was lost before it confirmed the message ({reason.ReplyText}).".Replace(" ().", ".")),
                        _ => (ErrorKinds.Broker, $"{reason.ReplyCode} {reason.ReplyText}"),
                    };
                case SocketException or ConnectFailureException or IOException or BrokerUnreachableException when inner.InnerException is null:
                    return (ErrorKinds.Connect, $"The broker cannot be reached: {inner.Message}");
            }
        }
        return e is BrokerUnreachableException or BrokerConnectFailedException
            ? (ErrorKinds.Connect, $"The broker cannot be reached: {e.GetBaseException().Message}")
            : (ErrorKinds.Broker, e.GetBaseException().Message);
    }

    private static readonly HashSet<string> AuthCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException",
        "InvalidSecurity", "MissingAuthenticationToken", "ExpiredToken", "IncompleteSignature", "KmsAccessDenied",
    };

    private static readonly HashSet<string> NotFoundCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "QueueDoesNotExistException", "ResourceNotFoundException", "KmsNotFound",
    };

    private static readonly HashSet<string> ThrottledCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "RequestThrottled", "Throttling", "ThrottlingException", "KmsThrottled", "OverLimit", "ServiceUnavailable", "RequestLimitExceeded",
    };

    public static (string Kind, string Message) ClassifySqs(Exception e)
    {
        if (e is AmazonServiceException service && !string.IsNullOrEmpty(service.ErrorCode))
        {
            var message = $"{service.ErrorCode}: {service.Message}";
            if (AuthCodes.Contains(service.ErrorCode)) return (ErrorKinds.Auth, message);
            if (NotFoundCodes.Contains(service.ErrorCode)) return (ErrorKinds.NotFound, message);
            if (ThrottledCodes.Contains(service.ErrorCode) || service.StatusCode == HttpStatusCode.TooManyRequests) return (ErrorKinds.Throttled, message);
            if ((int)service.StatusCode is >= 400 and < 500) return (ErrorKinds.Rejected, message);
            return (ErrorKinds.Broker, message);
        }
        for (var inner = e; inner is not null; inner = inner.InnerException)
            switch (inner)
            {
                case BlockedAddressException blocked: return (ErrorKinds.Blocked, blocked.Message);
                case DnsFailureException dns: return (ErrorKinds.Dns, dns.Message);
                case AuthenticationException tls: return (ErrorKinds.Tls, tls.Message);
                case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } http: return (ErrorKinds.Dns, http.Message);
                case HttpRequestException or SocketException or IOException: return (ErrorKinds.Connect, $"SQS cannot be reached: {inner.GetBaseException().Message}");
            }
        return (ErrorKinds.Broker, e.GetBaseException().Message);
    }
}
