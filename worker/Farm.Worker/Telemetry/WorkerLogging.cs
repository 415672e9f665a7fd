using Microsoft.Extensions.Logging;

namespace Farm.Worker.Telemetry;

/// <summary>
/// <c>worker serve</c>'s own log on stderr: plain lines, or one JSON object per line with <c>Farm__Logging__Json=true</c>
/// (as the farm); <c>Logging__LogLevel__Default</c> sets the level (default: Information). A target's build log is not
/// this: it goes to the farm's store, where the API serves it.
/// </summary>
public static class WorkerLogging
{
    public static ILoggerFactory Create(bool json, LogLevel level)
    {
        return LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(level);

            // stdout carries the ready line ("worker NAME: serving ..."), which scripts wait for.
            logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
            if (json)
            {
                logging.AddJsonConsole(options =>
                {
                    options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    options.UseUtcTimestamp = true;
                });
            }
            else
            {
                logging.AddSimpleConsole(options => options.SingleLine = true);
            }
        });
    }
}
