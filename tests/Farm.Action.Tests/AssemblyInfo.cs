// The action runs on Linux runners only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
