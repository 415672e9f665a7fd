namespace Farm.Core.Yaml;

internal static class SaturatingSize
{
    public static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
