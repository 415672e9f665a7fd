using Farm.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Farm.Http;

/// <summary>
/// How large a request body may be, and the 413 that says so. Kestrel's limit (<see cref="KestrelBytes"/>) follows
/// <c>Farm__Sources__MaxMegabytes</c>; an endpoint may lower its own (<see cref="Apply"/>), and the 413 names the setting
/// that applied, whether the size was announced (<c>Content-Length</c>) or found while reading.
/// </summary>
internal static class BodyLimit
{
    public const string SourcesVariable = "Farm__Sources__MaxMegabytes";

    private const string Item = "farm.body-limit";

    /// <summary>Kestrel's own limit stays above the sources limit: the upload endpoint's exact check speaks first.</summary>
    private const long Overhead = 1 << 20;

    public static long KestrelBytes(FarmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Bytes(options.Sources.MaxMegabytes) + Overhead;
    }

    public static long Bytes(int megabytes) => (long)megabytes << 20;

    /// <summary>Sets this request's limit; before anything reads the body.</summary>
    public static void Apply(HttpContext context, int megabytes, string variable)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = Bytes(megabytes);
        }

        context.Items[Item] = (megabytes, variable);
    }

    /// <summary>The body, read whole; null when it is larger than <paramref name="megabytes"/> (announced or read).</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int megabytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limit = Bytes(megabytes);
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return null;
            }
        }

        return buffer.ToArray();
    }

    /// <summary>The 413 for this request: the limit that applied and the setting that raises it.</summary>
    public static IResult TooLarge(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (megabytes, variable) = context.Items.TryGetValue(Item, out var applied) && applied is (int m, string v)
            ? (m, v)
            : (context.RequestServices.GetRequiredService<FarmOptions>().Sources.MaxMegabytes, SourcesVariable);
        return Results.Json(
            new { error = $"the request body is larger than {megabytes} MiB ({variable})", limitBytes = Bytes(megabytes), setting = variable },
            statusCode: StatusCodes.Status413PayloadTooLarge);
    }
}
