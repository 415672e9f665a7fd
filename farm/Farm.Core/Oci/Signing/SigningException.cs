namespace Farm.Core.Oci.Signing;

/// <summary>
/// Signing or verification cannot start, for a reason the user fixes: a key file that is missing, not PEM, not
/// ECDSA P-256 or encrypted; key files that already exist; a reference with nothing behind it. The message names
/// the input and what to do.
/// </summary>
public sealed class SigningException : Exception
{
    public SigningException(string message)
        : base(message)
    {
    }

    public SigningException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public SigningException()
    {
    }
}
