using Farm.Core.Builds;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Signing;
using Hangfire;

namespace Farm.Builds;

/// <summary>
/// The farm-side assemble job (queue <c>assemble</c>): the index, its signatures and the tag, by
/// <see cref="BuildAssembler"/>. Registry errors are retried; the last attempt fails the build with the reason
/// instead of leaving it open.
/// </summary>
public sealed class AssembleJob : IAssembleJob
{
    private readonly IBuildStore _store;
    private readonly BuildAssembler _assembler;

    public AssembleJob(IBuildStore store, Func<OciReference, IOciRepository> open)
    {
        _store = store;
        _assembler = new BuildAssembler(store, open);
    }

    [AutomaticRetry(Attempts = 0)]
    public async Task AssembleAsync(string buildId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _assembler.AssembleAsync(buildId, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is RegistryException or IOException or HttpRequestException or OciFormatException or SigningException)
            {
                if (attempt >= 3 || ex is SigningException)
                {
                    await _store.FinishAsync(buildId, BuildState.Failed, null, $"publishing failed: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                await Task.Delay(TimeSpan.FromSeconds(attempt * 2), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
