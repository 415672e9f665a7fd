namespace Farm.Cache.Compilation;

/// <summary>
/// Where a cached compile runs the real compiler: in farm-cc's own process tree (<see cref="LocalCompilerRunner"/>), or,
/// for the resident helper, in the caller's (<see cref="Resident.FrontCompilerRunner"/>), with its environment, limits
/// and sandbox.
/// </summary>
public interface ICompilerRunner
{
    /// <summary>Runs the compiler, its stdout and stderr reaching the build; returns its exit code and its stderr.</summary>
    (int ExitCode, string Stderr) Run(string compiler, IEnumerable<string> arguments, TextWriter stdout, TextWriter stderr, string workingDirectory);
}

/// <summary>The compiler as a child of this process.</summary>
public sealed class LocalCompilerRunner : ICompilerRunner
{
    public static LocalCompilerRunner Instance { get; } = new();

    public (int ExitCode, string Stderr) Run(string compiler, IEnumerable<string> arguments, TextWriter stdout, TextWriter stderr, string workingDirectory) =>
        CompilerProcess.Run(compiler, arguments, stdout, stderr, workingDirectory);
}
