using System.Diagnostics;
using System.Text;

namespace Farm.Tests.Serve;

/// <summary>
/// <c>farm serve</c> or <c>worker serve</c> as a separate process, as they run in production: started with its own
/// environment, ready once it prints its ready line, killed (with its children) on dispose.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<ServiceProcess> StartAsync(string assembly, string[] args, IEnumerable<(string Name, string Value)> environment, string ready, CancellationToken ct)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(assembly);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("FARM_", StringComparison.Ordinal) || k.StartsWith("Farm__", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var service = new ServiceProcess(Process.Start(info)!);
        service._process.OutputDataReceived += (_, e) => service.Append(e.Data);
        service._process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!service.Output.Contains(ready, StringComparison.Ordinal))
        {
            if (service._process.HasExited || DateTime.UtcNow > deadline)
            {
                var output = service.Output;
                await service.DisposeAsync();
                throw new InvalidOperationException($"{Path.GetFileName(assembly)} {string.Join(' ', args)} did not get ready: {output}");
            }

            await Task.Delay(50, ct);
        }

        return service;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
