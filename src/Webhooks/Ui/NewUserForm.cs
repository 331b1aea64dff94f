namespace Webhooks.Ui;

public sealed class NewUserForm
{
    public string? Username { get; set; }
    public string? Password { get; set; }
}
