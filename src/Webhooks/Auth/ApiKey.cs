namespace Webhooks.Auth;

public sealed class ApiKey
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    public required byte[] Hash { get; set; }
    public required string[] Scopes { get; set; }
    public Guid? PartnerId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
