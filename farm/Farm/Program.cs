using Farm.Cli;

return FarmCli.Run(args, Console.Out, Console.Error);
