// Workers run on Linux hosts only: they drive make, QEMU, Firecracker, Xen and pseudo-terminals.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
