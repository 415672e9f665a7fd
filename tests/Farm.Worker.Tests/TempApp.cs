namespace Farm.Worker.Tests;

/// <summary>
/// A copy of a fault app (under <c>Apps/</c>) in a temporary directory, with a Kraftfile written by the test, so
/// that each test states the smoke expectation it checks.
/// </summary>
internal static class TempApp
{
    public static string Create(TempDirectory root, string app, string kraftfileTail, string targets = "- qemu/x86_64\n- qemu/arm64\n- linuxu/x86_64\n")
    {
        var directory = root.Combine("app");
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestPaths.FaultApps, app)))
        {
            if (Path.GetFileName(file) != "Kraftfile")
            {
                File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
            }
        }

        File.WriteAllText(
            Path.Combine(directory, "Kraftfile"),
            $"spec: v0.6\nname: {app}\nunikraft: {TestPaths.FixtureCore}\ntargets:\n{targets}{kraftfileTail}");
        return directory;
    }
}
