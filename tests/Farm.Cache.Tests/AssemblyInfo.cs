// farm-cc and the worker are Linux-only; so are these tests (gcc, redis-server, Unix file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
