namespace Webhooks.Bench;

/// <summary>CPU seconds used so far by processes, read from /proc: what each event costs, whatever else the machine does.</summary>
public static class CpuTime
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static double Of(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime, stime, cutime, cstime are fields 14-17 of stat; after the ')' they start at index 11.
        return (long.Parse(fields[11]) + long.Parse(fields[12]) + long.Parse(fields[13]) + long.Parse(fields[14])) / TicksPerSecond;
    }

    /// <summary>CPU seconds all cores have spent on user, system and interrupt work, from /proc/stat.</summary>
    public static double MachineBusy()
    {
        var cpu = MachineTicks();
        return (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6]) / TicksPerSecond;
    }

    /// <summary>CPU seconds the host of this virtual machine ran something else while a core here wanted to run.</summary>
    public static double MachineStolen() => MachineTicks()[7] / TicksPerSecond;

    // user nice system idle iowait irq softirq steal ...
    private static long[] MachineTicks() =>
        File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();

    /// <summary>CPU seconds of every postgres process of the cluster in this data directory.</summary>
    public static double OfPostgres(string dataDirectory)
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First());
        return Directory.GetDirectories("/proc").Select(d => Path.GetFileName(d)).Where(n => n.All(char.IsDigit)).Select(int.Parse)
            .Where(pid => pid == postmaster || ParentOf(pid) == postmaster).Sum(pid => { try { return Of(pid); } catch (IOException) { return 0; } });
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
        }
        catch (IOException) { return -1; }
    }
}
