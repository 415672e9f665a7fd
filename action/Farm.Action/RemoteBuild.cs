using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Farm.Action;

/// <summary>
/// Remote mode (<c>farm-url</c>): the workspace is uploaded as a tarball to <c>POST /api/builds</c>, authenticated by the
/// workflow's OIDC token (when the job has <c>id-token: write</c>) or <c>farm-token</c>; each target's log is streamed
/// from the farm into the job log; the step fails when the build does. Cancelling the step cancels the build.
/// </summary>
internal sealed class RemoteBuild
{
    private static readonly HashSet<string> Skipped = [".git", ".unikraft"];
    private readonly ActionInputs _inputs;
    private readonly WorkflowCommands _runner;
    private readonly Func<string, string?> _environment;
    private readonly HttpClient _http;

    public RemoteBuild(ActionInputs inputs, WorkflowCommands runner, Func<string, string?> environment, HttpClient http)
    {
        _inputs = inputs;
        _runner = runner;
        _environment = environment;
        _http = http;
    }

    public async Task<BuildReport?> RunAsync(CancellationToken cancellationToken)
    {
        var farm = new Uri(_inputs.FarmUrl!.ToString().TrimEnd('/') + "/");
        if (await TokenAsync(cancellationToken).ConfigureAwait(false) is not { } token)
        {
            return null;
        }

        _runner.Mask(token);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // The whole workspace goes up (a Kraftfile may name sources beside its directory: unikraft: ../core).
        var root = UploadRoot();
        var kraftfile = Path.GetRelativePath(root, _inputs.Kraftfile).Replace('\\', '/');
        var query = $"image={Uri.EscapeDataString(_inputs.Image!)}&kraftfile={Uri.EscapeDataString(kraftfile)}"
            + (_inputs.Targets.Count > 0 ? $"&targets={Uri.EscapeDataString(string.Join(',', _inputs.Targets))}" : string.Empty)
            + (IsPullRequest() ? "&scope=untrusted" : string.Empty);
        using var content = new ByteArrayContent(Archive(root));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        // Expect: 100-continue: a farm that refuses the size (413) says so before the archive is sent, and its reason arrives.
        using var submit = new HttpRequestMessage(HttpMethod.Post, new Uri(farm, $"api/builds?{query}")) { Content = content, Headers = { ExpectContinue = true } };
        using var submitted = await _http.SendAsync(submit, cancellationToken).ConfigureAwait(false);
        var body = await submitted.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (submitted.StatusCode != HttpStatusCode.Accepted)
        {
            ReportRefusal(submitted.StatusCode, body);
            return null;
        }

        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        _runner.Line($"unikernel-build: build {id} submitted to {farm}");
        try
        {
            return await FollowAsync(farm, id, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            using var cancel = await _http.PostAsync(new Uri(farm, $"api/builds/{id}/cancel"), null, CancellationToken.None).ConfigureAwait(false);
            _runner.Line($"unikernel-build: the step was cancelled; build {id} cancelled ({(int)cancel.StatusCode})");
            throw;
        }
    }

    /// <summary>The workspace when the workdir is inside it, else the workdir.</summary>
    private string UploadRoot()
    {
        if (_environment("GITHUB_WORKSPACE") is { Length: > 0 } workspace)
        {
            var relative = Path.GetRelativePath(workspace, _inputs.Workdir);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            {
                return Path.GetFullPath(workspace);
            }
        }

        return _inputs.Workdir;
    }

    private bool IsPullRequest() => _environment("GITHUB_EVENT_NAME") is "pull_request" or "pull_request_target";

    /// <summary>The workflow's OIDC token for the farm's URL (audience) when the job may have one, else farm-token.</summary>
    private async Task<string?> TokenAsync(CancellationToken cancellationToken)
    {
        if (_environment("ACTIONS_ID_TOKEN_REQUEST_URL") is { Length: > 0 } url && _environment("ACTIONS_ID_TOKEN_REQUEST_TOKEN") is { Length: > 0 } requestToken)
        {
            var audience = _inputs.FarmUrl!.ToString().TrimEnd('/');
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{url}&audience={Uri.EscapeDataString(audience)}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", requestToken);
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode
                && JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).RootElement.TryGetProperty("value", out var value)
                && value.GetString() is { Length: > 0 } jwt)
            {
                return jwt;
            }

            _runner.Error($"the workflow's OIDC token could not be had ({(int)response.StatusCode}); grant permissions: id-token: write, or give farm-token");
            return null;
        }

