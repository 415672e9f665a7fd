using Farm.Core.Kraftfiles;

namespace Farm.Worker.Smoke;

/// <summary>
/// CPU features a built kernel cannot boot without, read from its <c>.config</c>. On x86_64, Unikraft's libukrandom
/// (on whenever something selects it, as the default helloworld does) seeds its generator from RDRAND and RDSEED and
/// stops the boot with <c>Could not initialize the HWRNG (-95)</c> when CPUID lacks either; QEMU's emulation
/// (TCG) has RDRAND only.
/// </summary>
internal static class KernelCpuNeeds
{
    public static IReadOnlyList<(string Feature, string Because)> Of(string? configPath, string architecture)
    {
        if (architecture != Architectures.X8664 || configPath is null || !File.Exists(configPath))
        {
            return [];
        }

        var random = File.ReadLines(configPath).Any(l => l.Trim() == "CONFIG_LIBUKRANDOM=y");
        return random
            ? [("rdrand", "CONFIG_LIBUKRANDOM=y"), ("rdseed", "CONFIG_LIBUKRANDOM=y")]
            : [];
    }

    /// <summary>The features of <paramref name="needs"/> that <paramref name="available"/> lacks, in order.</summary>
    public static IReadOnlyList<string> Missing(IReadOnlyList<(string Feature, string Because)> needs, IReadOnlySet<string> available) =>
        needs.Select(n => n.Feature).Where(f => !available.Contains(f)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Why <paramref name="available"/> cannot boot a kernel that needs <paramref name="needs"/>, or null when it can.</summary>
    public static string? Lacking(IReadOnlyList<(string Feature, string Because)> needs, IReadOnlySet<string> available, string runner)
    {
        var lacking = needs.Where(n => !available.Contains(n.Feature)).ToList();
        if (lacking.Count == 0)
        {
            return null;
        }

        var features = string.Join(" and ", lacking.Select(n => n.Feature.ToUpperInvariant()));
        var because = string.Join(", ", lacking.Select(n => n.Because).Distinct(StringComparer.Ordinal));
        return $"the kernel needs {features} ({because}: libukrandom stops the boot with 'Could not initialize the HWRNG (-95)' without them), "
            + $"which {runner} does not give its guest; a worker with KVM boots it (or set CONFIG_LIBUKRANDOM=n for an emulated smoke test)";
    }
}
