using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.Worker.Builders;
using Farm.Worker.Capabilities;
using Farm.Worker.Pipeline;
using Farm.State.Sources;

namespace Farm.Worker.Tests.Sandboxing;

/// <summary>
/// An app whose <c>Makefile.uk</c> runs an attacker's shell script while make reads it, as a pull request's could, and
/// fails the build with the script's output when the script says <c>ATTACK-FAILED</c>. Built through the real
/// pipeline and make (sandboxed as a worker builds), for qemu/x86_64 without a boot.
/// </summary>
internal static class HostileApp
{
    public static string Create(TempDirectory root, string script)
    {
        var directory = root.Combine("app");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "Kraftfile"), $"spec: v0.6\nname: attack\nunikraft: {TestPaths.FixtureCore}\ntargets:\n- qemu/x86_64\n");
        File.WriteAllText(Path.Combine(directory, "main.c"), "#include <stdio.h>\nint main(void) { printf(\"hello\\n\"); return 0; }\n");
        File.WriteAllText(Path.Combine(directory, "attack.sh"), script);
        File.WriteAllText(
            Path.Combine(directory, "Makefile.uk"),
            """
            $(eval $(call addlib,appattack))
            APPATTACK_SRCS-y += $(APPATTACK_BASE)/main.c
            ATTACK := $(shell sh $(APPATTACK_BASE)/attack.sh 2>&1)
            $(info ATTACK: $(ATTACK))
            $(if $(findstring ATTACK-FAILED,$(ATTACK)),$(error the attack script failed: $(ATTACK)))

            """);
        return directory;
    }

    public static async Task<(TargetResult Result, string Log)> BuildAsync(TempDirectory root, string app, Farm.Worker.Caching.ObjectCache? cache = null)
    {
        var kraftfile = new KraftfileParser().Load(app).Kraftfile!;
        var job = Planner.Plan(kraftfile).Plan!.Jobs.Single();
        var capabilities = new HostCapabilities(
            "x86_64",
            new Dictionary<string, Toolchain> { ["x86_64"] = new("x86_64", string.Empty, "/usr/bin/gcc") },
            new Dictionary<string, string>(),
            new HypervisorProbe("kvm", "/dev/kvm", "not used"),
            [],
            [],
            []);
        var pipeline = new TargetPipeline(new SourceResolver(new GitCheckoutCache(root.Combine("sources"))), new UnikraftMakeBuilder(), capabilities, []);
        var log = new System.Text.StringBuilder();
        var options = new TargetPipelineOptions(root.Combine("out")) { BuildDirectory = root.Combine("build"), Smoke = false, Jobs = 2, Cache = cache };
        var result = await pipeline.RunAsync(kraftfile, job, options, line =>
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }, TestContext.Current.CancellationToken);
        return (result, log.ToString());
    }
}
