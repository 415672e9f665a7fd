namespace Farm.Worker.Smoke;

/// <summary>One kernel to boot: where it is, what it is for, and a scratch directory for generated configs.</summary>
internal sealed record SmokeRequest(string KernelPath, string Platform, string Architecture, SmokeExpectation Expectation, string WorkDirectory)
{
    public string? InitrdPath { get; init; }

    /// <summary>The host port (on 127.0.0.1) forwarded to the guest's HTTP port, when the expectation asks over HTTP.</summary>
    public int? HostPort { get; init; }

    /// <summary>Kernel command line arguments (the Kraftfile's <c>cmd</c>).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Where the hypervisor process runs: the build sandbox (kernel and initrd read-only, the work directory writable).</summary>
    public Sandboxing.BuildSandbox Sandbox { get; init; } = Sandboxing.BuildSandbox.Current;
}
