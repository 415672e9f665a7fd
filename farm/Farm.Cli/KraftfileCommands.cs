using System.CommandLine;
using Farm.Core.Kraftfiles;

namespace Farm.Cli;

/// <summary><c>farm kraftfile check [--json] PATH...</c>: validate Kraftfiles as kraft reads them.</summary>
internal static class KraftfileCommands
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON array with one object per PATH on stdout" };
        var paths = new Argument<string[]>("PATH")
        {
            Arity = ArgumentArity.OneOrMore,
            Description = "A Kraftfile, or a directory holding one (kraft.yaml, kraft.yml, Kraftfile.yml, Kraftfile.yaml, Kraftfile)",
        };
        var check = new Command("check", "Check Kraftfiles: every error and warning with file, line, column and field");
        check.Options.Add(json);
        check.Arguments.Add(paths);
        check.SetAction(result => Check(result.GetValue(paths) ?? [], result.GetValue(json), stdout, stderr));

        var kraftfile = new Command("kraftfile", "Work with Kraftfiles");
        kraftfile.Subcommands.Add(check);
        return kraftfile;
    }

    private static int Check(string[] paths, bool json, TextWriter stdout, TextWriter stderr)
    {
        var parser = new KraftfileParser();
        var results = paths.Select(p => (Given: p, Result: parser.Load(p))).ToList();
        if (json)
        {
            CheckReport.WriteJson(stdout, results);
        }
        else
        {
            foreach (var (given, result) in results)
            {
                foreach (var diagnostic in result.Diagnostics)
                {
                    stderr.WriteLine(diagnostic.Format());
                }

                var summary = result.Kraftfile is { } k
                    ? $"{given}: ok: {k.Name} (spec {k.Spec}, {CheckReport.KindName(k.Kind)}{Describe(k)})"
                    : $"{given}: invalid: {result.Errors.Count()} error(s)";
                stdout.WriteLine(summary);
            }
        }

        return results.TrueForAll(r => r.Result.IsValid) ? ExitCodes.Success : ExitCodes.InvalidInput;
    }

    private static string Describe(Kraftfile k) => k.Kind == KraftfileKind.Runtime
        ? $" of {k.Runtime}"
        : k.Targets.Count == 0 ? ", no targets" : ", targets " + string.Join(", ", k.Targets.Select(t => $"{t.Platform}/{t.Architecture}"));
}
