using Farm.Core.Builds;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Signing;

namespace Farm.Builds;

/// <summary>
/// The farm-side assemble job (queue <c>assemble</c>): the index, its signatures and the tag, by
/// <see cref="BuildAssembler"/>. A registry or signing failure fails the build with the reason at once: the registry
/// client already retried within its operation deadline, and a retry of the whole job would only wait that long again.
/// Anything else leaves the job for Hangfire's bounded retries (<see cref="IAssembleJob"/>). Safe to run twice: the
/// index goes by digest, and a build already final is left alone.
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

    public async Task AssembleAsync(string buildId, CancellationToken cancellationToken)
    {
        try
        {
            await _assembler.AssembleAsync(buildId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RegistryException or IOException or HttpRequestException or OciFormatException or SigningException)
        {
            await _store.FinishAsync(buildId, BuildState.Failed, null, $"publishing failed: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
        }
    }
}
