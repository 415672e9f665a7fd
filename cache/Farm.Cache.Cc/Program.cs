using Farm.Cache;
using Farm.Cache.Compilation;

// farm-cc COMPILER ARGS...: the compiler wrapper make runs as CC="farm-cc gcc".
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: farm-cc COMPILER [ARGUMENTS...]   (configured by FARM_CACHE_DIR, FARM_CACHE_REDIS, FARM_CACHE_SCOPE, FARM_CACHE_READONLY)");
    return 2;
}

return FarmCc.Run(args[0], args[1..], CacheSettings.FromEnvironment(), Console.Out, Console.Error, Directory.GetCurrentDirectory());
