namespace Farm.Worker.Sandboxing;

/// <summary>
/// What one sandboxed command may see: directories and files bound read-only (sources, toolchains outside /usr),
/// the ones it may write (its build directory), devices (<c>/dev/kvm</c> for a KVM boot), the cache broker's socket,
/// and its whole environment: nothing of the worker's own environment is passed in.
/// </summary>
internal sealed record SandboxPolicy
{
    public IReadOnlyList<string> ReadOnly { get; init; } = [];

    public IReadOnlyList<string> Writable { get; init; } = [];

    public IReadOnlyList<string> Devices { get; init; } = [];

    /// <summary>The broker's socket, bound at <see cref="SocketInside"/>.</summary>
    public string? CacheSocket { get; init; }

    public const string SocketInside = "/run/farm/cache.sock";

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Root inside the sandbox, with every capability in its own user namespace and none outside: for buildah, which
    /// must own its storage and chroot into its containers. The host still sees the worker's user.
    /// </summary>
    public bool RootInside { get; init; }

    /// <summary>
    /// Keep the host's network namespace: only for QEMU with user networking in <c>restrict=on</c> mode, where the
    /// guest reaches nothing and only the smoke test's forwarded port on 127.0.0.1 reaches the guest.
    /// </summary>
    public bool ShareNetwork { get; init; }

    /// <summary>Extra private, empty directories (buildah's <c>/var/tmp</c>).</summary>
    public IReadOnlyList<string> Scratch { get; init; } = [];

    /// <summary>Extra host files or directories of configuration, read-only (<c>/etc/containers</c>).</summary>
    public IReadOnlyList<string> SystemExtras { get; init; } = [];
}
