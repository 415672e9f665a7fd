using Farm.Core.Sources;
using Farm.Core.Processes;

namespace Farm.State.Sources;

/// <summary>
/// git as the farm runs it on sources it does not trust: only the protocols the allow-list can reach
/// (<c>protocol.allow=never</c>, then each re-allowed), no hooks, no credential helper, no prompt, and no configuration
/// from the host (<c>GIT_CONFIG_NOSYSTEM</c>, <c>GIT_CONFIG_GLOBAL=/dev/null</c>, an empty <c>HOME</c>), so a user's
/// <c>~/.gitconfig</c> (an <c>insteadOf</c>, a <c>core.sshCommand</c>) cannot change what a URL does. Callers put
/// <c>--</c> or <c>--end-of-options</c> before every URL and revision; the policy has refused any that reads as an option.
/// </summary>
public sealed class GitCommand
{
    private readonly IReadOnlyList<string> _configuration;
    private readonly Dictionary<string, string> _environment;

    /// <param name="home">An empty directory of the farm's own to serve as <c>HOME</c>.</param>
    public GitCommand(SourcePolicy policy, string home)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Directory.CreateDirectory(home);
        _configuration =
        [
            "-c", "protocol.allow=never",
            .. policy.Protocols.SelectMany(p => new[] { "-c", $"protocol.{p}.allow=always" }),
            "-c", "core.hooksPath=/dev/null",
            "-c", "credential.helper=",
            "-c", "core.askPass=",
        ];
        _environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["HOME"] = home,
            ["XDG_CONFIG_HOME"] = home,
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_ASKPASS"] = string.Empty,
            ["SSH_ASKPASS"] = string.Empty,
            // Configuration passed down by a parent git (GIT_CONFIG_PARAMETERS, GIT_CONFIG_COUNT) is not ours to inherit.
            ["GIT_CONFIG_PARAMETERS"] = string.Empty,
            ["GIT_CONFIG_COUNT"] = "0",
        };
    }

    public ProcessSpec Spec(IReadOnlyList<string> arguments) =>
        new("git", [.. _configuration, .. arguments]) { Environment = _environment };
}
