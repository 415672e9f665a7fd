// The farm host embeds the worker (one-process mode), which runs Linux processes, hypervisors and pseudo-terminals.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
