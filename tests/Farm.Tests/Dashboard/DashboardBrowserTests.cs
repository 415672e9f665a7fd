using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Farm.Core.Builds;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.State.Postgres;
using Farm.Tests.Serve;
using Farm.Tests.Support;
using Microsoft.Playwright;
using Npgsql;

namespace Farm.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser (Debian's chromium, headless, driven by Playwright) against a real <c>farm serve</c>
/// on PostgreSQL with a worker building the examples. One farm for every check, several checks per page load: the CI
/// pays for one cluster. Screenshots go to <c>FARM_DASHBOARD_SCREENSHOTS</c> when set (docs/dashboard is made so).
/// </summary>
public sealed class DashboardBrowserTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const string Viewer = "viewer-token-0123456789";
    private const string Operator = "operator-token-0123456789";
    private readonly string _work = Directory.CreateTempSubdirectory("farm-dashboard-").FullName;
    private SourceRepository _source = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string? Screenshots => Environment.GetEnvironmentVariable("FARM_DASHBOARD_SCREENSHOTS") is { Length: > 0 } d ? d : null;

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
            }));
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Dashboard_InABrowser_ListsFilters_ShowsBuilds_FollowsLogs_GuardsActions_FlagsRegressions_Themes()
    {
        Assert.SkipUnless(File.Exists(Chromium), $"{Chromium} is not installed (tests/install-packages.sh installs Debian's chromium)");
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await FarmCluster.StartAsync(postgres, _work, Ct, ("Farm__ApiTokens__1", $"viewer:{Viewer}"), ("Farm__ApiTokens__2", $"operator:{Operator}"));
        await farm.StartWorkerAsync("x86", ["qemu-x86_64"], Ct);
        var store = new PostgresBuildStore(NpgsqlDataSource.Create(farm.Database));
        var built = await farm.SubmitAsync(_source.Url, _source.Commit, "helloworld/Kraftfile", $"{registry.Host}/apps/hello:v1", ["qemu/x86_64"], Ct);
        var done = await farm.WaitAsync(built, Ct);
        Assert.True(done.GetProperty("state").GetString() == "succeeded", $"{done}\n{farm.FarmOutput}");
        // fc/x86_64 has no worker here: it waits, and the build page says for what.
        var waiting = await farm.SubmitAsync(_source.Url, _source.Commit, "helloworld/Kraftfile", $"{registry.Host}/apps/hello:v2", ["fc/x86_64"], Ct);
        var hang = await farm.SubmitAsync(_source.Url, _source.Commit, "hang/Kraftfile", $"{registry.Host}/apps/hang:v1", [], Ct);
        var regressed = await RecordNightlyRunsAsync(store);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var baseUrl = farm.Http.BaseAddress!.ToString().TrimEnd('/');
        var viewer = await SignedInAsync(browser, baseUrl, Viewer);
        var operatorPage = await SignedInAsync(browser, baseUrl, Operator);

        // Builds list: filters travel in the URL, the search form narrows, one dot per target.
        await viewer.GotoAsync($"{baseUrl}/?app=helloworld");
        Assert.Equal(2, await viewer.Locator("table.builds tbody tr").CountAsync());
        Assert.Equal(1, await viewer.Locator($"tr[data-build='{built}'] .dot.s-succeeded").CountAsync());
        await viewer.GotoAsync($"{baseUrl}/?state=succeeded&trigger=api");
        Assert.Equal([built], await viewer.Locator("table.builds tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.build)"));
        await viewer.FillAsync("input[name=q]", "hang");
        await viewer.SelectOptionAsync("select[name=state]", "");
        await viewer.ClickAsync("form.filters button");
        Assert.Contains("q=hang", viewer.Url, StringComparison.Ordinal);
        Assert.Equal([hang], await viewer.Locator("table.builds tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.build)"));
        await viewer.GotoAsync($"{baseUrl}/");
        await ShootAsync(viewer, "builds");
        await AssertFitsAsync(viewer, "builds", 390);

        // Build page: the matrix, the timeline, the verify command; a queued target says why it waits.
        await viewer.GotoAsync($"{baseUrl}/builds/{built}");
        Assert.Contains("succeeded", await viewer.Locator("tr[data-kernel='helloworld_qemu-x86_64']").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("x86", await viewer.Locator("tr[data-kernel='helloworld_qemu-x86_64'] td").Nth(3).InnerTextAsync());
        Assert.Equal(1, await viewer.Locator("svg.waterfall rect.wf-building").CountAsync());
        Assert.Equal((await farm.GetAsync(built, Ct)).GetProperty("indexDigest").GetString(), await viewer.Locator("#index-digest").InnerTextAsync());
        Assert.Equal(0, await viewer.Locator("#cancel, #rebuild").CountAsync());
        await ShootAsync(viewer, "build");
        await viewer.GotoAsync($"{baseUrl}/builds/{waiting}");
        Assert.Contains("waiting for a worker of queue fc-x86_64 (none seen)", await viewer.Locator(".why").InnerTextAsync(), StringComparison.Ordinal);

        // A log longer than a page: its first error is above the rendered tail, and "jump to first error" still finds it.
        await using (var database = NpgsqlDataSource.Create(farm.Database))
        await using (var insert = database.CreateCommand(
            "INSERT INTO farm.logs (build_id, name, line) SELECT @build, 'helloworld_fc-x86_64', CASE WHEN i = 2 THEN 'src/main.c:3:5: error: boom' ELSE format('  CC      line %s', i) END FROM generate_series(1, 2100) i ORDER BY i"))
        {
            insert.Parameters.AddWithValue("build", waiting);
            await insert.ExecuteNonQueryAsync(Ct);
        }

        await viewer.GotoAsync($"{baseUrl}/builds/{waiting}/targets/helloworld_fc-x86_64");
        Assert.Equal(0, await viewer.Locator("#L2").CountAsync());
        await viewer.ClickAsync("#first-error");
        Assert.Contains("boom", await viewer.Locator("#L2").InnerTextAsync(), StringComparison.Ordinal);
        Assert.EndsWith("#L2", viewer.Url, StringComparison.Ordinal);
        Assert.Contains("error", await viewer.Locator("#L2").GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal);

        // Target log: a line range highlights; while the target runs, lines arrive without a reload.
        await farm.WaitForPhaseAsync(hang, "smoke", Ct);
        var log = $"{baseUrl}/builds/{hang}/targets/hang_qemu-x86_64";
        await viewer.GotoAsync($"{log}#L3-L5");
        Assert.Equal(["L3", "L4", "L5"], await viewer.Locator(".line.hl").EvaluateAllAsync<string[]>("lines => lines.map(l => l.id)"));
        var before = await viewer.Locator("#log .line").CountAsync();
        await store.AppendLogAsync(hang, "hang_qemu-x86_64", "\u001b[31mfarm: a line written while the page is open\u001b[0m", Ct);
        await viewer.Locator("#log .line .ansi-1", new() { HasTextString = "a line written while the page is open" }).WaitForAsync(new() { Timeout = 20_000 });
        Assert.True(await viewer.Locator("#log .line").CountAsync() > before);
        await ShootAsync(viewer, "log");

        // Cancel: refused for a viewer (no button; a forged post is 403, by cookie or by token), done for an operator.
        var forged = await viewer.EvaluateAsync<int>($"fetch('/builds/{hang}/cancel', {{method: 'POST'}}).then(r => r.status)");
        using var viewerApi = new HttpClient { BaseAddress = farm.Http.BaseAddress };
        viewerApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Viewer);
        var byToken = await viewerApi.PostAsync($"/api/builds/{hang}/cancel", null, Ct);
        var hangfire = await viewerApi.GetAsync("/hangfire", Ct);
        Assert.Equal(403, forged);
        Assert.Equal(HttpStatusCode.Forbidden, byToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, hangfire.StatusCode);
        Assert.Equal("running", (await farm.GetAsync(hang, Ct)).GetProperty("state").GetString());
        await operatorPage.GotoAsync($"{baseUrl}/builds/{hang}");
        await operatorPage.ClickAsync("#cancel");
        Assert.Contains("cancelled", await operatorPage.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("cancelled", (await farm.WaitAsync(hang, Ct)).GetProperty("state").GetString());

        // Catalog: the grid, and the boot time regression naming the first slow build.
        await viewer.GotoAsync($"{baseUrl}/catalog");
        var cell = viewer.Locator("tr[data-app='regress'] td[data-cell='qemu-x86_64']");
        Assert.Contains("regressed", await cell.GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains($"boot time", await cell.Locator(".flag").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(regressed, await cell.Locator(".flag a").InnerTextAsync());
        Assert.Equal(0, await viewer.Locator("tr[data-app='steady'] .flag").CountAsync());
        Assert.Equal(20, await cell.Locator(".strip .dot").CountAsync());
        await ShootAsync(viewer, "catalog");
        var badge = await viewerApi.GetStringAsync("/badges/regress/qemu-x86_64.svg", Ct);
        Assert.Contains("passing", badge, StringComparison.Ordinal);

        // Workers and cache.
        await viewer.GotoAsync($"{baseUrl}/workers");
        Assert.Contains("online", await viewer.Locator("section[data-worker='x86'] .state").InnerTextAsync(), StringComparison.Ordinal);
        await ShootAsync(viewer, "workers");
        // Drain, as the rolling upgrade does: the worker shows it, its button becomes Resume, and Resume brings it back.
        var x86 = operatorPage.Locator("section[data-worker='x86']");
        await operatorPage.GotoAsync($"{baseUrl}/workers");
        Assert.Equal(0, await x86.Locator("span.drain").CountAsync());
        await x86.Locator("button.drain").ClickAsync();
        await operatorPage.Locator("section[data-worker='x86'] span.drain").WaitForAsync(new() { Timeout = 20_000 });
        Assert.Matches("^(draining|drained)$", await x86.Locator("span.drain").InnerTextAsync());
        await ShootAsync(operatorPage, "workers-drained");
        await x86.Locator("button.resume").ClickAsync();
        await operatorPage.Locator("section[data-worker='x86'][data-drain='serving']").WaitForAsync(new() { Timeout = 20_000 });
        Assert.Equal(0, await x86.Locator("span.drain").CountAsync());
        await viewer.GotoAsync($"{baseUrl}/cache");
        Assert.True(await viewer.Locator("table").CountAsync() >= 2);
        await ShootAsync(viewer, "cache");

        // JSON at the same URL, for scripts.
        var html = await viewerApi.GetStringAsync($"/builds/{built}", Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/builds/{built}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var answer = JsonDocument.Parse(await (await viewerApi.SendAsync(request, Ct)).Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Equal("succeeded", answer.GetProperty("state").GetString());

        // Dark mode: follows the system, forced by the toggle, remembered across loads.
        await viewer.GotoAsync($"{baseUrl}/");
        var light = await BackgroundAsync(viewer);
        await viewer.ClickAsync("#theme");
        Assert.Equal("dark", await viewer.Locator("html").GetAttributeAsync("data-theme"));
        await viewer.GotoAsync($"{baseUrl}/builds/{built}");
        Assert.Equal("rgb(13, 17, 23)", await BackgroundAsync(viewer));
        Assert.NotEqual(light, await BackgroundAsync(viewer));
        await ShootAsync(viewer, "build-dark");
    }

    /// <summary>Eleven passing nightly runs of two apps; "regress" boots three times slower in its last two. Returns the first slow build.</summary>
    private static async Task<string> RecordNightlyRunsAsync(PostgresBuildStore store)
    {
        string first = string.Empty;
        var start = DateTimeOffset.UtcNow.AddDays(-21);
        for (var run = 0; run < 21; run++)
        {
            foreach (var app in new[] { "regress", "steady" })
            {
                var id = $"n{run:D2}{app[0]}{Guid.NewGuid().ToString("N")[..8]}";
                var slow = app == "regress" && run >= 19;
                first = slow && run == 19 ? id : first;
                await store.CreateAsync(new BuildRecord(id, app, "Kraftfile", $"127.0.0.1:1/catalog/{app}:latest", "trusted", start.AddDays(run)) { Trigger = BuildTriggers.Nightly }, [new TargetRecord(id, $"{app}_qemu-x86_64", app, "qemu", "x86_64", "qemu-x86_64")], Ct);
                await store.StartTargetAsync(id, $"{app}_qemu-x86_64", "nightly-worker", 0, Ct);
                await store.CompleteTargetAsync(id, $"{app}_qemu-x86_64", new TargetOutcome(TargetState.Succeeded, null) { BuildSeconds = 12, BootSeconds = slow ? 0.9 : 0.3 + (run % 3 * 0.01), KernelBytes = 250_000 + run, CacheHits = 40, CacheMisses = 3 }, Ct);
                await store.FinishAsync(id, BuildState.Succeeded, "sha256:" + new string('a', 64), null, Ct);
            }
        }

        return first;
    }

    private static async Task<IPage> SignedInAsync(IBrowser browser, string baseUrl, string token)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{baseUrl}/workers");
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        await page.FillAsync("input[name=token]", token);
        await page.ClickAsync("#sign-in");
        Assert.EndsWith("/workers", page.Url, StringComparison.Ordinal);
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "farm_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(token, cookie.Value, StringComparison.Ordinal);
        return page;
    }

    private static Task<string> BackgroundAsync(IPage page) => page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");

    /// <summary>At <paramref name="width"/> px nothing but the tables' own scroll boxes is wider than the window.</summary>
    private static async Task AssertFitsAsync(IPage page, string name, int width)
    {
        await page.SetViewportSizeAsync(width, 844);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth + 1"), $"{name} is wider than {width} px");
        await ShootAsync(page, $"{name}-{width}");
        await page.SetViewportSizeAsync(1400, 900);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth + 1"), $"{name} is wider than 1400 px");
    }

    private static async Task ShootAsync(IPage page, string name)
    {
        if (Screenshots is { } directory)
        {
            Directory.CreateDirectory(directory);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"{name}.png"), FullPage = false });
        }
    }
}
