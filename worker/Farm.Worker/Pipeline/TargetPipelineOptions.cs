namespace Farm.Worker.Pipeline;

/// <summary>Where a target job writes, and how it builds.</summary>
internal sealed record TargetPipelineOptions(string OutputDirectory)
{
    /// <summary>make's <c>O=</c>; by default in the worker's cache directory (<see cref="TargetPipeline.DefaultBuildDirectory"/>).</summary>
    public string? BuildDirectory { get; init; }

    public int Jobs { get; init; } = Environment.ProcessorCount;

    public string? CompilerLauncher { get; init; }

    /// <summary>The object cache to compile through (farm-cc), or null to build without one.</summary>
    public Caching.ObjectCache? Cache { get; init; }

    /// <summary>
    /// The rootfs as a cpio, or null. Embedded into the kernel when the target's kconfig says so (passed to the build as
    /// <c>CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD_PATH</c>), otherwise booted as the initrd and written to the output.
    /// </summary>
    public byte[]? Initrd { get; init; }

    /// <summary>Boot the image before it counts as built (the default); false publishes it untested.</summary>
    public bool Smoke { get; init; } = true;

    /// <summary>Told when the pipeline enters a stage (the served worker records it as the target's phase); called on the pipeline's thread, must not block.</summary>
    public Action<TargetPhase>? OnPhase { get; init; }
}
