namespace Farm.Worker.Images;

/// <summary>What <see cref="KernelImageInspector"/> found: the format in words, or why a loader would refuse it.</summary>
internal sealed record KernelImageCheck(string Format, string? Problem)
{
    public bool Bootable => Problem is null;

    /// <summary>For Xen: the guest type the image is built for (<c>pvh</c> or <c>pv</c>), when it is a Xen image.</summary>
    public string? XenGuestType { get; init; }
}
