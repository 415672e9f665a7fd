namespace Farm.Cache.Compilation;

/// <summary>
/// A compiler command line, understood well enough to cache it: exactly one source compiled with <c>-c</c> into one
/// object, and where its dependency file goes (<c>-MD</c>/<c>-MMD</c> with <c>-MF</c>, or <c>-Wp,-MD,FILE</c> as
/// Unikraft writes it). Anything else is <see cref="UncacheableReason"/> and runs uncached.
/// </summary>
public sealed record CompilerInvocation
{
    private static readonly HashSet<string> SourceExtensions = new(StringComparer.Ordinal) { ".c", ".S", ".s", ".cc", ".cpp", ".cxx" };

    // Options whose next argument is a value, so that the value is not taken for a source file.
    private static readonly HashSet<string> TakesValue = new(StringComparer.Ordinal)
    {
        "-o", "-MF", "-MT", "-MQ", "-I", "-D", "-U", "-include", "-imacros", "-isystem", "-iquote", "-idirafter", "-x", "-L", "-l",
        "-Xassembler", "-Xlinker", "-Xpreprocessor", "-T", "-aux-info", "--param", "-isysroot", "-target", "--sysroot",
    };

    public required string Compiler { get; init; }

    public required IReadOnlyList<string> Arguments { get; init; }

    public string? Source { get; init; }

    public string? Output { get; init; }

    /// <summary>Where the compiler writes the dependency file, when the command asks for one.</summary>
    public string? DependencyFile { get; init; }

    /// <summary>The arguments that shape the object: without <c>-o</c>, the dependency options and the source.</summary>
    public IReadOnlyList<string> ShapingArguments { get; init; } = [];

    /// <summary>The arguments for running the preprocessor alone (<c>-E</c> to stdout, no dependency file).</summary>
    public IReadOnlyList<string> PreprocessArguments { get; init; } = [];

    public string? UncacheableReason { get; init; }

    public bool IsCacheable => UncacheableReason is null;

    /// <summary>The language <c>-x</c> names, when given.</summary>
    public string? ExplicitLanguage => Arguments.Select((a, i) => (a, i)).Where(p => p.a == "-x" && p.i + 1 < Arguments.Count).Select(p => Arguments[p.i + 1]).LastOrDefault();

    /// <summary>Assembly the preprocessor never sees: <c>.s</c>, or <c>-x assembler</c>; its bytes are the input.</summary>
    public bool IsAssemblyWithoutPreprocessor => ExplicitLanguage switch
    {
        "assembler" => true,
        null => Source?.EndsWith(".s", StringComparison.Ordinal) == true,
        _ => false,
    };

    /// <summary>Assembly of any kind: its <c>.include</c> and <c>.incbin</c> read files the key cannot see.</summary>
    public bool IsAssembly => ExplicitLanguage is "assembler" or "assembler-with-cpp"
        || (ExplicitLanguage is null && (Source?.EndsWith(".s", StringComparison.Ordinal) == true || Source?.EndsWith(".S", StringComparison.Ordinal) == true));

    public static CompilerInvocation Parse(string compiler, IReadOnlyList<string> arguments)
    {
        var invocation = new CompilerInvocation { Compiler = compiler, Arguments = arguments };
        string? source = null, output = null, dependencyFile = null, reason = null;
        var compileOnly = false;
        var wantsDependencies = false;
        var shaping = new List<string>();
        var preprocess = new List<string>();
        for (var i = 0; i < arguments.Count && reason is null; i++)
        {
            var argument = arguments[i];
            string? Next() => i + 1 < arguments.Count ? arguments[++i] : null;
            switch (argument)
            {
                case "-c":
                    compileOnly = true;
                    shaping.Add(argument);
                    continue;
                case "-o":
                    output = Next() ?? Set(ref reason, "-o without a file");
                    continue;
                case "-MD" or "-MMD":
                    wantsDependencies = true;
                    shaping.Add(argument);
                    continue;
                case "-MF":
                    dependencyFile = Next() ?? Set(ref reason, "-MF without a file");
                    continue;
                case "-MP":
                    shaping.Add(argument);
                    continue;
                case "-MT" or "-MQ":
                    shaping.Add(argument);
                    shaping.Add(Next() ?? Set(ref reason, $"{argument} without a target")!);
                    continue;
                case "-E" or "-S" or "-M" or "-MM":
                    reason = $"{argument} (not a compile to an object)";
                    continue;
                case "-" or "-save-temps" or "--coverage" or "-fprofile-arcs" or "-ftest-coverage":
                    reason = $"{argument} is not cacheable";
                    continue;
            }

            if (argument.StartsWith('@'))
            {
                reason = "@file arguments";
                continue;
            }

            if (argument.StartsWith("-Wp,-MD,", StringComparison.Ordinal) || argument.StartsWith("-Wp,-MMD,", StringComparison.Ordinal))
            {
                wantsDependencies = true;
                dependencyFile = argument[(argument.IndexOf(',', 4) + 1)..];
                shaping.Add(argument.StartsWith("-Wp,-MD,", StringComparison.Ordinal) ? "-Wp,-MD" : "-Wp,-MMD");
                continue;
            }

            if (argument.StartsWith("-Wp,", StringComparison.Ordinal) && (argument.Contains("-M", StringComparison.Ordinal)))
            {
                reason = $"{argument} (a dependency option farm-cc does not know)";
                continue;
            }

            if (argument.StartsWith("-o", StringComparison.Ordinal) && argument.Length > 2)
            {
                output = argument[2..];
                continue;
            }

            if (argument.StartsWith("-MF", StringComparison.Ordinal) && argument.Length > 3)
            {
                dependencyFile = argument[3..];
                continue;
            }

            if (!argument.StartsWith('-') && SourceExtensions.Contains(Path.GetExtension(argument)))
            {
                if (source is not null)
                {
                    reason = "more than one source file";
                    continue;
                }

                source = argument;
                continue;
            }

            shaping.Add(argument);
            preprocess.Add(argument);
            if (TakesValue.Contains(argument) && i + 1 < arguments.Count)
            {
                shaping.Add(arguments[++i]);
                preprocess.Add(arguments[i]);
            }
        }

        // Standard output is not a file farm-cc can write a hit to.
        reason ??= output == "-" ? "-o - (output to standard output)" : dependencyFile == "-" ? "-MF - (dependencies to standard output)" : null;
        reason ??= !compileOnly ? "no -c (a link or a preprocess)" : source is null ? "no source file" : null;
        if (reason is null && dependencyFile is null && wantsDependencies)
        {
            dependencyFile = Path.ChangeExtension(output ?? Path.GetFileName(source!), ".d");
        }

        output ??= source is null ? null : Path.ChangeExtension(Path.GetFileName(source), ".o");
        return invocation with
        {
            Source = source,
            Output = output,
            DependencyFile = dependencyFile,
            ShapingArguments = shaping,
            PreprocessArguments = source is null ? [] : [.. preprocess, "-E", source],
            UncacheableReason = reason,
        };
    }

    private static string? Set(ref string? reason, string why)
    {
        reason = why;
        return null;
    }
}
