namespace Farm.Cache.Broker;

/// <summary>The broker's answer: found (with bytes), done or not found (no bytes), or refused (with the reason).</summary>
public enum BrokerStatus : byte
{
    Found = 0,
    Empty = 1,
    Refused = 2,
}
