using System.Globalization;
using System.Text;
using Farm.Core.Builds;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>
/// <c>/</c>: builds newest first, filtered by the query string (state, app, repo, branch, trigger, platform, worker, since,
/// until, q), one page at a time (<c>after</c>). A malformed filter is a 400 naming the parameter.
/// </summary>
internal static class BuildsPage
{
    private static readonly string[] Filters = ["state", "app", "repo", "branch", "trigger", "platform", "worker", "since", "until", "q"];

    public static async Task<IResult> GetAsync(HttpContext context, IBuildStore store)
    {
        var (query, problem) = Parse(context.Request.Query);
        if (problem is not null)
        {
            return Pages.Error(context, StatusCodes.Status400BadRequest, problem);
        }

        var page = await store.ListBuildsAsync(query!, context.RequestAborted).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var model = new
        {
            builds = page.Builds.Select(s => Row(s, now)),
            next = page.Next?.ToString(),
        };
        return Pages.Answer(context, model, () => Render(Pages.Context(context, "Builds"), context.Request.Query, page, now));
    }

    public static object Row(BuildSummary summary, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var b = summary.Build;
        return new
        {
            id = b.Id,
            app = b.App,
            source = Source(b),
            repository = b.GitUrl,
            commit = b.GitCommit,
            branch = b.Branch,
            trigger = b.Trigger,
            state = b.State.Name(),
            created = b.Created,
            finished = b.Finished,
            seconds = Math.Round(((b.Finished ?? now) - b.Created).TotalSeconds, 1),
            targets = summary.Targets.Select(t => new { kernel = t.Name, platform = t.PlatformName, state = t.State.Name(), cached = t.Cached }),
        };
    }

    /// <summary>repository@short commit, or upload.</summary>
    public static string Source(BuildRecord build)
    {
        ArgumentNullException.ThrowIfNull(build);
        return build.GitUrl is { } url
            ? $"{url.Replace("https://github.com/", string.Empty, StringComparison.Ordinal).Replace(".git", string.Empty, StringComparison.Ordinal)}@{build.GitCommit?[..Math.Min(7, build.GitCommit.Length)]}"
            : build.SourceDigest is not null ? "upload" : "local";
    }

    public static (BuildQuery? Query, string? Problem) Parse(IQueryCollection query)
    {
        string? Text(string name) => query[name].ToString() is { Length: > 0 } value ? value.Trim() : null;
        foreach (var name in Filters.Append("after"))
        {
            if (Text(name) is { Length: > 500 })
            {
                return (null, $"{name}: at most 500 characters");
            }
        }

        BuildState? state = null;
        if (Text("state") is { } s)
        {
            if (!Enum.TryParse<BuildState>(s, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || s.Any(char.IsDigit))
            {
                return (null, $"state: '{s}' is not one of {string.Join(", ", Enum.GetValues<BuildState>().Select(v => v.Name()))}");
            }

            state = parsed;
        }

        if (Text("trigger") is { } trigger && !BuildTriggers.All.Contains(trigger))
        {
            return (null, $"trigger: '{trigger}' is not one of {string.Join(", ", BuildTriggers.All)}");
        }

        if (Text("platform") is { } platform && platform.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
        {
            return (null, $"platform: '{platform}' is not plat/arch (e.g. qemu/x86_64)");
        }

        DateTimeOffset? since = null, until = null;
        foreach (var name in new[] { "since", "until" })
        {
            if (Text(name) is not { } value)
            {
                continue;
            }

            if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                return (null, $"{name}: '{value}' is not a date or time (2026-12-01 or 2026-12-01T10:00:00Z)");
            }

            if (name == "since")
            {
                since = time;
            }
            else
            {
                until = time;
            }
        }

        BuildCursor? after = null;
        if (Text("after") is { } cursor && (after = BuildCursor.Parse(cursor)) is null)
        {
            return (null, $"after: '{cursor}' is not a page position this farm gave");
        }

        var limit = 50;
        if (Text("limit") is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > BuildQuery.MaxLimit))
        {
            return (null, $"limit: between 1 and {BuildQuery.MaxLimit}");
        }

        return (new BuildQuery
        {
            State = state,
            App = Text("app"),
            Repository = Text("repo"),
            Branch = Text("branch"),
            Trigger = Text("trigger"),
            Platform = Text("platform"),
            Worker = Text("worker"),
            Since = since,
            Until = until,
            Text = Text("q"),
            After = after,
            Limit = limit,
        }, null);
    }

