namespace Farm.State.Settings;

/// <summary>
/// Settings a process cannot start with: one line per problem, each naming the variable and what is wrong with its
/// value. Commands print the lines and exit 2; nothing falls back to a default in silence.
/// </summary>
public sealed class SettingsException : Exception
{
    public SettingsException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems ?? []))
    {
        Problems = problems ?? [];
    }

    public SettingsException()
        : this([])
    {
    }

    public SettingsException(string message)
        : this([message])
    {
    }

    public SettingsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public IReadOnlyList<string> Problems { get; }
}
