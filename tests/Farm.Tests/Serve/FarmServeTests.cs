using System.Net;
using System.Text;
using System.Text.Json;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Support;

namespace Farm.Tests.Serve;

/// <summary>
/// The farm as it is deployed: <c>farm serve</c> and two <c>worker serve</c> processes with different queues, on a
/// real PostgreSQL and a real registry. A build submitted through the API fans out to the workers that serve each
/// target's queue, and fans in to one index in the registry.
/// </summary>
public sealed class FarmServeTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-serve-").FullName;
    private SourceRepository _source = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _source = await SourceRepository.CreateAsync(
            Path.Combine(_work, "src"),
            Ct,
            ("hang", new Dictionary<string, string>
            {
                ["Kraftfile"] = "spec: v0.6\nname: hang\nunikraft: ../fixture-core\ntargets:\n- qemu/x86_64\nx-farm:\n  smoke:\n    timeout: 10m\n",
                ["Makefile.uk"] = File.ReadAllText(Path.Combine(Shared.ProjectReferences.RepositoryRoot(), "tests", "Farm.Worker.Tests", "Apps", "hang", "Makefile.uk")),
                ["main.c"] = File.ReadAllText(Path.Combine(Shared.ProjectReferences.RepositoryRoot(), "tests", "Farm.Worker.Tests", "Apps", "hang", "main.c")),
            }),
            ("broken", new Dictionary<string, string> { ["Kraftfile"] = "spec: v0.6\nname: broken\nunikraft: ../fixture-core\ntargets:\n- qemu/x87\n" }));
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Build_FansOutToTheWorkersThatServeEachQueue_AndPublishesOneIndex()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartAsync();
        var image = $"{registry.Host}/apps/hello:v1";

        using var anonymous = new HttpClient { BaseAddress = farm.Http.BaseAddress };
        var unauthorised = await anonymous.PostAsync("/api/builds", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        // Without Farm__GitHub__WebhookSecret there is no webhook endpoint at all: nothing unsigned can be accepted.
        var webhook = await anonymous.PostAsync("/api/github/webhooks", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        var id = await farm.SubmitAsync(_source.Url, _source.Commit, "helloworld/Kraftfile", image, ["qemu/x86_64", "qemu/arm64", "linuxu/x86_64"], Ct);
        var build = await farm.WaitAsync(id, Ct);
        var log = await farm.Http.GetStringAsync($"/api/builds/{id}/logs?target=qemu/arm64", Ct);
        var workers = await FarmCluster.JsonAsync(await farm.Http.GetAsync("/api/workers", Ct), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, webhook.StatusCode);
        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        var targets = build.GetProperty("targets").EnumerateArray().ToDictionary(t => $"{t.GetProperty("platform").GetString()}/{t.GetProperty("architecture").GetString()}");
        Assert.Equal("x86", targets["qemu/x86_64"].GetProperty("worker").GetString());
        Assert.Equal("x86", targets["linuxu/x86_64"].GetProperty("worker").GetString());
        Assert.Equal("arm", targets["qemu/arm64"].GetProperty("worker").GetString());
        Assert.All(targets.Values, t => Assert.True(t.GetProperty("cache").GetProperty("misses").GetInt64() > 0, t.ToString()));
        Assert.Contains("data: farm: helloworld_qemu-arm64: smoke test passed", log, StringComparison.Ordinal);
        Assert.EndsWith("event: end\ndata: \n\n", log, StringComparison.Ordinal);
        Assert.Equal(["arm", "x86"], workers.EnumerateArray().Select(w => w.GetProperty("name").GetString()).Order());

        // The registry holds the index the API reports, listing the three manifests.
        var repository = new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true }), "apps/hello");
        var fetched = await repository.TryGetManifestAsync("v1", Ct);
        Assert.Equal(build.GetProperty("indexDigest").GetString(), Digest.Of(fetched!.Bytes).Value);
        Assert.Equal(targets.Values.Select(t => t.GetProperty("manifestDigest").GetString()).Order(), ImageIndex.Parse(fetched.Bytes).Manifests.Select(m => m.Digest.Value).Order());
    }

    [Fact]
    public async Task Build_NextCommitOfAnApp_IsBuiltInPlace_CompilingOnlyWhatChanged()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await FarmCluster.StartAsync(postgres, Path.Combine(_work, "farm"), Ct);
        await farm.StartWorkerAsync("x86", ["qemu-x86_64"], Ct);
        var first = await farm.WaitAsync(await farm.SubmitAsync(_source.Url, _source.Commit, "helloworld/Kraftfile", $"{registry.Host}/apps/hello:v1", ["qemu/x86_64"], Ct), Ct);

        // The next commit changes one source file: a new checkout (trees/<tree id>), built from the same directory.
        await File.AppendAllTextAsync(Path.Combine(_source.Directory, "helloworld", "main.c"), "\nint farm_second_commit;\n", Ct);
        await SourceRepository.GitAsync(_source.Directory, Ct, "-c", "user.email=farm@example.invalid", "-c", "user.name=farm", "commit", "-qam", "one file changed");
        var commit = (await SourceRepository.GitAsync(_source.Directory, Ct, "rev-parse", "HEAD")).Trim();
        var second = await farm.WaitAsync(await farm.SubmitAsync(_source.Url, commit, "helloworld/Kraftfile", $"{registry.Host}/apps/hello:v2", ["qemu/x86_64"], Ct), Ct);

        Assert.True(first.GetProperty("state").GetString() == "succeeded", first.ToString());
        Assert.True(second.GetProperty("state").GetString() == "succeeded", second.ToString());
        static long Compiles(JsonElement build) => build.GetProperty("targets")[0].GetProperty("cache") is var c ? c.GetProperty("hits").GetInt64() + c.GetProperty("misses").GetInt64() : 0;
        Assert.True(Compiles(first) > 1, first.ToString());
        var log = await farm.Http.GetStringAsync($"/api/builds/{second.GetProperty("id").GetString()}/logs?target=qemu/x86_64", Ct);
        // main.c, and buildinfo.c, which depends on every object (as Unikraft's libukboot does).
        var compiled = log.Split('\n').Where(l => l.StartsWith("data:   CC ", StringComparison.Ordinal)).Select(l => l["data:   CC ".Length..].Trim());
        Assert.Equal(["apphelloworld: main.c", "libukboot: buildinfo.c"], compiled.Order(StringComparer.Ordinal));
        Assert.True(Compiles(second) == 2, log);
        Assert.NotEqual(first.GetProperty("targets")[0].GetProperty("manifestDigest").GetString(), second.GetProperty("targets")[0].GetProperty("manifestDigest").GetString());
    }

    [Fact]
    public async Task Cancel_ARunningBuild_StopsItsTarget_AndPublishesNothing()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartAsync();
        var id = await farm.SubmitAsync(_source.Url, _source.Commit, "hang/Kraftfile", $"{registry.Host}/apps/hang:v1", [], Ct);
        await farm.WaitForPhaseAsync(id, "smoke", Ct);

        var cancelled = await farm.Http.PostAsync($"/api/builds/{id}/cancel", null, Ct);
        var again = await farm.Http.PostAsync($"/api/builds/{id}/cancel", null, Ct);
        var build = await farm.WaitAsync(id, Ct);
        var log = await farm.Http.GetStringAsync($"/api/builds/{id}/logs?target=qemu/x86_64", Ct);

        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("cancelled", build.GetProperty("state").GetString());
        Assert.Equal("cancelled", build.GetProperty("targets")[0].GetProperty("state").GetString());
        Assert.Contains("booting on", log, StringComparison.Ordinal);
        var repository = new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true }), "apps/hang");
        Assert.Null(await repository.TryGetManifestAsync("v1", Ct));

        // The worker stopped the boot instead of waiting out the 10 minute smoke timeout: it takes the next job.
        var next = await farm.SubmitAsync(_source.Url, _source.Commit, "helloworld/Kraftfile", $"{registry.Host}/apps/hello:v1", ["qemu/x86_64"], Ct);
        Assert.Equal("succeeded", (await farm.WaitAsync(next, Ct, minutes: 2)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task UploadedTar_IsBuiltLikeAGitSource_AndAHostileOneIsRefusedByEntry()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartAsync();
        var archive = Path.Combine(_work, "src.tar");
        System.Formats.Tar.TarFile.CreateFromDirectory(_source.Directory, archive, includeBaseDirectory: false);
        using var hostile = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(hostile, leaveOpen: true))
        {
            writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "../escape") { DataStream = new MemoryStream("x"u8.ToArray()) });
        }

        var submitted = await farm.Http.PostAsync($"/api/builds?image={registry.Host}/apps/upload:v1&kraftfile=helloworld/Kraftfile&targets=linuxu/x86_64", Tar(File.ReadAllBytes(archive)), Ct);
        var refused = await farm.Http.PostAsync($"/api/builds?image={registry.Host}/apps/evil:v1", Tar(hostile.ToArray()), Ct);
        var build = await farm.WaitAsync((await FarmCluster.JsonAsync(submitted, Ct)).GetProperty("id").GetString()!, Ct);

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("../escape", (await FarmCluster.JsonAsync(refused, Ct)).GetProperty("refused")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadOf50MB_IsKeptInTheSourceStoreByDigest_TheDatabaseGrowsByLessThan1MB_AndWorkersBuildFromTheStore()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var store = ("Farm__Sources__Store", $"{registry.Host}/farm/sources");
        await using var farm = await FarmCluster.StartAsync(postgres, Path.Combine(_work, "big"), Ct, store);
        await farm.StartWorkerAsync("x86", ["linuxu-x86_64"], Ct, store);
        var tree = Path.Combine(_work, "big-tree");
        CopyDirectory(_source.Directory, tree);
        var noise = new byte[50 << 20];
        new Random(7).NextBytes(noise);
        await File.WriteAllBytesAsync(Path.Combine(tree, "helloworld", "assets.bin"), noise, Ct);
        using var archive = new MemoryStream();
        await System.Formats.Tar.TarFile.CreateFromDirectoryAsync(tree, archive, includeBaseDirectory: false, Ct);
        var bytes = archive.ToArray();
        var before = await farm.DatabaseSizeAsync(Ct);

        var submitted = await farm.Http.PostAsync($"/api/builds?image={registry.Host}/apps/big:v1&kraftfile=helloworld/Kraftfile&targets=linuxu/x86_64", Tar(bytes), Ct);
        var build = await farm.WaitAsync((await FarmCluster.JsonAsync(submitted, Ct)).GetProperty("id").GetString()!, Ct);
        var grown = await farm.DatabaseSizeAsync(Ct) - before;

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        Assert.True(grown < 1 << 20, $"the database grew by {grown} bytes for a {bytes.Length}-byte upload");
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var sources = new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true }), "farm/sources");
        Assert.True(await sources.BlobExistsAsync(Digest.Parse(digest), Ct), $"{digest} is not in the source store");
        Assert.Contains(Farm.State.Sources.UploadStore.Tag(digest), await sources.ListTagsAsync(Ct));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    private static ByteArrayContent Tar(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-tar");
        return content;
    }

    [Fact]
    public async Task Submit_BadRequests_Get400WithTheReason_AndABadCommitOrKraftfileFailsTheBuild()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartAsync();
        StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
        string Body(string image, string kraftfile, string commit) =>
            JsonSerializer.Serialize(new { source = new { git = _source.Url, commit }, kraftfile, image });

        var notJson = await farm.Http.PostAsync("/api/builds", Json("{"), Ct);
        var noImage = await farm.Http.PostAsync("/api/builds", Json($"{{\"source\":{{\"git\":\"{_source.Url}\",\"commit\":\"{_source.Commit}\"}}}}"), Ct);
        var badKraftfile = await farm.Http.PostAsync("/api/builds", Json(Body($"{registry.Host}/apps/broken:v1", "broken/Kraftfile", _source.Commit)), Ct);
        var unknownCommit = await farm.Http.PostAsync("/api/builds", Json(Body($"{registry.Host}/apps/x:v1", "helloworld/Kraftfile", new string('0', 40))), Ct);
        var escape = await farm.Http.PostAsync("/api/builds", Json(Body($"{registry.Host}/apps/x:v1", "../etc/Kraftfile", _source.Commit)), Ct);
        var unknownBuild = await farm.Http.GetAsync("/api/builds/nope", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Contains("not JSON", (await FarmCluster.JsonAsync(notJson, Ct)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noImage.StatusCode);
        Assert.Contains("image", (await FarmCluster.JsonAsync(noImage, Ct)).GetProperty("error").GetString(), StringComparison.Ordinal);
        // The commit is fetched and the Kraftfile read after the 202, by a control job: what is wrong with them fails the build.
        Assert.Equal(HttpStatusCode.Accepted, badKraftfile.StatusCode);
        var broken = await farm.WaitAsync((await FarmCluster.JsonAsync(badKraftfile, Ct)).GetProperty("id").GetString()!, Ct, minutes: 2);
        Assert.Equal("failed", broken.GetProperty("state").GetString());
        Assert.Contains("broken/Kraftfile:5:", broken.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("x87", broken.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(broken.GetProperty("targets").EnumerateArray());
        Assert.Equal(HttpStatusCode.Accepted, unknownCommit.StatusCode);
        var unknown = await farm.WaitAsync((await FarmCluster.JsonAsync(unknownCommit, Ct)).GetProperty("id").GetString()!, Ct, minutes: 2);
        Assert.Equal("failed", unknown.GetProperty("state").GetString());
        Assert.StartsWith("source: ", unknown.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, escape.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownBuild.StatusCode);
    }

    private async Task<FarmCluster> StartAsync()
    {
        var farm = await FarmCluster.StartAsync(postgres, Path.Combine(_work, Guid.NewGuid().ToString("N")[..8]), Ct);
        await farm.StartWorkerAsync("x86", ["qemu-x86_64", "linuxu-x86_64"], Ct);
        await farm.StartWorkerAsync("arm", ["qemu-arm64"], Ct);
        return farm;
    }
}
