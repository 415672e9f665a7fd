namespace Farm.Core.Kraftfiles;

public enum KraftfileKind
{
    /// <summary>Builds the kernel from source (<c>unikraft:</c> or a <c>template:</c>).</summary>
    Source,

    /// <summary>Reuses a pre-built kernel from a runtime image (<c>runtime:</c>, or nothing at all).</summary>
    Runtime,
}
