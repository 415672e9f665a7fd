using System.Formats.Tar;
using System.Net;
using System.Text;
using System.Text.Json;
using Farm.Tests.Support;

namespace Farm.Tests.Serve;

/// <summary>
/// Hostile sources against <c>farm serve</c> as deployed: each test is one attack, and fails if the attack works (its
/// marker file appears, the answer is not a 400 naming the reason, a path outside the checkout is accepted).
/// </summary>
public sealed class SourceAttackTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private const string Image = "127.0.0.1:5000/apps/evil:v1";
    private readonly string _work = Directory.CreateTempSubdirectory("farm-attack-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Marker => Path.Combine(_work, "pwned");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Submit_UploadPackUrl_Is400AndRunsNothing()
    {
        await using var farm = await StartAsync();
        var (status, body) = await SubmitGitAsync(farm, $"--upload-pack=touch {Marker}", new string('a', 40));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"source.git: '--upload-pack=touch {Marker}' starts with '-': git would read it as an option", body.GetProperty("error").GetString());
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task Submit_ConfigOptionUrl_Is400AndRunsNothing()
    {
        await using var farm = await StartAsync();
        var (status, body) = await SubmitGitAsync(farm, $"-ccore.sshCommand=touch {Marker}", new string('a', 40));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("source.git: '-ccore.sshCommand=", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task Submit_ExtUrl_Is400AndRunsNothing()
    {
        await using var farm = await StartAsync();
        var (status, body) = await SubmitGitAsync(farm, $"ext::sh -c touch% {Marker}", new string('a', 40));
        var (helperStatus, helper) = await SubmitGitAsync(farm, $"ext::touch%{Marker}", new string('a', 40));

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (status, helperStatus));
        Assert.StartsWith("source.git: 'ext::sh -c touch% ", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("names a git remote helper", helper.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task Submit_FileUrlOnTheDefaultAllowList_Is400()
    {
        var source = await SourceRepository.CreateAsync(Path.Combine(_work, "src"), Ct);
        await using var farm = await FarmCluster.StartWithDefaultSourcesAsync(postgres, Path.Combine(_work, "farm"), Ct);

        var (status, body) = await SubmitGitAsync(farm, source.Url, source.Commit);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"source.git: '{source.Url}' is not allowed by Farm__Sources__Allow (allowed: https://*, ssh://*, git@*)", body.GetProperty("error").GetString());
        Assert.False(Directory.Exists(Path.Combine(_work, "farm", "farm-cache", "sources", "git")));
    }

    [Fact]
    public async Task Submit_CommitStartingWithDash_Is400()
    {
        var source = await SourceRepository.CreateAsync(Path.Combine(_work, "src"), Ct);

        await using var farm = await StartAsync();

        var (status, body) = await SubmitGitAsync(farm, source.Url, $"--upload-pack=touch {Marker}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("source.commit: version '--upload-pack=", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public async Task Submit_RootfsEtc_FailsTheBuildLocated()
    {
        var reason = await KraftfileFailureAsync("rootfs: /etc\n");

        Assert.EndsWith(": evil/Kraftfile:4:9: error: rootfs: '/etc' leaves the source tree; name a path inside the repository", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_RootfsDotDot_FailsTheBuildLocated()
    {
        var reason = await KraftfileFailureAsync("rootfs: ../..\n");

        Assert.EndsWith(": evil/Kraftfile:4:9: error: rootfs: '../..' leaves the source tree; name a path inside the repository", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_UnikraftSourceOutsideTheCheckout_FailsTheBuildLocated()
    {
        var reason = await KraftfileFailureAsync(string.Empty, unikraft: "\n  source: ../../..");

        Assert.EndsWith(": evil/Kraftfile:4:3: error: unikraft: '../../..' leaves the source tree; name a path inside the repository", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_RepositoryWithAnAbsoluteSymlink_FailsTheBuildNamingTheLink()
    {
        Directory.CreateDirectory(Path.Combine(_work, "src"));
        File.CreateSymbolicLink(Path.Combine(_work, "src", "x"), "/etc");
        var source = await SourceRepository.CreateAsync(Path.Combine(_work, "src"), Ct);

        await using var farm = await StartAsync();

        var (status, body) = await SubmitGitAsync(farm, source.Url, source.Commit);
        var build = await farm.WaitAsync(body.GetProperty("id").GetString()!, Ct, minutes: 2);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("failed", build.GetProperty("state").GetString());
        Assert.Contains("x: a symbolic link to /etc, outside the directory", build.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TarEntryType.RegularFile, "/etc/evil", null)]
    [InlineData(TarEntryType.SymbolicLink, "etc", "/etc")]
    [InlineData(TarEntryType.SymbolicLink, "up", "../../..")]
    [InlineData(TarEntryType.HardLink, "passwd", "/etc/passwd")]
    [InlineData(TarEntryType.HardLink, "shadow", "../../etc/shadow")]
    [InlineData(TarEntryType.CharacterDevice, "mem", null)]
    [InlineData(TarEntryType.Fifo, "fifo", null)]
    public async Task Upload_HostileEntry_Is400NamingTheEntry(TarEntryType type, string name, string? linkName)
    {
        using var archive = new MemoryStream();
        using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "Kraftfile") { DataStream = new MemoryStream("spec: v0.6\nname: evil\nunikraft: stable\n"u8.ToArray()) });
            var entry = new PaxTarEntry(type, name);
            if (linkName is not null)
            {
                entry.LinkName = linkName;
            }

            writer.WriteEntry(entry);
        }

        var content = new ByteArrayContent(archive.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-tar");
        await using var farm = await FarmCluster.StartAsync(postgres, Path.Combine(_work, "farm"), Ct);
        var response = await farm.Http.PostAsync($"/api/builds?image={Image}", content, Ct);
        var body = await FarmCluster.JsonAsync(response, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(name + ":", body.GetProperty("refused")[0].GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists("/etc/evil"));
    }

    private async Task<FarmCluster> StartAsync() =>
        await FarmCluster.StartAsync(postgres, Path.Combine(_work, "farm-" + Guid.NewGuid().ToString("N")[..8]), Ct);

    /// <summary>
    /// Why the build of an app "evil" on the fixture core with <paramref name="extra"/> lines, submitted from a git
    /// repository, failed: the Kraftfile is read after the 202, so its errors fail the build.
    /// </summary>
    private async Task<string> KraftfileFailureAsync(string extra, string unikraft = " ../fixture-core")
    {
        var source = await SourceRepository.CreateAsync(
            Path.Combine(_work, "src"),
            withHelloworld: false,
            Ct,
            ("evil", new Dictionary<string, string> { ["Kraftfile"] = $"spec: v0.6\nname: evil\nunikraft:{unikraft}\n{extra}targets:\n- qemu/x86_64\n" }));
        await using var farm = await StartAsync();
        var (status, body) = await SubmitGitAsync(farm, source.Url, source.Commit, "evil/Kraftfile");
        Assert.True(status == HttpStatusCode.Accepted, body.ToString());
        var build = await farm.WaitAsync(body.GetProperty("id").GetString()!, Ct, minutes: 2);
        Assert.True(build.GetProperty("state").GetString() == "failed", build.ToString());
        Assert.Empty(build.GetProperty("targets").EnumerateArray());
        return build.GetProperty("reason").GetString()!;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SubmitGitAsync(FarmCluster farm, string url, string commit, string kraftfile = "helloworld/Kraftfile")
    {
        var body = JsonSerializer.Serialize(new { source = new { git = url, commit }, kraftfile, image = Image });
        var response = await farm.Http.PostAsync("/api/builds", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        return (response.StatusCode, await FarmCluster.JsonAsync(response, Ct));
    }
}
