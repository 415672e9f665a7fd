namespace Farm.Worker.Smoke;

internal enum SmokeStatus
{
    Passed,
    Failed,

    /// <summary>This host cannot boot the platform (no hypervisor); nothing was tested.</summary>
    Unavailable,
}
