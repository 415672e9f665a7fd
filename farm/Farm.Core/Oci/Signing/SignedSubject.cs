namespace Farm.Core.Oci.Signing;

/// <summary>One digest <see cref="IndexSigning"/> signed, and what signing it did.</summary>
public sealed record SignedSubject(SignatureSubject Subject, SignatureResult Signature);
