namespace Farm.Cache.Tests.Support;

/// <summary>
/// A compiler that is gcc under another identity: a shell script that runs gcc, its bytes made different by a
/// comment. (A copy of the gcc driver elsewhere cannot find cc1, so scripts stand in for "another compiler".)
/// </summary>
internal static class CompilerScript
{
    public static string Write(TempDirectory temp, string relativePath, string variant)
    {
        var path = temp.Write(relativePath, $"#!/bin/sh\n# {variant}\nexec gcc \"$@\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
