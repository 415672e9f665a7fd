namespace Farm.Cache.Tests.Support;

/// <summary>
/// A small C project laid out as a Unikraft build is: sources under <c>ROOT/src</c>, and a build directory
/// <c>ROOT/build</c> holding a generated <c>include/config.h</c> that names the build directory (in a comment, and in a
/// macro that one source returns as a string). Compiles run from the build directory with absolute source and
/// include paths and write objects under <c>app/</c>. Two projects made at different roots hold identical sources;
/// only the generated header differs.
/// </summary>
internal sealed class SampleProject
{
    /// <summary>The source whose object embeds the build directory: a hit from another directory would be wrong.</summary>
    public const string PathInStringLiteral = "where.c";

    public SampleProject(string root)
    {
        Root = Directory.CreateDirectory(root).FullName;
        Sources = Path.Combine(Root, "src");
        Build = Path.Combine(Root, "build");
        Write("src/include/util.h", """
            #ifndef UTIL_H
            #define UTIL_H
            int util_scale(int value);
            const char *util_origin(void);
            const char *build_directory(void);
            #endif
            """);
        Write("src/main.c", """
            #include <stdio.h>
            #include "config.h"
            #include "util.h"

            int main(void)
            {
                printf("%d from %s, built in %s\n", util_scale(CONFIG_SCALE), util_origin(), build_directory());
                return 0;
            }
            """);
        // __FILE__ is mapped by -ffile-prefix-map (it implies -fmacro-prefix-map): the same in every directory.
        Write("src/util.c", """
            #include "config.h"
            #include "util.h"

            int util_scale(int value)
            {
                return value * CONFIG_SCALE;
            }

            const char *util_origin(void)
            {
                return __FILE__;
            }
            """);
        Write("src/where.c", """
            #include "config.h"
            #include "util.h"

            const char *build_directory(void)
            {
                return CONFIG_BUILD_DIR;
            }
            """);
        Write("src/start.S", """
            #include "config.h"
                .text
                .globl start
            start:
                mov $CONFIG_SCALE, %eax
                ret
            """);
        Write("src/plain.s", """
                .text
                .globl plain
            plain:
                xor %eax, %eax
                ret
            """);
        Write("build/include/config.h", $$"""
            /* Automatically generated in {{Build}} from {{Sources}}: do not edit. */
            #ifndef CONFIG_H
            #define CONFIG_H
            #define CONFIG_SCALE 3
            #define CONFIG_BUILD_DIR "{{Build}}"
            #endif
            """);
        Directory.CreateDirectory(Path.Combine(Build, "app"));
    }

    public string Root { get; }

    public string Sources { get; }

    public string Build { get; }

    /// <summary><c>FARM_CACHE_PREFIX_MAP</c> for this project: its roots and the fixed names they stand for.</summary>
    public string PrefixMap => $"{Sources}=/farm/app:{Build}=/farm/build";

    /// <summary>Every compile of the build, each with its own way of asking for a dependency file.</summary>
    public IReadOnlyList<SourceCompile> Compiles =>
    [
        C("main.c", "app/main.o", "app/main.d", ["-MD", "-MF", "app/main.d"]),
        C("util.c", "app/util.o", "app/util.d", ["-MMD", "-MP", "-MFapp/util.d"]),
        C(PathInStringLiteral, "app/where.o", "app/where.d", ["-MD", "-MF", "app/where.d"]),
        new("start.S", "app/start.o", "app/.start.o.d", [.. Common, "-D__ASSEMBLY__", "-Wp,-MD,app/.start.o.d", "-c", Source("start.S"), "-o", "app/start.o"]),
        new("plain.s", "app/plain.o", null, ["-g", "-c", Source("plain.s"), "-o", "app/plain.o"]),
    ];

    private IReadOnlyList<string> Common => ["-g", "-O2", "-Wall", $"-I{Build}/include", $"-I{Sources}/include"];

    /// <summary>Copies the sources (not the build directory) to a new project at <paramref name="root"/>.</summary>
    public SampleProject CopyTo(string root)
    {
        var copy = new SampleProject(root);
        foreach (var file in Directory.EnumerateFiles(Sources, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(copy.Sources, Path.GetRelativePath(Sources, file)), overwrite: true);
        }

        return copy;
    }

    /// <summary>Removes what compiles wrote (as <c>make clean</c> does), keeping the generated header.</summary>
    public void Clean()
    {
        Directory.Delete(Path.Combine(Build, "app"), recursive: true);
        Directory.CreateDirectory(Path.Combine(Build, "app"));
    }

    public string InBuild(string relativePath) => Path.Combine(Build, relativePath);

    private string Source(string name) => Path.Combine(Sources, name);

    private SourceCompile C(string name, string output, string dependencyFile, IReadOnlyList<string> dependencyArguments) =>
        new(name, output, dependencyFile, [.. Common, .. dependencyArguments, "-c", Source(name), "-o", output]);

    private void Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text + "\n");
    }
}

/// <summary>One compile of <see cref="SampleProject"/>: the source's name, its outputs (relative to the build directory) and the arguments.</summary>
internal sealed record SourceCompile(string Name, string Output, string? DependencyFile, IReadOnlyList<string> Arguments);
