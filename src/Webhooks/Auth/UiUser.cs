namespace Webhooks.Auth;

/// <summary>A person who signs in to the browser UI: an admin, or a partner's user when PartnerId is set.</summary>
public sealed class UiUser
{
    public Guid Id { get; set; }
    public required string Username { get; set; }
    public required string PasswordHash { get; set; }
    public Guid? PartnerId { get; set; }
    public int FailedSignIns { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
