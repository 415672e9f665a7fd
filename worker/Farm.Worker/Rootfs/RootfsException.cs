namespace Farm.Worker.Rootfs;

/// <summary>A rootfs that cannot be made, with a message that names the Kraftfile field and what to do.</summary>
internal sealed class RootfsException(string message) : Exception(message);
