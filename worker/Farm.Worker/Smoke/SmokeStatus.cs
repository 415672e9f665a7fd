namespace Farm.Worker.Smoke;

internal enum SmokeStatus
{
    Passed,
    Failed,

    /// <summary>This host cannot boot the platform (no hypervisor); nothing was tested.</summary>
    Unavailable,

    /// <summary>Not booted, on purpose (<c>--no-smoke</c>): the image is published untested.</summary>
    Skipped,
}
