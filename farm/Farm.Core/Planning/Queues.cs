namespace Farm.Core.Planning;

/// <summary>Hangfire queue names: one per platform and architecture. Hangfire allows only lowercase letters, digits, '_' and '-'.</summary>
public static class Queues
{
    public static string For(string platform, string architecture) => $"{platform}-{architecture}";
}
