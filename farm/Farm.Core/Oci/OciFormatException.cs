namespace Farm.Core.Oci;

/// <summary>A document that is not the OCI JSON it claims to be (a manifest without layers, a bad digest).</summary>
public sealed class OciFormatException : Exception
{
    public OciFormatException(string message)
        : base(message)
    {
    }

    public OciFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public OciFormatException()
    {
    }
}