        if (_inputs.FarmToken is { } token)
        {
            return token;
        }

        _runner.Error("farm-url needs credentials: grant the job permissions: id-token: write (OIDC), or give farm-token", title: "unikernel-build");
        return null;
    }

    private void ReportRefusal(HttpStatusCode status, string body)
    {
        try
        {
            var root = JsonDocument.Parse(body).RootElement;
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                // Paths in the farm's messages are relative to the uploaded root.
                var prefix = _runner.WorkspacePath(UploadRoot());
                foreach (var error in errors.EnumerateArray().Select(e => e.GetString() ?? string.Empty))
                {
                    Annotations.Report(_runner, prefix is "." or "" ? error : $"{prefix}/{error}");
                }
            }

            var message = root.TryGetProperty("error", out var e) ? e.GetString() : body;
            if (root.TryGetProperty("refused", out var refused))
            {
                message += ": " + string.Join("; ", refused.EnumerateArray().Select(r => r.GetString()));
            }

            _runner.Error($"the farm refused the build ({(int)status}): {message}");
        }
        catch (JsonException)
        {
            _runner.Error($"the farm refused the build ({(int)status}): {body}");
        }
    }

    private async Task<BuildReport> FollowAsync(Uri farm, string id, CancellationToken cancellationToken)
    {
        var streams = new Dictionary<string, Task>();
        while (true)
        {
            var build = BuildReport.Parse(JsonDocument.Parse(await _http.GetStringAsync(new Uri(farm, $"api/builds/{id}"), cancellationToken).ConfigureAwait(false)).RootElement);
            foreach (var target in build.Targets.Where(t => t.State != "queued" && !streams.ContainsKey(t.Kernel)))
            {
                streams[target.Kernel] = StreamLogAsync(farm, id, target, cancellationToken);
            }

            if (build.State is "succeeded" or "failed" or "cancelled")
            {
                // The logs end with the targets; a little grace for the last lines.
                await Task.WhenAny(Task.WhenAll(streams.Values), Task.Delay(TimeSpan.FromSeconds(10), cancellationToken)).ConfigureAwait(false);
                return build;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Server-sent events of one target's log, each line prefixed with its platform, until <c>event: end</c>.</summary>
    private async Task StreamLogAsync(Uri farm, string id, TargetReport target, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await _http.GetStreamAsync(new Uri(farm, $"api/builds/{id}/logs?target={Uri.EscapeDataString(target.Kernel)}"), cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream);
            string? line;
            var ending = false;
            while ((line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)) is not null)
            {
                if (line == "event: end")
                {
                    ending = true;
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && !ending)
                {
                    _runner.Line($"[{target.Platform}] {line["data: ".Length..]}");
                }
                else if (line.Length == 0 && ending)
                {
                    return;
                }
            }
        }
        catch (HttpRequestException ex)
        {
            _runner.Line($"[{target.Platform}] (the log stream broke: {ex.Message})");
        }
    }

    /// <summary>The workdir as a gzipped tar, without <c>.git</c> and kraft's <c>.unikraft</c> build directories.</summary>
    internal static byte[] Archive(string root)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            void Add(string directory)
            {
                foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
                {
                    if (Skipped.Contains(entry.Name))
                    {
                        continue;
                    }

                    var name = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
                    tar.WriteEntry(entry.FullName, entry is DirectoryInfo && entry.LinkTarget is null ? name + "/" : name);
                    if (entry is DirectoryInfo && entry.LinkTarget is null)
                    {
                        Add(entry.FullName);
                    }
                }
            }

            Add(root);
        }

        return buffer.ToArray();
    }
}
