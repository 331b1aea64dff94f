using Webhooks.Bench;

// dotnet run -c Release --project tests/Webhooks.Bench -- [ingest|delivery|one-endpoint|all|soak|baseline|compare-queue|hangfire]
//     [--seconds N] [--events N] [--rounds N] [--warm-up N] [--warm-wal] [--statements] [--pg name=value ...] [--long-polling] [--rate N]
// dotnet run -c Release --project tests/Webhooks.Bench -- [brokers|rabbitmq-delivery|sqs-delivery|rabbitmq-source|sqs-source] [--events N]
var mode = args.FirstOrDefault() is { } first && !first.StartsWith("--") ? first : "all";
BenchStack.CountStatements = args.Contains("--statements");
BenchStack.WarmWal = args.Contains("--warm-wal");
for (var i = 0; i < args.Length - 1; i++)
    if (args[i] == "--pg" && args[i + 1].Split('=', 2) is [var name, var value]) BenchStack.PostgresSettings[name] = value;
Console.WriteLine($"PostgreSQL: {(BenchStack.WarmWal ? "2 GB of WAL filled and recycled before measuring" : "a new cluster")}" +
                  string.Concat(BenchStack.PostgresSettings.Select(p => $", {p.Key} = {p.Value}")));
var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(int.Parse).FirstOrDefault(15);
var events = args.SkipWhile(a => a != "--events").Skip(1).Select(int.Parse).FirstOrDefault(mode is "hangfire" ? 5_000 : 20_000);
// Deliveries made before the one-endpoint rounds are timed: by default a quarter of a round, the first minute after a start; some
// 150,000 reach the steady state (the JIT has compiled the hot code at its top tier).
var warmUp = args.SkipWhile(a => a != "--warm-up").Skip(1).Select(int.Parse).FirstOrDefault(events / 4);

if (mode is "baseline")
{
    await using var stack = await BenchStack.StartAsync();
    Console.WriteLine($"Baseline on {Environment.ProcessorCount} cores");
    await IngestBench.BaselineAsync(stack, TimeSpan.FromSeconds(seconds));
}
if (mode is "ingest" or "all")
{
    await using var stack = await BenchStack.StartAsync();
    Console.WriteLine($"Ingest benchmark on {Environment.ProcessorCount} cores; PostgreSQL in {stack.Cluster.DataDirectory} (fsync on)");
    await IngestBench.RunSinglesAsync(stack, TimeSpan.FromSeconds(seconds));
}
if (mode is "ingest" or "all")
{
    // A stack of its own, as each hot path gets: the single-event rounds leave about a million events behind.
    await using var stack = await BenchStack.StartAsync();
    Console.WriteLine($"Ingest batch benchmark on {Environment.ProcessorCount} cores; PostgreSQL in {stack.Cluster.DataDirectory} (fsync on)");
    await IngestBench.RunBatchesAsync(stack, TimeSpan.FromSeconds(seconds));
}
if (mode is "delivery" or "all")
{
    // A stack of its own: the workers run, and the database holds only this mode's deliveries.
    await using var stack = await BenchStack.StartAsync(DeliveryBench.Settings);
    Console.WriteLine($"Delivery benchmark on {Environment.ProcessorCount} cores; PostgreSQL in {stack.Cluster.DataDirectory} (fsync on)");
    await DeliveryBench.RunAsync(stack, TimeSpan.FromSeconds(seconds));
}
if (mode is "one-endpoint" or "all")
{
    await using var stack = await BenchStack.StartAsync(DeliveryBench.Settings);
    Console.WriteLine($"One-endpoint delivery benchmark on {Environment.ProcessorCount} cores; PostgreSQL in {stack.Cluster.DataDirectory} (fsync on)");
    await DeliveryBench.OneEndpointAsync(stack, events, warmUp, rounds: args.SkipWhile(a => a != "--rounds").Skip(1).Select(int.Parse).FirstOrDefault(3));
}
if (mode is "soak")
{
    // A steady --rate events/s (default 500: 1,000 deliveries/s) for --seconds (default 10 minutes), reported every 30 s.
    await using var stack = await BenchStack.StartAsync(DeliveryBench.Settings);
    Console.WriteLine($"Soak on {Environment.ProcessorCount} cores; PostgreSQL in {stack.Cluster.DataDirectory} (fsync on)");
    await DeliveryBench.SoakAsync(stack, perSecond: args.SkipWhile(a => a != "--rate").Skip(1).Select(int.Parse).FirstOrDefault(500), TimeSpan.FromSeconds(args.Contains("--seconds") ? seconds : 600),
        TimeSpan.FromSeconds(args.SkipWhile(a => a != "--window").Skip(1).Select(int.Parse).FirstOrDefault(30)));
}
if (mode is "compare-queue")
{
    // Issue 13's yardstick: the one-endpoint scenario by the service and by a deliverer on graphile-worker, alternately.
    await using var stack = await BenchStack.StartAsync(DeliveryBench.Settings);
    Console.WriteLine($"Queue comparison on {Environment.ProcessorCount} cores; PostgreSQL in {stack.Cluster.DataDirectory} (fsync on)");
    await QueueComparison.RunAsync(stack, events, warmUp);
}
if (mode is "hangfire")
{
    // Issue 11's side by side: the one-endpoint scenario by the service's queue and as one Hangfire job per delivery, alternately.
    await using var stack = await BenchStack.StartAsync(DeliveryBench.Settings);
    Console.WriteLine($"Queue or Hangfire on {Environment.ProcessorCount} cores; PostgreSQL in {stack.Cluster.DataDirectory} (fsync on)");
    await HangfireBench.RunAsync(stack, events, longPolling: args.Contains("--long-polling"));
}
if (mode is "rabbitmq-delivery" or "brokers") await BrokerBench.RabbitMqDeliveryAsync(events);
if (mode is "sqs-delivery" or "brokers") await BrokerBench.SqsDeliveryAsync(events);
if (mode is "rabbitmq-source" or "brokers") await BrokerBench.RabbitMqSourceAsync(events);
if (mode is "sqs-source" or "brokers") await BrokerBench.SqsSourceAsync(events);
