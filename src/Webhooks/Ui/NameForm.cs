namespace Webhooks.Ui;

public sealed class NameForm
{
    public string? Name { get; set; }
}
