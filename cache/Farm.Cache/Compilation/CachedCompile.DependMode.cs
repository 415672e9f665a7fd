using System.Text;
using Farm.Core.IO;

namespace Farm.Cache.Compilation;

/// <summary>A direct-mode miss in depend mode (<see cref="DependMode"/>): one compile, no preprocessor run for the key.</summary>
public sealed partial class CachedCompile
{
    private int DependMiss(string compiler, List<string> compileArguments, CompilerInvocation invocation, PrefixMap prefixes, string directKey, DateTime started)
    {
        // The build's own dependency file when it asked for one: then make gets exactly what gcc wrote.
        var temporary = invocation.DependencyFile is null ? DependMode.TemporaryDependencyFile() : null;
        try
        {
            var arguments = temporary is null ? compileArguments : [.. compileArguments, "-MD", "-MF", temporary];
            var (exitCode, stderr) = _runner.Run(compiler, arguments, _stdout, _stderr, _directory);
            if (exitCode != 0)
            {
                _events.Miss(directKey);
                return exitCode;
            }

            var dependencies = ReadDependencies(temporary ?? InPlace(invocation.DependencyFile!));
            if (dependencies is null || DependencyFile.HasEscapedNames(dependencies))
            {
                _events.Uncacheable(dependencies is null ? "dependency file unreadable" : "dependency file with escaped names");
                return 0;
            }

            var read = DependencyFile.Paths(dependencies).ToList();
            var (listing, refusal) = DirectMode.Listing(read, prefixes, _directory);
            if (listing is null)
            {
                _events.Uncacheable(refusal!);
                return 0;
            }

            var key = DependMode.Key(directKey, listing);
            _events.Miss(key);
            if (!_settings.ReadOnly && FileKinds.Of(InPlace(invocation.Output!)) == FileKind.Regular && Store(invocation, prefixes, key, stderr, started, read))
            {
                PutManifest(directKey, Encoding.UTF8.GetBytes($"{key}\n{listing}"));
            }

            return 0;
        }
        finally
        {
            if (temporary is not null)
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>The dependency file's text; null when it is not a regular file (a link or a device is not read).</summary>
    private static string? ReadDependencies(string path) =>
        FileKinds.Of(path) == FileKind.Regular ? File.ReadAllText(path) : null;
}
