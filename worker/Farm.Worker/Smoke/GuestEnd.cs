namespace Farm.Worker.Smoke;

/// <summary>How a guest's run ended, as its hypervisor lets us tell.</summary>
internal enum GuestEndKind
{
    /// <summary>The guest reported an exit status (isa-debug-exit, semihosting, a linuxu process exit).</summary>
    Exited,

    /// <summary>The guest powered off without a status (PSCI SYSTEM_OFF, ACPI, i8042 reset): status 0.</summary>
    PoweredOff,

    /// <summary>The guest crashed in a way the host saw (a signal for linuxu, a Xen crash).</summary>
    Crashed,

    /// <summary>Still running when the timeout came; it was stopped.</summary>
    StillRunning,

    /// <summary>The hypervisor itself failed (could not load the kernel, bad arguments).</summary>
    HostError,
}

internal sealed record GuestEnd(GuestEndKind Kind, int? Status = null, string? Detail = null)
{
    public static GuestEnd Exited(int status) => new(GuestEndKind.Exited, status);

    public static readonly GuestEnd PoweredOff = new(GuestEndKind.PoweredOff, 0);

    public static readonly GuestEnd StillRunning = new(GuestEndKind.StillRunning);

    public static GuestEnd Crashed(string detail) => new(GuestEndKind.Crashed, null, detail);

    public static GuestEnd HostError(string detail) => new(GuestEndKind.HostError, null, detail);
}
