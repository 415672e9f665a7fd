using System.Net;
using System.Text;
using System.Text.Json;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Support;
using Npgsql;

namespace Farm.Tests.Serve;

/// <summary>
/// Attacks through a served farm: a real <c>farm serve</c>, <c>worker serve</c>, PostgreSQL and registry. A pull
/// request's build prints what its worker would leak; a job row forged in the database names a hostile git URL.
/// Each test fails if the attack works.
/// </summary>
public sealed class UntrustedBuildAttackTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-attack-").FullName;
    private SourceRepository _source = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _source = await SourceRepository.CreateAsync(
            Path.Combine(_work, "src"),
            withHelloworld: false,
            Ct,
            ("leak", SourceRepository.HelloworldWith(
                "spec: v0.6\nname: leak\nunikraft: ../fixture-core\ntargets:\n- qemu/x86_64\n",
                "$(info LEAK: $(shell env | sed 's/^/ENV=/'))\n")));
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task UntrustedBuild_PrintsTheWorkersEnvironment_ItsLogHoldsNoSecretNorCachePath()
    {
        var secret = "s3cret-" + Guid.NewGuid().ToString("N");
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await FarmCluster.StartAsync(postgres, Path.Combine(_work, "farm"), Ct);
        await farm.StartWorkerAsync("w", ["qemu-x86_64"], Ct, ("Farm__Worker__Secret", secret), ("ConnectionStrings__Redis", $"127.0.0.1:1,password={secret}"));

        var id = await SubmitAsync(farm, _source.Url, _source.Commit, $"{registry.Host}/prs/leak:1");
        var build = await farm.WaitAsync(id, Ct);
        var log = await farm.Http.GetStringAsync($"/api/builds/{id}/logs?target=qemu/x86_64", Ct);

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        Assert.Contains("ENV=PATH=", log, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
        Assert.DoesNotContain("ENV=ConnectionStrings", log, StringComparison.Ordinal);
        Assert.DoesNotContain(farm.Database, log, StringComparison.Ordinal);
        var environment = string.Join('\n', log.Split('\n').Where(l => l.Contains("LEAK:", StringComparison.Ordinal)));
        Assert.DoesNotContain("ENV=FARM_CACHE_DIR", environment, StringComparison.Ordinal);
        // The build's own directories (its sources, its build directory) are what it sees anyway; the object cache is not.
        Assert.DoesNotContain(Path.Combine(_work, "farm", "w", "objects"), environment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedJobRow_NamingAHostileGitUrl_IsRefusedByTheWorker()
    {
        var marker = Path.Combine(_work, "forged-marker");
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await FarmCluster.StartAsync(postgres, Path.Combine(_work, "farm"), Ct);
        var id = await SubmitAsync(farm, _source.Url, _source.Commit, $"{registry.Host}/prs/leak:2");
        await WaitPlannedAsync(farm, id);

        // Whoever can write the farm's database (not the API) rewrites the job before any worker takes it.
        await using (var database = NpgsqlDataSource.Create(farm.Database))
        {
            await using var command = database.CreateCommand("UPDATE farm.builds SET git_url = $1 WHERE id = $2");
            command.Parameters.AddWithValue($"--upload-pack=touch {marker}");
            command.Parameters.AddWithValue(id);
            Assert.Equal(1, await command.ExecuteNonQueryAsync(Ct));
        }

        await farm.StartWorkerAsync("w", ["qemu-x86_64"], Ct);
        var build = await farm.WaitAsync(id, Ct);

        Assert.False(File.Exists(marker), "git ran the forged --upload-pack command");
        Assert.True(build.GetProperty("state").GetString() == "failed", build.ToString());
        var reason = build.GetProperty("targets")[0].GetProperty("reason").GetString();
        Assert.True(reason?.Contains("git would read it as an option", StringComparison.Ordinal) == true, build.ToString());
    }

    /// <summary>Until the farm has resolved and planned the build: its target waits in its queue, with no worker yet.</summary>
    private static async Task WaitPlannedAsync(FarmCluster farm, string id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await farm.GetAsync(id, Ct)) is var build && build.GetProperty("state").GetString() == "resolving")
        {
            Assert.True(DateTime.UtcNow < deadline, build.ToString());
            await Task.Delay(100, Ct);
        }
    }

    private static async Task<string> SubmitAsync(FarmCluster farm, string url, string commit, string image)
    {
        var body = JsonSerializer.Serialize(new { source = new { git = url, commit }, kraftfile = "leak/Kraftfile", image, scope = "untrusted" });
        using var response = await farm.Http.PostAsync("/api/builds", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        var json = await FarmCluster.JsonAsync(response, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, json.ToString());
        return json.GetProperty("id").GetString()!;
    }
}
