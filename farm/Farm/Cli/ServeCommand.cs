using System.CommandLine;
using Farm.Serve;

namespace Farm.Cli;

/// <summary><c>farm serve [--urls URL...]</c>: the farm's API and scheduler (configured by ConnectionStrings__Postgres, Farm__*).</summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var urls = new Option<string[]>("--urls") { Description = "Where to listen (default http://localhost:5000, or ASPNETCORE_URLS)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("serve", "Run the farm: HTTP API and scheduler on PostgreSQL (ConnectionStrings__Postgres, Farm__ApiTokens__0, Farm__Registry__*, Farm__Signing__KeyFile)");
        command.Options.Add(urls);
        command.SetAction((result, cancellationToken) => FarmServer.RunAsync(result.GetValue(urls) ?? [], stdout, stderr, cancellationToken));
        return command;
    }
}
