// The farm's state is kept by Linux hosts: sources are checked out with git and unpacked with Unix modes kept.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
