namespace Farm.State.Postgres;

/// <summary>
/// Wakes one process's idle Hangfire worker threads when a job may be waiting (<see cref="WokenJobQueue"/>). Each queue
/// has a generation, bumped by <see cref="Signal"/> (a NOTIFY from the job queue's trigger) and <see cref="SignalAll"/>
/// (the listener (re)connected, so a NOTIFY may have been lost). A thread reads its <see cref="Ticket"/> BEFORE it
/// fetches and <see cref="Wait"/>s only while the ticket is unchanged: a signal that lands between the fetch and the
/// wait ends the wait at once, so no wake-up is lost (the stall of Hangfire.PostgreSql's own long polling, which
/// started LISTEN after its fetch). A signal wakes one sleeping thread of that queue, not all of them; the thread that
/// gets a job signals again, so a burst (one NOTIFY for many rows of one transaction) is drained by a chain of one
/// thread at a time. The fallback poll is shared: one thread per queue set polls per interval, whatever the number
/// of threads, so idle load does not grow with <c>WorkerCount</c>.
/// </summary>
public sealed class JobWakeup
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _generations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastPoll = new(StringComparer.Ordinal);
    private readonly List<Sleeper> _sleeping = [];
    private readonly TimeProvider _time;
    private long _everyQueue;

    public JobWakeup(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>How many threads sleep now (tests wait for this before they enqueue).</summary>
    public int Sleeping
    {
        get
        {
            lock (_gate)
            {
                return _sleeping.Count;
            }
        }
    }

    /// <summary>The generation of <paramref name="queues"/> together: read before fetching, handed to <see cref="Wait"/>.</summary>
    public long Ticket(IReadOnlyCollection<string> queues)
    {
        ArgumentNullException.ThrowIfNull(queues);
        lock (_gate)
        {
            return Sum(queues);
        }
    }

    /// <summary>A job may be waiting in <paramref name="queue"/>: one sleeping thread serving it fetches.</summary>
    public void Signal(string queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        lock (_gate)
        {
            _generations[queue] = _generations.GetValueOrDefault(queue) + 1;
            var sleeper = _sleeping.Find(s => s.Queues.Contains(queue));
            if (sleeper is not null)
            {
                Wake(sleeper);
            }
        }
    }

    /// <summary>Any queue may have a job (the listener reconnected): every sleeping thread fetches once.</summary>
    public void SignalAll()
    {
        lock (_gate)
        {
            _everyQueue++;
            foreach (var sleeper in _sleeping.ToArray())
            {
                Wake(sleeper);
            }
        }
    }

    /// <summary>
    /// Returns when <paramref name="queues"/> were signalled since <paramref name="ticket"/> was read, or when this queue
    /// set's shared fallback poll is due (at most one thread per <paramref name="fallbackPoll"/>); throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public void Wait(IReadOnlyCollection<string> queues, long ticket, TimeSpan fallbackPoll, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queues);
        var key = string.Join('\n', queues.Order(StringComparer.Ordinal));
        Sleeper sleeper;
        lock (_gate)
        {
            if (Sum(queues) != ticket || PollDue(key, fallbackPoll))
            {
                return;
            }

            sleeper = new Sleeper(new HashSet<string>(queues, StringComparer.Ordinal));
            _sleeping.Add(sleeper);
        }

        try
        {
            while (true)
            {
                TimeSpan untilPoll;
                lock (_gate)
                {
                    if (sleeper.Woken || PollDue(key, fallbackPoll))
                    {
                        return;
                    }

                    untilPoll = _time.GetElapsedTime(_lastPoll[key]) is var since && since < fallbackPoll ? fallbackPoll - since : TimeSpan.Zero;
                }

                // A little past the due time, so the thread that wakes finds the poll due rather than spinning.
                sleeper.Event.Wait(untilPoll + TimeSpan.FromMilliseconds(5), cancellationToken);
            }
        }
        finally
        {
            lock (_gate)
            {
                _sleeping.Remove(sleeper);
            }

            sleeper.Event.Dispose();
        }
    }

    private long Sum(IReadOnlyCollection<string> queues)
    {
        var sum = _everyQueue;
        foreach (var queue in queues)
        {
            sum += _generations.GetValueOrDefault(queue);
        }

        return sum;
    }

    /// <summary>True (and the poll taken) when no thread of this queue set polled for <paramref name="interval"/>; the first sight of a set counts as its poll, since every dequeue starts with a fetch.</summary>
    private bool PollDue(string key, TimeSpan interval)
    {
        var now = _time.GetTimestamp();
        if (_lastPoll.TryGetValue(key, out var last) && _time.GetElapsedTime(last, now) < interval)
        {
            return false;
        }

        var due = _lastPoll.ContainsKey(key);
        _lastPoll[key] = now;
        return due;
    }

    private void Wake(Sleeper sleeper)
    {
        _sleeping.Remove(sleeper);
        sleeper.Woken = true;
        sleeper.Event.Set();
    }

    private sealed class Sleeper(HashSet<string> queues)
    {
        public HashSet<string> Queues { get; } = queues;

        public ManualResetEventSlim Event { get; } = new();

        public bool Woken { get; set; }
    }
}
