namespace Farm.Worker.Smoke;

/// <summary>Boots a kernel on one platform's hypervisor and judges the console.</summary>
internal interface ISmokeRunner
{
    string Name { get; }

    bool Serves(string platform, string architecture);

    /// <summary>Why this host cannot run it (a binary is missing, KVM does not work), or null.</summary>
    string? UnavailableReason { get; }

    Task<SmokeResult> RunAsync(SmokeRequest request, CancellationToken cancellationToken);
}
