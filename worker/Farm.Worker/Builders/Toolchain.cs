namespace Farm.Worker.Builders;

/// <summary>
/// The compiler for one target architecture: the host's own gcc (<see cref="CrossCompile"/> empty) or a cross
/// toolchain whose tools share a prefix (<c>aarch64-linux-gnu-</c>), passed to make as <c>CROSS_COMPILE</c>.
/// </summary>
internal sealed record Toolchain(string Architecture, string CrossCompile, string CompilerPath)
{
    public bool IsCross => CrossCompile.Length > 0;

    public string Compiler => CrossCompile + "gcc";
}
