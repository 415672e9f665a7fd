namespace Farm.Worker.Capabilities;

/// <summary>One way of booting kernels on this host and whether it works: <see cref="Problem"/> is null when it does.</summary>
internal sealed record HypervisorProbe(string Name, string Detail, string? Problem)
{
    public bool Works => Problem is null;
}
