using Farm.Worker.Cli;

return await WorkerCli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
