namespace Farm.Cache.Broker;

/// <summary>What a sandboxed compile may ask the worker's cache broker. One byte on the wire.</summary>
public enum BrokerOperation : byte
{
    GetAction = 1,
    PutAction = 2,
    GetObject = 3,
    PutObject = 4,
    DeleteAction = 5,
    DeleteObject = 6,
    GetManifest = 7,
    PutManifest = 8,
}
