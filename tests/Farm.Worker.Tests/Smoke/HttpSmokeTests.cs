using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Farm.Core.Processes;
using Farm.Worker.Smoke;

namespace Farm.Worker.Tests.Smoke;

/// <summary>
/// <c>x-farm.smoke.http</c>: the guest's port forwarded by QEMU user networking (restricted: the guest reaches
/// nothing), asked over HTTP while the guest runs; the answer decides, and the guest is stopped once it matched.
/// </summary>
public sealed class HttpSmokeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SmokeExpectation Expect(int port, string answer, double seconds = 20) =>
        new(SmokeExpectation.Banner, TimeSpan.FromSeconds(seconds), null) { Http = new HttpProbe(port, new Regex(answer)) };

    [Theory]
    [InlineData("x86_64")]
    [InlineData("arm64")]
    public void Qemu_Http_ForwardsOnlyLoopbackToTheGuestPortWithARestrictedNetwork(string architecture)
    {
        var request = new SmokeRequest("/k/kernel", "qemu", architecture, Expect(8123, "Bye"), "/work") { HostPort = 40123 };

        var arguments = string.Join(' ', new QemuRunner(architecture, useKvm: false).Arguments(request));

        Assert.Contains("-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:40123-:8123 -device virtio-net-pci,netdev=n0", arguments, StringComparison.Ordinal);
        Assert.DoesNotContain("-net none", arguments, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_AnswerMatches_IsReturnedWithStatusLineHeadersAndBody()
    {
        using var server = new OneLineServer("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nBye, World!\n");
        var last = string.Empty;

        var answer = await new HttpProbe(80, new Regex("Bye, World!")).AskAsync(server.Port, l => last = l, Ct);

        Assert.NotNull(answer);
        Assert.StartsWith("HTTP/1.1 200 OK\n", answer, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 12", answer, StringComparison.Ordinal);
        Assert.Equal("HTTP/1.1 200 OK", last);
    }

    [Fact]
    public async Task Guest_NeverPrintsItsBoot_IsNotAsked_AndFails_ThoughThePortAnswers()
    {
        // Something else answers on the port (here the test's server): without the boot on the console that answer
        // cannot be the guest's, so the guest is not asked and fails by its console.
        using var server = new OneLineServer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nhi\n");
        using var temp = new TempDirectory();
        var request = new SmokeRequest("/bin/sh", "qemu", "x86_64", Expect(80, "hi", seconds: 2), temp.Path);
        var asked = 0;

        var result = await GuestProcess.RunAsync(
            "test", new ProcessSpec("/bin/sh", ["-c", "echo 'still loading'; sleep 30"]), request, (_, _) => GuestEnd.PoweredOff, Ct,
            ask: async token =>
            {
                Interlocked.Increment(ref asked);
                return (await request.Expectation.Http!.AskAsync(server.Port, _ => { }, token), "x");
            });

        Assert.Equal(SmokeStatus.Failed, result.Status);
        Assert.Equal(0, asked);
        Assert.DoesNotContain("farm: HTTP GET", result.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Guest_ServerAnswers_PassesAndIsStoppedBeforeItsTimeout()
    {
        using var server = new OneLineServer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nhi\n");
        using var temp = new TempDirectory();
        var request = new SmokeRequest("/bin/sh", "qemu", "x86_64", Expect(80, "hi", seconds: 60), temp.Path);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var result = await GuestProcess.RunAsync(
            "test", new ProcessSpec("/bin/sh", ["-c", "echo 'Powered by Unikraft'; sleep 60"]), request, (_, _) => GuestEnd.PoweredOff, Ct,
            ask: async token => (await request.Expectation.Http!.AskAsync(server.Port, _ => { }, token), "x"));

        Assert.True(result.Status == SmokeStatus.Passed, result.Reason);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(50), "the guest was not stopped once the server answered");
        Assert.Contains("farm: HTTP GET / on guest port 80: HTTP/1.1 200 OK", result.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Guest_ServerNeverAnswers_FailsSayingWhatWasAskedAndTheLastError()
    {
        using var temp = new TempDirectory();
        var closed = FreePort();
        var request = new SmokeRequest("/bin/sh", "qemu", "x86_64", Expect(8123, "Bye", seconds: 3), temp.Path);

        var result = await GuestProcess.RunAsync(
            "test", new ProcessSpec("/bin/sh", ["-c", "echo 'Powered by Unikraft'; sleep 60"]), request, (_, _) => GuestEnd.PoweredOff, Ct,
            ask: async token =>
            {
                var last = string.Empty;
                return (await request.Expectation.Http!.AskAsync(closed, l => last = l, token), last);
            });

        Assert.Equal(SmokeStatus.Failed, result.Status);
        Assert.StartsWith("no HTTP answer matching /Bye/ on guest port 8123 within 3 s (last: ", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("(last: nothing)", result.Reason, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Answers every connection on 127.0.0.1 with the same bytes, as a tiny server in a guest would.</summary>
    private sealed class OneLineServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public OneLineServer(string answer)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                        var stream = client.GetStream();
                        var buffer = new byte[4096];
                        _ = await stream.ReadAsync(buffer, _stop.Token);
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), _stop.Token);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException or InvalidOperationException)
                    {
                    }
                }
            });
        }

        public int Port { get; }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
