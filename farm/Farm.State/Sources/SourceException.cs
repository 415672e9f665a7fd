namespace Farm.State.Sources;

/// <summary>A source could not be resolved; the message names the component and what to do.</summary>
public sealed class SourceException : Exception
{
    public SourceException(string message)
        : base(message)
    {
    }

    public SourceException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public SourceException()
    {
    }
}
