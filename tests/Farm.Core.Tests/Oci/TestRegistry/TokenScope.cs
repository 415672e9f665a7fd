namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>One <c>access</c> entry of a registry token: what may be done to which resource.</summary>
internal sealed record ResourceAccess(string Type, string Name, IReadOnlyList<string> Actions);

/// <summary>Parses the <c>scope</c> parameters of a Docker token request (<c>repository:team/app:pull,push</c>).</summary>
internal static class TokenScope
{
    /// <summary>
    /// The access asked for, one entry per resource with the union of its actions. A parameter may hold several
    /// scopes separated by spaces; the name may contain colons (<c>repository:host:5000/app:pull</c>), so the type
    /// ends at the first colon and the actions start after the last. Malformed scopes are ignored, as Docker's
    /// reference token server does.
    /// </summary>
    public static IReadOnlyList<ResourceAccess> Parse(IEnumerable<string> scopeParameters)
    {
        var granted = new Dictionary<(string Type, string Name), List<string>>();
        var order = new List<(string Type, string Name)>();
        foreach (var scope in scopeParameters.SelectMany(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            var first = scope.IndexOf(':', StringComparison.Ordinal);
            var last = scope.LastIndexOf(':');
            if (first <= 0 || last <= first + 1)
            {
                continue;
            }

            var key = (scope[..first], scope[(first + 1)..last]);
            if (!granted.TryGetValue(key, out var actions))
            {
                granted[key] = actions = [];
                order.Add(key);
            }

            foreach (var action in scope[(last + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!actions.Contains(action))
                {
                    actions.Add(action);
                }
            }
        }

        return [.. order.Select(k => new ResourceAccess(k.Type, k.Name, granted[k]))];
    }
}
