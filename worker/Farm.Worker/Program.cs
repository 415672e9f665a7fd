// The worker's pipeline (capabilities, sources, builders, smoke runners) is built by the worker issue;
// until then the program only says so, so that nobody mistakes it for a running worker.
Console.Error.WriteLine("Farm.Worker: no commands yet; the target pipeline arrives with the worker issue.");
return 64;
