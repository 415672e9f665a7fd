namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>What the <see cref="FaultProxy"/> does to one request instead of forwarding it plainly.</summary>
internal abstract record ProxyFault;

/// <summary>Answer this without forwarding: the registry never sees the request.</summary>
internal sealed record CannedResponse(int Status, byte[] Body, string ContentType) : ProxyFault;

/// <summary>Read this many bytes of the request body, then reset the connection; nothing is forwarded.</summary>
internal sealed record DroppedConnection(long AfterRequestBodyBytes) : ProxyFault;

/// <summary>Read the whole request, then never answer (until the proxy stops): a registry that accepted it and hangs.</summary>
internal sealed record Unanswered : ProxyFault;

/// <summary>Forward, but flip one byte of the response body on its way back.</summary>
internal sealed record CorruptedResponse : ProxyFault;

/// <summary>The faults tests queued, each for a number of matching requests; first added, first applied.</summary>
internal sealed class ProxyFaultRules
{
    private readonly Lock _gate = new();
    private readonly List<Rule> _rules = [];

    public void Add(Func<(string Method, string Path), bool> match, int times, ProxyFault fault)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_gate)
        {
            _rules.Add(new Rule(match, fault) { Remaining = times });
        }
    }

    /// <summary>The fault for this request, using up one of its rule's times; null to forward it plainly.</summary>
    public ProxyFault? Take(string method, string path)
    {
        lock (_gate)
        {
            var rule = _rules.FirstOrDefault(r => r.Remaining > 0 && r.Match((method, path)));
            if (rule is null)
            {
                return null;
            }

            rule.Remaining--;
            return rule.Fault;
        }
    }

    private sealed class Rule(Func<(string Method, string Path), bool> match, ProxyFault fault)
    {
        public Func<(string Method, string Path), bool> Match { get; } = match;

        public ProxyFault Fault { get; } = fault;

        public int Remaining { get; set; }
    }
}
