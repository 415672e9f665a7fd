using Farm.Core.Kraftfiles;

namespace Farm.Worker.Builders;

/// <summary>
/// Whether a Unikraft core has the target's platform and architecture, read from its <c>plat/</c> and <c>arch/</c>
/// trees before anything is built. Unikraft's <c>make defconfig</c> silently drops a platform switch it does not know
/// (0.17 has no <c>plat/linuxu</c>), and the build then fails far from the cause (<c>Makefile:1174: sub-make</c>).
/// </summary>
internal static class CoreOffer
{
    /// <summary>Why the core at <paramref name="core"/> cannot build <paramref name="platform"/>/<paramref name="architecture"/>, or null when it can.</summary>
    public static string? WhyNot(string core, string platform, string architecture)
    {
        // A core without plat/ and arch/ trees is not laid out like Unikraft's; make will say what it lacks.
        if (!Directory.Exists(Path.Combine(core, "plat")) || !Directory.Exists(Path.Combine(core, "arch")))
        {
            return null;
        }

        var version = Version(core) is { } v ? $"this Unikraft version ({v})" : $"this Unikraft core ({core})";
        var platformDirectory = platform switch
        {
            Platforms.Qemu or Platforms.Firecracker => "kvm",
            _ => platform,
        };
        if (!Directory.Exists(Path.Combine(core, "plat", platformDirectory)))
        {
            var offered = Directory.EnumerateDirectories(Path.Combine(core, "plat")).Select(Path.GetFileName)
                .Where(d => d is not ("common" or "drivers")).Order(StringComparer.Ordinal);
            return $"{version} has no {platform} platform (plat/{platformDirectory}; it has: {string.Join(", ", offered)})";
        }

        // Unikraft keeps architectures under their family (arch/x86/x86_64); small cores put them directly under arch/.
        var family = architecture switch
        {
            Architectures.X8664 => "x86",
            _ => "arm",
        };
        if (!Directory.Exists(Path.Combine(core, "arch", family, architecture)) && !Directory.Exists(Path.Combine(core, "arch", architecture)))
        {
            return $"{version} has no {architecture} architecture (arch/{family}/{architecture})";
        }

        return null;
    }

    /// <summary>The core's release as its <c>version.mk</c> states it (<c>0.17.0</c>), or null.</summary>
    public static string? Version(string core)
    {
        var file = Path.Combine(core, "version.mk");
        if (!File.Exists(file) || new FileInfo(file).Length > 4096)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0].TrimEnd(':', '?') is { } name && parts[1].All(char.IsAsciiDigit) && parts[1].Length is > 0 and < 6)
            {
                values[name.Trim()] = parts[1];
            }
        }

        if (!values.TryGetValue("UK_VERSION", out var major) || !values.TryGetValue("UK_SUBVERSION", out var minor))
        {
            return null;
        }

        return values.TryGetValue("UK_EXTRAVERSION", out var patch) ? $"{major}.{minor}.{patch}" : $"{major}.{minor}";
    }
}