    private static string Render(PageContext page, IQueryCollection query, Core.Builds.BuildPage builds, DateTimeOffset now)
    {
        var html = new StringBuilder();
        string Value(string name) => Html.E(query[name].ToString());
        html.Append("<h1>Builds</h1><form class=\"filters\" method=\"get\" action=\"/\">");
        html.Append(CultureInfo.InvariantCulture, $"<input type=\"search\" name=\"q\" placeholder=\"app, repository or commit\" value=\"{Value("q")}\" aria-label=\"search\">");
        html.Append("<select name=\"state\" aria-label=\"state\"><option value=\"\">any state</option>");
        foreach (var state in Enum.GetValues<BuildState>().Select(v => v.Name()))
        {
            html.Append(CultureInfo.InvariantCulture, $"<option{(query["state"] == state ? " selected" : string.Empty)}>{state}</option>");
        }

        html.Append("</select><select name=\"trigger\" aria-label=\"trigger\"><option value=\"\">any trigger</option>");
        foreach (var trigger in BuildTriggers.All)
        {
            html.Append(CultureInfo.InvariantCulture, $"<option{(query["trigger"] == trigger ? " selected" : string.Empty)}>{trigger}</option>");
        }

        html.Append("</select>");
        foreach (var (name, hint) in new[] { ("app", "app"), ("repo", "repository URL"), ("branch", "branch"), ("platform", "plat/arch"), ("worker", "worker"), ("since", "since (date)"), ("until", "until (date)") })
        {
            html.Append(CultureInfo.InvariantCulture, $"<input name=\"{name}\" placeholder=\"{hint}\" aria-label=\"{name}\" value=\"{Value(name)}\">");
        }

        html.Append("<button>Filter</button> <a href=\"/\">clear</a></form>");
        if (builds.Builds.Count == 0)
        {
            html.Append("<p class=\"empty\">No build matches.</p>");
        }
        else
        {
            html.Append("<div class=\"scroll\"><table class=\"builds\"><thead><tr><th>app</th><th>source</th><th>trigger</th><th>state</th><th>duration</th><th>targets</th><th>created</th></tr></thead><tbody>");
            foreach (var summary in builds.Builds)
            {
                var b = summary.Build;
                html.Append(CultureInfo.InvariantCulture, $"<tr data-build=\"{Html.E(b.Id)}\"><td><a href=\"/builds/{Html.U(b.Id)}\">{Html.E(b.App)}</a></td><td class=\"mono\">{Html.E(Source(b))}{(b.Branch is { } branch ? $" <span class=\"branch\">{Html.E(branch)}</span>" : string.Empty)}</td>");
                html.Append(CultureInfo.InvariantCulture, $"<td>{Html.E(b.Trigger)}</td><td>{Html.State(b.State.Name())}</td><td>{Html.Duration((b.Finished ?? now) - b.Created)}</td><td class=\"dots\">{Html.Dots(summary.Targets)}</td><td>{Html.Time(b.Created)}</td></tr>");
            }

            html.Append("</tbody></table></div>");
        }

        if (builds.Next is { } next)
        {
            var kept = string.Join("&amp;", Filters.Where(f => query[f].ToString().Length > 0).Select(f => $"{f}={Html.U(query[f])}"));
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"pager\"><a rel=\"next\" href=\"/?{kept}{(kept.Length > 0 ? "&amp;" : string.Empty)}after={Html.U(next.ToString())}\">Older builds →</a></p>");
        }

        return Html.Page(page, "Builds", html.ToString());
    }
}
