// The farm host and the worker it embeds run on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
