using System.Text;
using System.Text.Json;
using Farm.Core.Oci;

namespace Farm.Core.Builds;

/// <summary>A packaged target's index entry as the store keeps it: the descriptor's JSON.</summary>
public static class IndexEntries
{
    public static string ToJson(Descriptor descriptor) =>
        Encoding.UTF8.GetString(OciJson.Serialize(json => OciJson.WriteDescriptor(json, descriptor)));

    public static Descriptor Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return OciJson.ReadDescriptor(document.RootElement);
    }
}
