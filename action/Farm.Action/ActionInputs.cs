using Farm.Core.Oci;

namespace Farm.Action;

/// <summary>
/// The action's inputs, read as a runner hands them to a Docker or JavaScript action: <c>INPUT_&lt;NAME&gt;</c>, upper
/// case, dashes kept (<c>INPUT_SIGN-KEY</c>); action.yml passes them the same way. Validated before anything runs:
/// each problem names its input.
/// </summary>
internal sealed record ActionInputs
{
    public required string Workdir { get; init; }

    /// <summary>The Kraftfile's path, absolute.</summary>
    public required string Kraftfile { get; init; }

    public IReadOnlyList<string> Targets { get; init; } = [];

    /// <summary>Where the index goes: a registry reference, or <c>oci:DIR:TAG</c>; null: a layout under the runner's temp.</summary>
    public string? Image { get; init; }

    public bool Push { get; init; }

    public string? SignKey { get; init; }

    public Uri? FarmUrl { get; init; }

    public string? FarmToken { get; init; }

    public string? CacheRedis { get; init; }

    public string? CacheRegistry { get; init; }

    public bool Smoke { get; init; } = true;

    public string? RegistryUsername { get; init; }

    public string? RegistryPassword { get; init; }

    public bool Remote => FarmUrl is not null;

    /// <summary>The named input's value: <c>INPUT_NAME</c> (dashes kept), else with dashes as underscores; blank is absent.</summary>
    public static string? Read(Func<string, string?> environment, string name)
    {
        var upper = name.ToUpperInvariant().Replace(' ', '_');
        var value = environment($"INPUT_{upper}") ?? environment($"INPUT_{upper.Replace('-', '_')}");
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public static (ActionInputs? Inputs, IReadOnlyList<InputProblem> Problems) Parse(Func<string, string?> environment)
    {
        var problems = new List<InputProblem>();
        var workspace = environment("GITHUB_WORKSPACE") is { Length: > 0 } ws ? ws : Directory.GetCurrentDirectory();
        var workdir = Path.GetFullPath(Read(environment, "workdir") ?? ".", workspace);
        if (!Directory.Exists(workdir))
        {
            problems.Add(new InputProblem("workdir", $"{workdir} is not a directory"));
        }

        var kraftfileInput = Read(environment, "kraftfile") ?? "Kraftfile";
        var kraftfile = Path.GetFullPath(kraftfileInput, workdir);
        if (Directory.Exists(kraftfile))
        {
            kraftfile = Path.Combine(kraftfile, "Kraftfile");
        }

        if (problems.Count == 0 && !File.Exists(kraftfile))
        {
            problems.Add(new InputProblem("kraftfile", $"{kraftfileInput}: no such file in {workdir}", kraftfile));
        }

        var targets = new List<string>();
        foreach (var target in (Read(environment, "targets") ?? string.Empty).Split([',', '\n', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IsTargetSelector(target))
            {
                problems.Add(new InputProblem("targets", $"'{target}' is not a target: give plat/arch (qemu/x86_64, fc/x86_64, qemu/arm64, ...) or a target's name, separated by commas"));
            }
            else
            {
                targets.Add(target);
            }
        }

        bool Flag(string name, bool fallback)
        {
            var text = Read(environment, name);
            if (text is null)
            {
                return fallback;
            }

            if (bool.TryParse(text, out var value))
            {
                return value;
            }

            problems.Add(new InputProblem(name, $"'{text}' is not true or false"));
            return fallback;
        }

        var push = Flag("push", false);
        var smoke = Flag("smoke", true);

        var image = Read(environment, "image");
        OciReference? reference = null;
        if (image is not null && !OciReference.TryParse(image, out reference, out var error))
        {
            problems.Add(new InputProblem("image", error));
        }
        else if (reference?.Digest is not null)
        {
            problems.Add(new InputProblem("image", $"'{image}' names a digest; give a repository and tag to publish to"));
        }
        else if (push && (reference is null || reference.IsLayout))
        {
            problems.Add(new InputProblem("push", "push: true needs image: a registry repository and tag (host/repo:tag)"));
        }

        Uri? farmUrl = null;
        if (Read(environment, "farm-url") is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out farmUrl) || farmUrl.Scheme is not ("http" or "https"))
            {
                problems.Add(new InputProblem("farm-url", $"'{url}' is not an http(s) URL"));
                farmUrl = null;
            }
            else if (reference is null || reference.IsLayout)
            {
                problems.Add(new InputProblem("image", "a remote build (farm-url) publishes to a registry: give image: host/repo:tag"));
            }
        }

        var username = Read(environment, "registry-username");
        var password = Read(environment, "registry-password");
        if ((username is null) != (password is null))
        {
            problems.Add(new InputProblem(username is null ? "registry-username" : "registry-password", "registry-username and registry-password go together"));
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        return (new ActionInputs
        {
            Workdir = workdir,
            Kraftfile = kraftfile,
            Targets = targets,
            Image = image,
            Push = push,
            SignKey = Read(environment, "sign-key"),
            FarmUrl = farmUrl,
            FarmToken = Read(environment, "farm-token"),
            CacheRedis = Read(environment, "cache-redis"),
            CacheRegistry = Read(environment, "cache-registry"),
            Smoke = smoke,
            RegistryUsername = username,
            RegistryPassword = password,
        }, []);
    }

    /// <summary>plat/arch with known names, or a target name (letters, digits, <c>-_.</c>).</summary>
    private static bool IsTargetSelector(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        }

        var (platform, architecture) = (text[..slash], text[(slash + 1)..]);
        return platform is "qemu" or "kvm" or "fc" or "firecracker" or "xen" or "linuxu" or "kraftcloud"
            && architecture is "x86_64" or "amd64" or "arm64" or "arm";
    }
}

/// <summary>An input that makes no sense: which one, why, and the file it concerns (for the annotation).</summary>
internal sealed record InputProblem(string Input, string Message, string? File = null);
