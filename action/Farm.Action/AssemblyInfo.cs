// The action runs on Linux runners (x86_64 and arm64), as the farm does.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
