using System.Net.Sockets;
using Farm.Cache.Resident;
using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Resident;

/// <summary>
/// Whom farm-cc-fast and the resident helper trust, with real processes: a socket directory others may write to is not
/// used, and a caller that sees other files (another mount namespace) or is confined otherwise (no_new_privs) is not
/// served. Each test fails with its check removed.
/// </summary>
public sealed class ResidentHelperTrustTests : IDisposable
{
    private readonly HelperProject _setup = new();

    public void Dispose() => _setup.Dispose();

    [Fact]
    public void Run_SocketDirectoryOpenToOthers_IsNotTrusted()
    {
        // Someone else's listener where the helper's socket would be, in a directory anyone may write to: it answers
        // every request with "compiled, exit 0", which would leave the build without its object.
        _setup.StartHelper();
        var socketPaths = _setup.SocketPaths().ToList();
        _setup.StopHelpers();
        foreach (var file in Directory.GetFiles(_setup.Front.SocketDirectory))
        {
            File.Delete(file);
        }

        File.Delete(_setup.Object);
        File.SetUnixFileMode(_setup.Front.SocketDirectory, (UnixFileMode)0x1FF);
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
                            connection.Send(new HelperAnswer(0, string.Empty).ToBytes());
                        }
                    }
                    catch (Exception error) when (error is SocketException or ObjectDisposedException)
                    {
                        // the test is over
                    }
                }) { IsBackground = true }.Start();
            }

            Assert.Equal(0, _setup.Front.Run(_setup.Directory, HelperProject.Compile).ExitCode);

            Assert.Equal(0, Volatile.Read(ref asked));
            Assert.Equal(_setup.Fresh(), File.ReadAllBytes(_setup.Object));
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
        _setup.StartHelper();
        var socketPath = Assert.Single(_setup.SocketPaths());
        _setup.StopHelpers();
        File.Delete(socketPath);
        File.Delete(_setup.Object);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(8);
        var refusals = new List<string?>();
        var answering = new Thread(() =>
        {
            for (var i = 0; i < 2; i++)
            {
                using var connection = listener.Accept();
                refusals.Add(HelperPeer.Refusal(connection));
                connection.Send(HelperAnswer.FallBackBytes);
            }
        }) { IsBackground = true };
        answering.Start();

        var confined = _setup.Front.RunCommand(_setup.Directory, "/usr/bin/setpriv", ["--no-new-privs", FastFront.Program, "gcc", .. HelperProject.Compile]);
        var free = _setup.Front.RunCommand(_setup.Directory, FastFront.Program, ["gcc", .. HelperProject.Compile]);

        Assert.True(answering.Join(TimeSpan.FromSeconds(60)), "the front did not connect twice");
        Assert.Equal(0, confined.ExitCode);
        Assert.Equal(0, free.ExitCode);
        Assert.Equal(["another confinement (no_new_privs or seccomp)", null], refusals);
    }

    [Fact]
    public void Run_InAnotherMountNamespace_IsNotAnsweredFromTheHelpersView()
    {
        Assert.SkipUnless(Environment.UserName == "root" && File.Exists("/usr/bin/unshare"), "needs root and unshare(1) to make a mount namespace");
        _setup.StartHelper();
        File.Delete(_setup.Object);
        // In its own mount namespace the compile sees another value.h at the same path; the helper, outside, sees the
        // old one, whose manifest still matches: answering would be a wrong object.
        var other = _setup.Temp.Write("other/value.h", "#define VALUE 7\n");
        var script = $"mount --bind '{other}' '{Path.Combine(_setup.Directory, "include", "value.h")}' && exec '{FastFront.Program}' gcc {string.Join(' ', HelperProject.Compile)}";

        var run = _setup.Front.RunCommand(_setup.Directory, "/usr/bin/unshare", ["--mount", "--propagation", "private", "sh", "-c", script]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var expected = _setup.Fresh(("project/include/value.h", "#define VALUE 7\n"));
        Assert.Equal(expected, File.ReadAllBytes(_setup.Object));
    }

    [Fact]
    public void Start_HelperGetsACleanEnvironment_NotTheBuildsOwn()
    {
        // The helper outlives the build that started it and serves others: what that build set must not go with it.
        Assert.Equal(0, _setup.Front.Run(_setup.Directory, HelperProject.Compile, ("FARM_BUILD_ONLY", "secret"), ("DOTNET_gcServer", "1")).ExitCode);
        Assert.True(FastFront.Eventually(() => _setup.SocketPaths().Any(ResidentHelper.Answering)), "no helper answered");

        var helper = Assert.Single(_setup.Front.Helpers());
        var names = File.ReadAllText($"/proc/{helper}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(v => v[..v.IndexOf('=', StringComparison.Ordinal)]).ToList();

        Assert.All(names, name => Assert.True(name is "PATH" or "TMPDIR", $"the helper has {name} from the build"));
    }
}
