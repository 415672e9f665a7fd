namespace Farm.Worker.Sandboxing;

/// <summary>
/// The build sandbox's settings, bound from the worker's configuration (<see cref="Settings.SandboxOptions"/>): <c>Farm__Worker__Sandbox</c> (<c>on</c>, the default,
/// or <c>off</c>, only for hosts that cannot make namespaces: it refuses untrusted builds) and the limits, each per
/// sandboxed command: <c>Farm__Worker__Sandbox__MemoryMegabytes</c> (data of one process, default 4096),
/// <c>__Processes</c> (default 512), <c>__FileMegabytes</c> (largest file written, default 2048) and
/// <c>__TmpMegabytes</c> (its private /tmp, default 512). Time is each step's own deadline.
/// </summary>
internal sealed record SandboxSettings(bool Enabled, int MemoryMegabytes, int Processes, int FileMegabytes, int TmpMegabytes)
{
    public const string Variable = "Farm__Worker__Sandbox";

    public static SandboxSettings Default { get; } = new(Enabled: true, MemoryMegabytes: 4096, Processes: 512, FileMegabytes: 2048, TmpMegabytes: 512);

    /// <summary>The settings of this process (<see cref="Settings.SandboxOptions"/>), or the first problem, naming the variable.</summary>
    public static (SandboxSettings? Settings, string? Problem) FromEnvironment()
    {
        var reader = State.Settings.SettingsReader.FromEnvironment();
        var options = reader.Bind<Settings.SandboxOptions>(State.Settings.SettingDescription.ToKey(Variable));
        return reader.Problems.Count > 0 ? (null, reader.Problems[0]) : (new(options.Mode == Settings.SandboxMode.On, options.MemoryMegabytes, options.Processes, options.FileMegabytes, options.TmpMegabytes), null);
    }
}
