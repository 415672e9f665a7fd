namespace Farm.Core.Builds.Signals;

/// <summary>Why a <see cref="IBuildWatch"/> woke up: the caller re-reads the store in every case.</summary>
public enum BuildWake
{
    /// <summary>The store signalled a change of the watched kind for this build.</summary>
    Signalled,

    /// <summary>The signal source (re)connected: changes may have been missed while it was down.</summary>
    Reconnected,

    /// <summary>No signal came within the fallback interval: a poll, as before signals existed.</summary>
    Polled,
}
