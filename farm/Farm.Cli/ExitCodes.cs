namespace Farm.Cli;

/// <summary>What every <c>farm</c> command exits with.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The input is invalid (a Kraftfile has errors, a registry refused, a file is missing).</summary>
    public const int InvalidInput = 1;

    /// <summary>An unknown command or option, a missing argument.</summary>
    public const int UsageError = 2;

    /// <summary>A bug, reported in one line without a stack trace (sysexits' EX_SOFTWARE).</summary>
    public const int InternalError = 70;
}
