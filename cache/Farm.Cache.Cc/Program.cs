using Farm.Cache;
using Farm.Cache.Compilation;
using Farm.Cache.Resident;

// farm-cc COMPILER ARGS...: the compiler wrapper make runs as CC="farm-cc gcc".
// farm-cc --serve SOCKET --idle SECONDS: the resident helper farm-cc-fast starts (ResidentHelper).
if (args is ["--serve", var socket, "--idle", var idle] && int.TryParse(idle, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
{
    return ResidentHelper.Serve(socket, TimeSpan.FromSeconds(seconds), Console.Error);
}

if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: farm-cc COMPILER [ARGUMENTS...]   (configured by FARM_CACHE_DIR, FARM_CACHE_REDIS, FARM_CACHE_SCOPE, FARM_CACHE_READONLY)");
    Console.Error.WriteLine("       farm-cc --serve SOCKET --idle SECONDS   (the resident helper of farm-cc-fast; it starts one itself)");
    return 2;
}

return FarmCc.Run(args[0], args[1..], CacheSettings.FromEnvironment(), Console.Out, Console.Error, Directory.GetCurrentDirectory());
