namespace Webhooks.Delivery;

/// <summary>
/// What one attempt sends, whatever carries it: the exact body bytes, its content type, and the headers that go
/// with it (the Standard Webhooks id, timestamp and signature over those bytes, then the subscription's own).
/// </summary>
public sealed record OutgoingMessage(byte[] Body, string ContentType, KeyValuePair<string, string>[] Headers, string RecordedHeaders);
