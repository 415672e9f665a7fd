namespace Farm.State.Postgres;

/// <summary>Whether a worker takes targets: <c>POST /api/workers/{name}/drain</c> and <c>/resume</c> move it.</summary>
public enum WorkerDrain
{
    /// <summary>Takes targets from its queues.</summary>
    Serving,

    /// <summary>Asked to drain: takes no new target, finishes the ones it runs.</summary>
    Draining,

    /// <summary>Its job server has stopped with no target running: safe to stop, upgrade or reboot.</summary>
    Drained,
}

/// <summary>The drain column's text (<c>farm.workers.drain</c>) and the API's names.</summary>
public static class WorkerDrains
{
    public static WorkerDrain Parse(string? value) => value switch
    {
        "draining" => WorkerDrain.Draining,
        "drained" => WorkerDrain.Drained,
        _ => WorkerDrain.Serving,
    };

    public static string Name(this WorkerDrain drain) => drain switch
    {
        WorkerDrain.Draining => "draining",
        WorkerDrain.Drained => "drained",
        _ => "serving",
    };
}
