using Farm.Worker.Caching.Snapshots;

namespace Farm.Worker.Tests.Caching;

/// <summary>A checkout and its build directory as Unikraft leaves them: each object beside a Kbuild (fixdep) dependency file.</summary>
internal sealed record KbuildTree(string Root, string Core, string App, string Build, BuildRoots Roots)
{
    /// <summary>A core with a header, an app with two sources, a header make generated, and (when <paramref name="built"/>) the objects make left for them.</summary>
    public static KbuildTree Create(string directory, bool built = true)
    {
        var root = Directory.CreateDirectory(directory).FullName;
        var core = Directory.CreateDirectory(Path.Combine(root, "core")).FullName;
        var app = Directory.CreateDirectory(Path.Combine(root, "app")).FullName;
        var build = Directory.CreateDirectory(Path.Combine(root, "build")).FullName;
        File.WriteAllText(Path.Combine(core, "h.h"), "#define H 1\n");
        File.WriteAllText(Path.Combine(app, "main.c"), "int main(void) { return H; }\n");
        File.WriteAllText(Path.Combine(app, "other.c"), "int other;\n");
        Directory.CreateDirectory(Path.Combine(build, "include"));
        File.WriteAllText(Path.Combine(build, "include", "config.h"), "#define CONFIG_LIBUKDEBUG 1\n");
        Directory.CreateDirectory(Path.Combine(build, "app"));
        foreach (var source in built ? new[] { "main", "other" } : [])
        {
            var target = Path.Combine(build, "app", source + ".o");
            File.WriteAllText(target, $"object of {source}.c");
            File.WriteAllText(Path.Combine(build, "app", source + ".d"),
                $"cmd_{target} := /bin/bash {target}.cmd\n\nsource_{target} := {app}/{source}.c\n\ndeps_{target} := \\\n    $(wildcard include/config/libukdebug.h) \\\n  {core}/h.h \\\n  {build}/include/config.h \\\n\n{target}: $(deps_{target})\n\n$(deps_{target}):\n");
        }
    
        if (built)
        {
            File.WriteAllText(Path.Combine(build, "app.ld.o"), "app linked");
            File.WriteAllText(Path.Combine(build, "app.o"), "app copied");
        }
    
        var roots = new BuildRoots([(build, "/farm/build"), (core, "/farm/unikraft"), (app, "/farm/app")]);
        return new KbuildTree(root, core, app, build, roots);
    }
}
