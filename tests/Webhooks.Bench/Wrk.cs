using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Webhooks.Bench;

/// <summary>
/// wrk as the load generator for single-event POSTs: written in C, it costs the shared cores far less
/// per request than an HttpClient loop, so more of the machine measures the app. Installed from
/// Debian when missing (as root).
/// </summary>
public static partial class Wrk
{
    private const string Script = """
        local n = 0
        local threads = 0
        function setup(thread) threads = threads + 1; thread:set("tid", threads) end
        function init(args) etype = args[1]; key = args[2]; n = tid * 100000000 end
        function request()
          n = n + 1
          local body = string.format('{"type":"%s","payload":{"orderId":"ord-%010d","amount":%d.95,"currency":"EUR","customer":{"id":"cus-%06d","email":"buyer%d@example.com"},"lines":[{"sku":"SKU-%04d","qty":2,"price":12.5},{"sku":"SKU-%04d","qty":1,"price":21.45}],"note":"benchmark event"}}', etype, n, n % 1000, n % 5000, n % 5000, n % 97, n % 89)
          return wrk.format("POST", "/api/v1/events", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
        end
        """;

    public static bool EnsureInstalled()
    {
        if (File.Exists("/usr/bin/wrk")) return true;
        if (Environment.UserName != "root") return false;
        Run("apt-get", "install -y -qq wrk");
        if (File.Exists("/usr/bin/wrk")) return true;
        // A fresh machine has no package lists yet.
        Run("apt-get", "update -qq");
        Run("apt-get", "install -y -qq wrk");
        return File.Exists("/usr/bin/wrk");
    }

    public sealed record Result(double RequestsPerSecond, long Failed, string Latency);

    public static Result PostEvents(Uri app, string type, string key, int connections, TimeSpan duration)
    {
        var script = Path.Combine(Path.GetTempPath(), $"wh-bench-{Guid.NewGuid():N}.lua");
        File.WriteAllText(script, Script);
        try
        {
            var output = Run("/usr/bin/wrk", $"-t2 -c{connections} -d{(int)duration.TotalSeconds}s --latency -s {script} {app} -- {type} {key}");
            var rate = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var failed = NonSuccess().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value) : 0;
            var percentiles = string.Join(", ", Percentile().Matches(output).Select(p => $"p{p.Groups[1].Value} {p.Groups[2].Value}"));
            return new Result(rate, failed, percentiles);
        }
        finally { File.Delete(script); }
    }

    private static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"^\s+(50|90|99)%\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex Percentile();
}
