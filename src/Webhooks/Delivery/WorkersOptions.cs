namespace Webhooks.Delivery;

public sealed class WorkersOptions
{
    public const string Section = "Webhooks:Workers";

    /// <summary>This instance runs background work: delivery workers and retention.</summary>
    public bool Enabled { get; set; } = true;
}
