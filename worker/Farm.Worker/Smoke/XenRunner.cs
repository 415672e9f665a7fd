using System.Text;
using Farm.Core.IO;
using Farm.Core.Kraftfiles;
using Farm.Core.Processes;

namespace Farm.Worker.Smoke;

/// <summary>
/// Boots xen kernels as PVH (or, for images with only PV notes, PV) guests with <c>xl create -c</c> (the console attached to our stdout). The domain is
/// destroyed afterwards whatever happened, so a hung guest never outlives its smoke test.
/// </summary>
internal sealed class XenRunner : ISmokeRunner
{
    private readonly string _hostArchitecture;
    private readonly string? _toolstackProblem;

    /// <param name="toolstackProblem">Why <c>xl</c> cannot create domains here (not dom0, no xend), or null.</param>
    public XenRunner(string hostArchitecture, string? toolstackProblem)
    {
        _hostArchitecture = hostArchitecture;
        _toolstackProblem = toolstackProblem;
    }

    public string Name => "xl (pvh)";

    public string? UnavailableReason =>
        ExecutableLocator.Find("xl") is null ? "the Xen toolstack (xl) is not installed; Xen guests need a Xen dom0 host"
        : _toolstackProblem;

    public bool Serves(string platform, string architecture) => platform == Platforms.Xen && architecture == _hostArchitecture;

    /// <param name="guestType"><c>pvh</c> or <c>pv</c>, as the kernel's ELF notes say (Unikraft has built both).</param>
    public static string RenderConfig(SmokeRequest request, string domainName, string guestType = "pvh")
    {
        var text = new StringBuilder();
        text.Append("name = ").Append(Quote(domainName)).Append('\n');
        text.Append("type = ").Append(Quote(guestType)).Append('\n');
        text.Append("kernel = ").Append(Quote(request.KernelPath)).Append('\n');
        if (request.InitrdPath is { } initrd)
        {
            text.Append("ramdisk = ").Append(Quote(initrd)).Append('\n');
        }

        if (request.Arguments.Count > 0)
        {
            text.Append("extra = ").Append(Quote(string.Join(' ', request.Arguments))).Append('\n');
        }

        text.Append("memory = 128\nvcpus = 1\n");
        text.Append("on_poweroff = \"destroy\"\non_reboot = \"destroy\"\non_crash = \"destroy\"\n");
        return text.ToString();
    }

    public async Task<SmokeResult> RunAsync(SmokeRequest request, CancellationToken cancellationToken)
    {
        if (UnavailableReason is { } reason)
        {
            return SmokeResult.Unavailable(Name, reason);
        }

        var domain = $"farm-smoke-{Guid.NewGuid():N}"[..23];
        var configFile = Path.Combine(request.WorkDirectory, "xen.cfg");
        var guestType = Images.KernelImageInspector.Inspect(request.KernelPath, request.Platform, request.Architecture).XenGuestType ?? "pvh";
        await InPlaceWrite.WriteAllTextAsync(configFile, RenderConfig(request, domain, guestType), cancellationToken).ConfigureAwait(false);
        try
        {
            var spec = new ProcessSpec("xl", ["create", "-c", configFile]) { WorkingDirectory = request.WorkDirectory };
            return await GuestProcess.RunAsync(Name, spec, request, (code, _) => code == 0 ? GuestEnd.PoweredOff : GuestEnd.HostError($"xl create exited with {code}"), cancellationToken, sandboxed: false).ConfigureAwait(false);
        }
        finally
        {
            await ProcessRunner.CaptureAsync(new ProcessSpec("xl", ["destroy", domain]), TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
        }
    }

    // xl's config syntax takes double-quoted strings with backslash escapes.
    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
