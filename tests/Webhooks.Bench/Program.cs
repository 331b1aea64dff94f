using Webhooks.Bench;

// dotnet run -c Release --project tests/Webhooks.Bench -- [ingest|delivery|all] [--seconds N]
var mode = args.FirstOrDefault(a => !a.StartsWith("--")) ?? "all";
var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(int.Parse).FirstOrDefault(15);

if (mode is "baseline" or "ingest" or "all")
{
    await using var stack = await BenchStack.StartAsync();
    Console.WriteLine($"Webhooks benchmark on {Environment.ProcessorCount} cores; PostgreSQL in {stack.Cluster.DataDirectory} (fsync on)");
    if (mode is "baseline") await IngestBench.BaselineAsync(stack, TimeSpan.FromSeconds(seconds));
    if (mode is "ingest" or "all") await IngestBench.RunAsync(stack, TimeSpan.FromSeconds(seconds));
}
if (mode is "delivery" or "all")
{
    // A stack of its own: the workers run, and the database holds only this mode's deliveries.
    await using var stack = await BenchStack.StartAsync(DeliveryBench.Settings);
    Console.WriteLine($"Delivery benchmark on {Environment.ProcessorCount} cores; PostgreSQL in {stack.Cluster.DataDirectory} (fsync on)");
    await DeliveryBench.RunAsync(stack, TimeSpan.FromSeconds(seconds));
}
