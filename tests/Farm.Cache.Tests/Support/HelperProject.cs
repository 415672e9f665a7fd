using Farm.Cache.Resident;

namespace Farm.Cache.Tests.Support;

/// <summary>
/// A one-source project compiled through <see cref="FastFront"/> with a helper of its own (its socket under the
/// project's temporary directory), for the resident helper's tests; disposing it stops the helper.
/// </summary>
internal sealed class HelperProject : IDisposable
{
    public static readonly string[] Compile = ["-nostdinc", "-Iinclude", "-Wall", "-c", "main.c", "-o", "main.o", "-Wp,-MD,.main.o.d"];

    public HelperProject()
    {
        Front = new FastFront(Temp);
        Directory = Temp.CreateDirectory("project");
        Temp.Write("project/include/value.h", "#define VALUE 41\n");
        Temp.Write("project/main.c", "#include <value.h>\nint value(void) { int unused; return VALUE; }\n");
    }

    public TempDirectory Temp { get; } = new();

    public FastFront Front { get; }

    /// <summary>The project: <c>main.c</c> and <c>include/value.h</c>.</summary>
    public string Directory { get; }

    public string Object => Path.Combine(Directory, "main.o");

    /// <summary>A first compile (through farm-cc: no helper yet), then a wait until the helper it started answers; the compile's result.</summary>
    public (int ExitCode, string Stderr) StartHelper()
    {
        var first = Front.Run(Directory, Compile);
        Assert.Equal(0, first.ExitCode);
        Assert.True(FastFront.Eventually(() => SocketPaths().Any(ResidentHelper.Answering)), "no helper answered");
        return first;
    }

    /// <summary>The sockets in the helper's directory (one per farm-cc build; the front names it from farm-cc's file).</summary>
    public IReadOnlyList<string> SocketPaths() =>
        System.IO.Directory.Exists(Front.SocketDirectory) ? System.IO.Directory.GetFiles(Front.SocketDirectory, "*.sock") : [];

    public void StopHelpers()
    {
        foreach (var pid in Front.Helpers())
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit();
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }
    }

    /// <summary>main.o as farm-cc compiles the project with an empty cache (with <paramref name="changes"/> applied to a copy).</summary>
    public byte[] Fresh(params (string Path, string Text)[] changes)
    {
        using var copy = new TempDirectory();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Temp.Path, file);
            File.Copy(file, Path.Combine(System.IO.Directory.CreateDirectory(Path.GetDirectoryName(copy.Combine(relative))!).FullName, Path.GetFileName(file)));
        }

        foreach (var (path, text) in changes)
        {
            copy.Write(path, text);
        }

        using (var cache = new TempDirectory())
        {
            Assert.Equal(0, CompileRun.Of(TestSettings.Local(cache.Path), copy.Combine("project"), Compile).ExitCode);
        }

        return File.ReadAllBytes(copy.Combine("project", "main.o"));
    }

    public void Dispose()
    {
        StopHelpers();
        Temp.Dispose();
    }
}
