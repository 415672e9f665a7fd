using System.Net.Sockets;
using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Resident;

/// <summary>
/// farm-cc-fast and the resident helper as make meets them: real processes, the C front built beside farm-cc, gcc.
/// A hit through the helper must write what farm-cc would, and anything the helper cannot answer, or must not be
/// trusted with, must still compile right through farm-cc.
/// </summary>
public sealed class ResidentHelperTests : IDisposable
{
    private static readonly string[] Compile = ["-nostdinc", "-Iinclude", "-Wall", "-c", "main.c", "-o", "main.o", "-Wp,-MD,.main.o.d"];
    private readonly TempDirectory _temp = new();
    private readonly FastFront _front;
    private readonly string _project;

    public ResidentHelperTests()
    {
        _front = new FastFront(_temp);
        _project = _temp.CreateDirectory("project");
        _temp.Write("project/include/value.h", "#define VALUE 41\n");
        _temp.Write("project/main.c", "#include <value.h>\nint value(void) { int unused; return VALUE; }\n");
    }

    public void Dispose()
    {
        StopHelpers();
        _temp.Dispose();
    }

    private void StopHelpers()
    {
        foreach (var pid in _front.Helpers())
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

    [Fact]
    public void Run_SecondCompile_IsAnsweredByTheHelperWithWhatACompileWrites()
    {
        Assert.True(File.Exists(FastFront.Program), $"{FastFront.Program} was not built (the C front needs cc)");
        var first = _front.Run(_project, Compile);
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("unused variable", first.Stderr, StringComparison.Ordinal);
        var compiled = File.ReadAllBytes(Path.Combine(_project, "main.o"));
        var dependencies = File.ReadAllText(Path.Combine(_project, ".main.o.d"));
        WaitForHelper();
        File.Delete(Path.Combine(_project, "main.o"));
        File.Delete(Path.Combine(_project, ".main.o.d"));
        var before = _front.Events().Count;

        var second = _front.Run(_project, Compile);

        Assert.Equal(0, second.ExitCode);
        Assert.Equal(first.Stderr, second.Stderr);
        Assert.Equal(compiled, File.ReadAllBytes(Path.Combine(_project, "main.o")));
        Assert.Equal(dependencies, File.ReadAllText(Path.Combine(_project, ".main.o.d")));
        var events = _front.Events().Skip(before).ToList();
        Assert.Contains(events, e => e.StartsWith("hit local ", StringComparison.Ordinal));
        Assert.Contains("direct", events);
        Assert.Single(_front.Helpers());
    }

    [Fact]
    public void Run_HeaderChanged_CompilesTheNewHeaderInsteadOfAnsweringFromTheHelper()
    {
        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);
        WaitForHelper();
        _temp.Write("project/include/value.h", "#define VALUE 42\n");

        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);

