using Hangfire.Logging;
using HangfireLevel = Hangfire.Logging.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Webhooks.Jobs;

/// <summary>
/// Hangfire logs through a process-wide provider (LibLog). This one hands it the app's own loggers, and a silent
/// one once the app's logger factory is disposed: several apps can live one after another in one process (the
/// tests), and Hangfire asks for loggers at any time, not only while an app runs.
/// </summary>
internal sealed class HangfireLogging(ILoggerFactory factory) : ILogProvider
{
    public ILog GetLogger(string name)
    {
        try
        {
            return new Forwarding(factory.CreateLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return Silent.Instance;
        }
    }

    private sealed class Forwarding(ILogger logger) : ILog
    {
        public bool Log(HangfireLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            var level = logLevel switch
            {
                HangfireLevel.Trace => LogLevel.Trace,
                HangfireLevel.Debug => LogLevel.Debug,
                HangfireLevel.Info => LogLevel.Information,
                HangfireLevel.Warn => LogLevel.Warning,
                HangfireLevel.Error => LogLevel.Error,
                _ => LogLevel.Critical,
            };
            if (messageFunc is null) return logger.IsEnabled(level);
            if (logger.IsEnabled(level)) logger.Log(level, exception, "{Message}", messageFunc());
            return true;
        }
    }

    private sealed class Silent : ILog
    {
        public static readonly Silent Instance = new();
        public bool Log(HangfireLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
