using Farm.Configuration;
using Microsoft.AspNetCore.Http;

namespace Farm.Http;

/// <summary>
/// Who a request comes from, once the edge has looked: the role and how it proved it. Bearer tokens (and OIDC tokens)
/// are not sent by browsers on their own, so only a session cookie needs an anti-forgery token on unsafe requests.
/// </summary>
internal sealed record FarmCaller(FarmRole Role, bool ViaCookie, ApiTokenSet.Entry? Session)
{
    private const string Item = "farm.caller";

    public static FarmCaller? Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(Item, out var caller) ? caller as FarmCaller : null;
    }

    public void Attach(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[Item] = this;
    }

    public bool May(FarmRole needed) => Role >= needed;
}
