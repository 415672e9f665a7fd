using Farm.Tests.Shared;

namespace Farm.Tests.Serve;

/// <summary>A git repository of apps on the fixture core, as a user's repository would hold them: the source a farm build names.</summary>
internal sealed class SourceRepository
{
    private SourceRepository(string directory, string commit)
    {
        Directory = directory;
        Commit = commit;
    }

    public string Directory { get; }

    public string Url => $"file://{Directory}";

    public string Commit { get; }

    /// <summary>helloworld, the fixture core, plus <paramref name="apps"/> (directory → Kraftfile and files), committed.</summary>
    public static Task<SourceRepository> CreateAsync(string directory, CancellationToken ct, params (string App, IReadOnlyDictionary<string, string> Files)[] apps) =>
        CreateAsync(directory, true, ct, apps);

    /// <param name="withHelloworld">Whether the repository holds examples/helloworld (five targets) besides <paramref name="apps"/>.</param>
    public static async Task<SourceRepository> CreateAsync(string directory, bool withHelloworld, CancellationToken ct, params (string App, IReadOnlyDictionary<string, string> Files)[] apps)
    {
        var examples = Path.Combine(ProjectReferences.RepositoryRoot(), "examples");
        if (withHelloworld)
        {
            CopyDirectory(Path.Combine(examples, "helloworld"), Path.Combine(directory, "helloworld"));
        }

        CopyDirectory(Path.Combine(examples, "fixture-core"), Path.Combine(directory, "fixture-core"));
        foreach (var (app, files) in apps)
        {
            foreach (var (name, text) in files)
            {
                var path = Path.Combine(directory, app, name);
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, text, ct);
            }
        }

        await GitAsync(directory, ct, "init", "-q", "-b", "main");
        await GitAsync(directory, ct, "add", "-A");
        await GitAsync(directory, ct, "-c", "user.email=farm@example.invalid", "-c", "user.name=farm", "commit", "-qm", "apps");
        return new SourceRepository(directory, (await GitAsync(directory, ct, "rev-parse", "HEAD")).Trim());
    }

    /// <summary>The helloworld app's files with another name and Kraftfile (e.g. a slow or hanging variant).</summary>
    public static Dictionary<string, string> HelloworldWith(string kraftfile, string? makefileExtra = null)
    {
        var examples = Path.Combine(ProjectReferences.RepositoryRoot(), "examples", "helloworld");
        return new Dictionary<string, string>
        {
            ["Kraftfile"] = kraftfile,
            ["Makefile.uk"] = File.ReadAllText(Path.Combine(examples, "Makefile.uk")) + (makefileExtra ?? string.Empty),
            ["main.c"] = File.ReadAllText(Path.Combine(examples, "main.c")),
        };
    }

    /// <summary>Runs git in <paramref name="directory"/>; its standard output.</summary>
    internal static async Task<string> GitAsync(string directory, CancellationToken ct, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        var error = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"git {string.Join(' ', args)}: {error}");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