        var compiled = File.ReadAllBytes(Path.Combine(_project, "main.o"));
        Assert.Equal(Fresh(), compiled);
        // That miss was compiled by the front for the helper, and stored: the next compile is a hit of it.
        File.Delete(Path.Combine(_project, "main.o"));
        var before = _front.Events().Count;
        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);
        Assert.Contains(_front.Events().Skip(before), e => e.StartsWith("hit local ", StringComparison.Ordinal));
        Assert.Equal(compiled, File.ReadAllBytes(Path.Combine(_project, "main.o")));
    }

    [Fact]
    public void Run_PreprocessToStandardOutput_ReachesTheBuildsStandardOutput()
    {
        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);
        WaitForHelper();

        var run = _front.RunCommand(_project, FastFront.Program, ["gcc", "-nostdinc", "-Iinclude", "-E", "main.c"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("return 41;", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(_front.Events(), e => e.StartsWith("uncacheable ", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_CompileError_ReachesTheBuildWithTheCompilersMessageAndExitCode()
    {
        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);
        WaitForHelper();
        _temp.Write("project/main.c", "int broken(void) { return }\n");

        var failed = _front.Run(_project, Compile);

        Assert.Equal(1, failed.ExitCode);
        // shown once, as it came from the compiler the front ran
        Assert.Single(failed.Stderr.Split('\n'), line => line.Contains("error:", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_CompilerNotFound_Exit127WithOneLine()
    {
        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);
        WaitForHelper();

        var run = _front.RunCommand(_project, FastFront.Program, ["farm-no-such-cc", "-c", "main.c", "-o", "main.o"]);

        Assert.Equal(127, run.ExitCode);
        Assert.Equal("farm-cc: cannot run farm-no-such-cc: No such file or directory", run.Stderr.Trim());
    }

    [Theory]
    [InlineData("FARM_CACHE_HELPER", "0")]
    [InlineData("FARM_CACHE_REDIS", "127.0.0.1:1")] // every compile is farm-cc's: a local miss must look in Redis
    public void Run_HelperOffOrRedis_StartsNoHelperAndCompiles(string name, string value)
    {
        Assert.Equal(0, _front.Run(_project, Compile, (name, value), ("FARM_CACHE_REDIS_CONNECT_MS", "200")).ExitCode);
        Assert.Equal(0, _front.Run(_project, Compile, (name, value), ("FARM_CACHE_REDIS_CONNECT_MS", "200")).ExitCode);

        Thread.Sleep(500);
        Assert.True(File.Exists(Path.Combine(_project, "main.o")));
        Assert.False(Directory.Exists(_front.SocketDirectory));
        Assert.Empty(_front.Helpers());
    }

    [Fact]
    public void Run_SocketDirectoryOpenToOthers_IsNotTrusted()
    {
        // Someone else's listener where the helper's socket would be, in a directory anyone may write to: it answers
        // every request with "compiled, exit 0", which would leave the build without its object.
        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);
        WaitForHelper();
        var socketPaths = PossibleSocketPaths().ToList();
        StopHelpers();
        foreach (var file in Directory.GetFiles(_front.SocketDirectory))
        {
            File.Delete(file);
        }

        File.Delete(Path.Combine(_project, "main.o"));
        File.SetUnixFileMode(_front.SocketDirectory, (UnixFileMode)0x1FF);
        var asked = 0;
        var listeners = new List<Socket>();
        try
        {
            foreach (var socketPath in socketPaths)
            {
                var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                listener.Bind(new UnixDomainSocketEndPoint(socketPath));
                listener.Listen(8);
                listeners.Add(listener);
                new Thread(() =>
                {
                    try
                    {
                        while (true)
                        {
                            using var connection = listener.Accept();
                            Interlocked.Increment(ref asked);
                            connection.Send(new Farm.Cache.Resident.HelperAnswer(0, string.Empty).ToBytes());
                        }
                    }
                    catch (Exception error) when (error is SocketException or ObjectDisposedException)
                    {
                        // the test is over
                    }
                }) { IsBackground = true }.Start();
            }

            Assert.Equal(0, _front.Run(_project, Compile).ExitCode);

            Assert.Equal(0, Volatile.Read(ref asked));
            Assert.Equal(Fresh(), File.ReadAllBytes(Path.Combine(_project, "main.o")));
        }
        finally
        {
            listeners.ForEach(l => l.Dispose());
        }
    }

    [Fact]
    public void Refusal_CallerUnderNoNewPrivs_IsRefusedAndTheSameCallerWithoutIsServed()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/setpriv"), "needs setpriv(1) to start a process with no_new_privs");
        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);
        WaitForHelper();
        var socketPath = Assert.Single(PossibleSocketPaths());
        StopHelpers();
        File.Delete(socketPath);
        File.Delete(Path.Combine(_project, "main.o"));
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(8);
        var refusals = new List<string?>();
        var answering = new Thread(() =>
        {
            for (var i = 0; i < 2; i++)
            {
                using var connection = listener.Accept();
                refusals.Add(Farm.Cache.Resident.HelperPeer.Refusal(connection));
                connection.Send(Farm.Cache.Resident.HelperAnswer.FallBackBytes);
            }
        }) { IsBackground = true };
        answering.Start();

        var confined = _front.RunCommand(_project, "/usr/bin/setpriv", ["--no-new-privs", FastFront.Program, "gcc", .. Compile]);
        var free = _front.RunCommand(_project, FastFront.Program, ["gcc", .. Compile]);

        Assert.True(answering.Join(TimeSpan.FromSeconds(60)), "the front did not connect twice");
        Assert.Equal(0, confined.ExitCode);
        Assert.Equal(0, free.ExitCode);
        Assert.Equal(["another confinement (no_new_privs or seccomp)", null], refusals);
    }

    [Fact]
    public void Run_HelperKilled_CompilesThroughFarmCcAndStartsAnother()
    {
        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);
        WaitForHelper();
        var killed = Assert.Single(_front.Helpers());
        using (var process = System.Diagnostics.Process.GetProcessById(killed))
        {
            process.Kill();
            process.WaitForExit();
        }

        File.Delete(Path.Combine(_project, "main.o"));
        Thread.Sleep(2100); // the front starts at most one helper per two seconds per socket
        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);

        Assert.True(File.Exists(Path.Combine(_project, "main.o")));
        Assert.True(FastFront.Eventually(() => _front.Helpers().Any(pid => pid != killed)), "no new helper started");
    }

    [Fact]
    public void Serve_SocketRemoved_HelperExits()
    {
        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);
        WaitForHelper();

        Directory.Delete(_front.SocketDirectory, recursive: true);

        Assert.True(FastFront.Eventually(() => _front.Helpers().Count == 0), "the helper outlived its socket");
    }

    [Fact]
    public void Serve_Idle_HelperExits()
    {
        Assert.Equal(0, _front.Run(_project, Compile, ("FARM_CACHE_HELPER_IDLE", "1")).ExitCode);
        Assert.True(FastFront.Eventually(() => _front.Helpers().Count == 0 && Directory.GetFiles(_front.SocketDirectory, "*.sock").Length == 0), "the helper did not exit when idle");
    }

    [Fact]
    public void Run_InAnotherMountNamespace_IsNotAnsweredFromTheHelpersView()
    {
        Assert.SkipUnless(Environment.UserName == "root" && File.Exists("/usr/bin/unshare"), "needs root and unshare(1) to make a mount namespace");
        Assert.Equal(0, _front.Run(_project, Compile).ExitCode);
        WaitForHelper();
        File.Delete(Path.Combine(_project, "main.o"));
        // In its own mount namespace the compile sees another value.h at the same path; the helper, outside, sees the
        // old one, whose manifest still matches: answering would be a wrong object.
        var other = _temp.Write("other/value.h", "#define VALUE 7\n");
        var script = $"mount --bind '{other}' '{Path.Combine(_project, "include", "value.h")}' && exec '{FastFront.Program}' gcc {string.Join(' ', Compile)}";

        var run = _front.RunCommand(_project, "/usr/bin/unshare", ["--mount", "--propagation", "private", "sh", "-c", script]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var expected = Fresh(("project/include/value.h", "#define VALUE 7\n"));
        Assert.Equal(expected, File.ReadAllBytes(Path.Combine(_project, "main.o")));
    }

    private void WaitForHelper() =>
        Assert.True(FastFront.Eventually(() => PossibleSocketPaths().Any(Connectable)), "no helper answered");

    /// <summary>The sockets in the helper's directory (one per farm-cc build; the front names it from farm-cc's file).</summary>
    private IEnumerable<string> PossibleSocketPaths() =>
        Directory.Exists(_front.SocketDirectory) ? Directory.GetFiles(_front.SocketDirectory, "*.sock") : [Path.Combine(_front.SocketDirectory, "any.sock")];

    private static bool Connectable(string socketPath)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>main.o as plain gcc compiles the project (with <paramref name="changes"/> applied to a copy).</summary>
    private byte[] Fresh(params (string Path, string Text)[] changes)
    {
        using var copy = new TempDirectory();
        foreach (var file in Directory.EnumerateFiles(_project, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(_temp.Path, file);
            File.Copy(file, Path.Combine(Directory.CreateDirectory(Path.GetDirectoryName(copy.Combine(relative))!).FullName, Path.GetFileName(file)));
        }

        foreach (var (path, text) in changes)
        {
            copy.Write(path, text);
        }

        var cache = new TempDirectory();
        using (cache)
        {
            var run = CompileRun.Of(TestSettings.Local(cache.Path), copy.Combine("project"), Compile);
            Assert.Equal(0, run.ExitCode);
        }

        return File.ReadAllBytes(copy.Combine("project", "main.o"));
    }
}
