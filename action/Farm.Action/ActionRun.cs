namespace Farm.Action;

/// <summary>One run of the action, start to finish: inputs, the build (local or remote), outputs, summary, exit code.</summary>
internal static class ActionRun
{
    public const int Success = 0;
    public const int Failed = 1;

    public static async Task<int> RunAsync(Func<string, string?> environment, TextWriter stdout, HttpClient http, CancellationToken cancellationToken)
    {
        var runner = new WorkflowCommands(environment, stdout);
        var (inputs, problems) = ActionInputs.Parse(environment);
        if (inputs is null)
        {
            foreach (var problem in problems)
            {
                runner.Error($"input {problem.Input}: {problem.Message}", problem.File is { } file ? runner.WorkspacePath(file) : null, title: "unikernel-build");
            }

            return Failed;
        }

        BuildReport? build;
        try
        {
            build = inputs.Remote
                ? await new RemoteBuild(inputs, runner, environment, http).RunAsync(cancellationToken).ConfigureAwait(false)
                : await new LocalBuild(inputs, runner, environment).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            runner.Error("cancelled");
            return 130;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException or System.ComponentModel.Win32Exception)
        {
            runner.Error($"the build could not run: {ex.Message}", title: "unikernel-build");
            return Failed;
        }

        if (build is null)
        {
            return Failed;
        }

        // A registry image by tag and digest (what docker, crane and kraft accept); a layout by its tag (skopeo's oci: form).
        var image = build.IndexDigest is { } digest && build.Image is { } tagged && !tagged.StartsWith("oci:", StringComparison.Ordinal) ? $"{tagged}@{digest}" : build.Image ?? string.Empty;
        runner.Output("index-digest", build.IndexDigest ?? string.Empty);
        runner.Output("image", image);
        runner.Output("targets", build.TargetsJson());
        runner.Summary(StepSummary.Render(build, inputs.Remote ? $"farm {inputs.FarmUrl}" : "on the runner"));
        foreach (var target in build.Targets.Where(t => t.State is "failed"))
        {
            runner.Error($"{target.Name} ({target.Platform}): {target.Reason}", title: "unikernel-build");
        }

        if (!build.Succeeded)
        {
            runner.Error($"the build {build.State}{(build.Reason is { } reason ? ": " + reason : string.Empty)}", title: "unikernel-build");
            return Failed;
        }

        return Success;
    }
}
