namespace Farm.GitHub.Oidc;

/// <summary>
/// Who may build through GitHub Actions OIDC: a repository (<see cref="RepositoryId"/>), every repository of an owner
/// (<see cref="RepositoryOwnerId"/>), or one repository of one owner when both are set. Ids, not names: they stay the
/// same when a repository is renamed or transferred, and a name freed by a rename cannot be re-registered to get in.
/// Patterns are globs whose only wildcard is <c>*</c>, which matches any run of characters, <c>/</c> included.
/// </summary>
public sealed class GitHubOidcRule
{
    /// <summary>The ref trusted when <see cref="TrustedRefs"/> is empty.</summary>
    public const string DefaultTrustedRef = "refs/heads/main";

    /// <summary>The <c>repository_id</c> claim, digits (<c>gh api repos/OWNER/REPO --jq .id</c>).</summary>
    public string? RepositoryId { get; init; }

    /// <summary>The <c>repository_owner_id</c> claim, digits (<c>gh api users/OWNER --jq .id</c>).</summary>
    public string? RepositoryOwnerId { get; init; }

    /// <summary>
    /// Patterns on the <c>ref</c> claim whose builds use the trusted cache scope (e.g. <c>refs/heads/main</c>,
    /// <c>refs/tags/v*</c>); empty means <see cref="DefaultTrustedRef"/>. Any other ref still builds, untrusted.
    /// </summary>
    /// <remarks>Empty rather than pre-filled: the configuration binder appends to a list, so a default entry could never be replaced.</remarks>
    public List<string> TrustedRefs { get; init; } = [];

    /// <summary>Patterns on <c>job_workflow_ref</c> (e.g. <c>octo-org/app/.github/workflows/*.yml@*</c>); empty allows any workflow.</summary>
    public List<string> Workflows { get; init; } = [];

    public IReadOnlyList<string> EffectiveTrustedRefs => TrustedRefs.Count == 0 ? [DefaultTrustedRef] : TrustedRefs;

    /// <summary>Whether the token's repository is this rule's: every id the rule sets must match.</summary>
    internal bool Covers(GitHubOidcClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return (RepositoryId is not null || RepositoryOwnerId is not null)
            && (RepositoryId is null || RepositoryId == claims.RepositoryId)
            && (RepositoryOwnerId is null || RepositoryOwnerId == claims.RepositoryOwnerId);
    }

    public bool AllowsWorkflow(string jobWorkflowRef) => Workflows.Count == 0 || Workflows.Exists(w => Glob.IsMatch(w, jobWorkflowRef));

    public bool Trusts(string gitRef) => EffectiveTrustedRefs.Any(r => Glob.IsMatch(r, gitRef));

    /// <summary>This rule's problems, each naming its setting under <paramref name="prefix"/> (<c>Farm__GitHub__Oidc__Rules__0</c>).</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        if (string.IsNullOrWhiteSpace(RepositoryId) && string.IsNullOrWhiteSpace(RepositoryOwnerId))
        {
            yield return $"{prefix}__RepositoryId or {prefix}__RepositoryOwnerId must be set: a rule without either would let every repository on GitHub build here";
        }

        foreach (var (name, value) in new[] { ("RepositoryId", RepositoryId), ("RepositoryOwnerId", RepositoryOwnerId) })
        {
            if (!string.IsNullOrWhiteSpace(value) && !value.All(char.IsAsciiDigit))
            {
                yield return $"{prefix}__{name}: '{value}' is not a number; use the numeric id (gh api repos/OWNER/REPO --jq .id, or users/OWNER), not the name";
            }
        }

        for (var i = 0; i < TrustedRefs.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(TrustedRefs[i]))
            {
                yield return $"{prefix}__TrustedRefs__{i} is empty: name a ref pattern such as refs/heads/main or refs/tags/v*";
            }
        }

        for (var i = 0; i < Workflows.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Workflows[i]))
            {
                yield return $"{prefix}__Workflows__{i} is empty: name a workflow pattern such as octo-org/app/.github/workflows/*.yml@*";
            }
        }
    }
}
