using System.Net;

namespace Farm.Core.Oci.Distribution;

/// <summary>
/// A registry said no: the operation, the repository, the HTTP status and the registry's own error code and
/// message (<c>BLOB_UNKNOWN</c>, <c>DIGEST_INVALID</c>, ...), never a raw HTTP dump. 429 and 5xx are transient.
/// </summary>
public sealed class RegistryException : Exception
{
    public RegistryException(string repository, string operation, HttpStatusCode status, string code, string detail)
        : base($"{repository}: {operation}: {code}: {detail} (HTTP {(int)status})")
    {
        Repository = repository;
        Operation = operation;
        Status = status;
        Code = code;
        Detail = detail;
    }

    public RegistryException(string message)
        : base(message)
    {
        Repository = Operation = Code = Detail = string.Empty;
    }

    public RegistryException(string message, Exception inner)
        : base(message, inner)
    {
        Repository = Operation = Code = Detail = string.Empty;
    }

    public RegistryException()
        : this("registry error")
    {
    }

    public string Repository { get; }

    public string Operation { get; }

    public HttpStatusCode Status { get; }

    public string Code { get; }

    public string Detail { get; }

    public bool IsTransient => Status == HttpStatusCode.TooManyRequests || (int)Status >= 500;
}
