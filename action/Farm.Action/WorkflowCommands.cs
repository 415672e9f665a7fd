using System.Text;

namespace Farm.Action;

/// <summary>
/// How an action talks to the runner: outputs appended to <c>$GITHUB_OUTPUT</c>, Markdown to
/// <c>$GITHUB_STEP_SUMMARY</c>, and workflow commands on stdout (<c>::error file=F,line=L,col=C::message</c>,
/// <c>::group::</c>, <c>::add-mask::</c>). Without those files (a run outside Actions) outputs go to stdout.
/// </summary>
internal sealed class WorkflowCommands
{
    private readonly Func<string, string?> _environment;
    private readonly TextWriter _stdout;

    public WorkflowCommands(Func<string, string?> environment, TextWriter stdout)
    {
        _environment = environment;
        _stdout = stdout;
    }

    public void Output(string name, string value)
    {
        if (_environment("GITHUB_OUTPUT") is not { Length: > 0 } file)
        {
            _stdout.WriteLine($"output {name}={value}");
            return;
        }

        // The heredoc form carries any value, multi-line included; the delimiter never occurs in it.
        var delimiter = $"ghadelimiter_{Guid.NewGuid():N}";
        File.AppendAllText(file, value.Contains('\n', StringComparison.Ordinal)
            ? $"{name}<<{delimiter}\n{value}\n{delimiter}\n"
            : $"{name}={value}\n");
    }

    public void Summary(string markdown)
    {
        if (_environment("GITHUB_STEP_SUMMARY") is { Length: > 0 } file)
        {
            File.AppendAllText(file, markdown);
        }
        else
        {
            _stdout.Write(markdown);
        }
    }

    public void Error(string message, string? file = null, int? line = null, int? column = null, string? title = null)
    {
        var properties = new List<string>();
        if (file is not null)
        {
            properties.Add($"file={EscapeProperty(file)}");
        }

        if (line is { } l)
        {
            properties.Add($"line={l}");
        }

        if (column is { } c)
        {
            properties.Add($"col={c}");
        }

        if (title is not null)
        {
            properties.Add($"title={EscapeProperty(title)}");
        }

        _stdout.WriteLine($"::error{(properties.Count > 0 ? " " + string.Join(',', properties) : string.Empty)}::{EscapeData(message)}");
    }

    public void Mask(string secret) => _stdout.WriteLine($"::add-mask::{EscapeData(secret)}");

    public void Group(string title) => _stdout.WriteLine($"::group::{EscapeData(title)}");

    public void EndGroup() => _stdout.WriteLine("::endgroup::");

    public void Line(string text) => _stdout.WriteLine(text);

    /// <summary>A path as the runner shows it: relative to the workspace when inside it.</summary>
    public string WorkspacePath(string path)
    {
        var workspace = _environment("GITHUB_WORKSPACE");
        if (workspace is { Length: > 0 })
        {
            var relative = Path.GetRelativePath(workspace, path);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            {
                return relative;
            }
        }

        return path;
    }

    // The runner's own escaping (toolkit/core command.ts).
    private static string EscapeData(string text) =>
        new StringBuilder(text).Replace("%", "%25").Replace("\r", "%0D").Replace("\n", "%0A").ToString();

    private static string EscapeProperty(string text) =>
        new StringBuilder(EscapeData(text)).Replace(":", "%3A").Replace(",", "%2C").ToString();
}
