namespace Farm.Core.Planning;

/// <summary>
/// What a worker needs to take a target job: build for <see cref="Architecture"/> (natively or with a cross
/// toolchain) and boot the kernel on <see cref="Hypervisor"/> for the smoke test. QEMU can emulate another
/// architecture; Firecracker, Xen and linuxu run the kernel on the host's own CPU.
/// </summary>
public sealed record WorkerRequirements(string Architecture, string Hypervisor, bool NeedsNativeArchitecture);
