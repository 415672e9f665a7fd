using System.Text.Encodings.Web;
using System.Text.Json;
using Farm.Core.Diagnostics;
using Farm.Core.Kraftfiles;

namespace Farm.Cli;

/// <summary>The JSON form of <c>farm kraftfile check --json</c>: one array, one object per path as given.</summary>
internal static class CheckReport
{
    public static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string KindName(KraftfileKind kind) => kind == KraftfileKind.Source ? "source" : "runtime";

    public static void WriteJson(TextWriter output, IEnumerable<(string Given, KraftfileParseResult Result)> results)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, WriterOptions))
        {
            json.WriteStartArray();
            foreach (var (given, result) in results)
            {
                WriteOne(json, given, result);
            }

            json.WriteEndArray();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void WriteOne(Utf8JsonWriter json, string given, KraftfileParseResult result)
    {
        var k = result.Kraftfile;
        json.WriteStartObject();
        json.WriteString("path", given);
        json.WriteBoolean("valid", result.IsValid);
        WriteNullable(json, "spec", k?.Spec);
        WriteNullable(json, "name", k?.Name);
        WriteNullable(json, "kind", k is null ? null : KindName(k.Kind));
        WriteNullable(json, "runtime", k is { Kind: KraftfileKind.Runtime, Runtime: { } r } ? (r.IsKernelFile ? r.Written : r.Reference) : null);
        json.WriteStartArray("targets");
        foreach (var t in k?.Targets ?? [])
        {
            json.WriteStartObject();
            json.WriteString("name", t.Name);
            json.WriteString("platform", t.Platform);
            json.WriteString("architecture", t.Architecture);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteDiagnostics(json, "warnings", result.Warnings);
        WriteDiagnostics(json, "errors", result.Errors);
        json.WriteEndObject();
    }

    public static void WriteDiagnostics(Utf8JsonWriter json, string name, IEnumerable<Diagnostic> diagnostics)
    {
        json.WriteStartArray(name);
        foreach (var d in diagnostics)
        {
            json.WriteStartObject();
            json.WriteNumber("line", d.Line);
            json.WriteNumber("column", d.Column);
            json.WriteString("field", d.Field);
            json.WriteString("message", d.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
