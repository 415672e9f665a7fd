using System.Text;
using Farm.Core.Planning;

namespace Farm.Worker.Builders;

/// <summary>
/// Writes the <c>UK_DEFCONFIG</c> file that <c>make defconfig</c> expands: kraft's order, the project name first
/// (as kraft's application kconfig carries it) and then the target's merged kconfig, one <c>KEY=VALUE</c> per line.
/// </summary>
internal static class DefconfigWriter
{
    public static string Render(string projectName, TargetJob job, IEnumerable<KeyValuePair<string, string>>? extra = null)
    {
        var text = new StringBuilder();
        text.Append("CONFIG_UK_NAME=\"").Append(projectName).Append("\"\n");
        foreach (var (key, value) in job.KConfig.Concat(extra ?? []))
        {
            text.Append(key).Append('=').Append(value).Append('\n');
        }

        return text.ToString();
    }
}
