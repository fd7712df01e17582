using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Limits sign-in attempts per client address and name, so passwords and the admin key cannot be guessed quickly.</summary>
/// <remarks>
/// <para>
/// A fixed window of <see cref="Window"/> per partition (client address, and the user name or <see cref="AdminName"/>)
/// allows <see cref="PermitsPerWindow"/> attempts. User sign-in and password re-verification count every attempt
/// (<see cref="TryAcquire"/>); the admin API counts only failures (<see cref="IsLimited"/> before checking,
/// <see cref="RecordFailure"/> after a wrong key), so an operator's working requests never use the budget up. IPv6 clients
/// are partitioned by their /64 network, which one host usually owns whole.
/// </para>
/// <para>
/// Written over <see cref="TimeProvider"/> rather than <c>System.Threading.RateLimiting</c>, whose window limiters read
/// the system clock only (dotnet/runtime#106447) and cannot say when a window ends (for <c>Retry-After</c>).
/// Thread-safe; expired partitions are dropped once more than <see cref="SweepThreshold"/> exist.
/// </para>
/// </remarks>
internal sealed class LoginRateLimiter(TimeProvider time) : ILoginRateLimiter
{
    public const int PermitsPerWindow = 10;

    /// <summary>The name the admin API's attempts are counted under; user names cannot contain <c>#</c>.</summary>
    public const string AdminName = "#admin";

    private const int SweepThreshold = 10_000;

    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    public static TimeSpan Window { get; } = TimeSpan.FromMinutes(1);

    /// <summary>Counts an attempt; <see langword="false"/> when the partition has none left in this window.</summary>
    public bool TryAcquire(IPAddress? address, string name)
    {
        var counter = CounterFor(address, name);
        lock (counter)
        {
            Roll(counter);
            if (counter.Count >= PermitsPerWindow)
            {
                return false;
            }

            counter.Count++;
            return true;
        }
    }

    /// <summary>Returns whether the partition used up its attempts, and when its window ends.</summary>
    public bool IsLimited(IPAddress? address, string name, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_counters.TryGetValue(Key(address, name), out var counter))
        {
            return false;
        }

        lock (counter)
        {
            Roll(counter);
            if (counter.Count < PermitsPerWindow)
            {
                return false;
            }

            retryAfter = counter.WindowStart + Window - time.GetUtcNow();
            return true;
        }
    }

    /// <summary>Counts a failed attempt.</summary>
    public void RecordFailure(IPAddress? address, string name)
    {
        var counter = CounterFor(address, name);
        lock (counter)
        {
            Roll(counter);
            counter.Count++;
        }
    }

    ValueTask<bool> ILoginRateLimiter.TryAcquireAsync(IPAddress? address, string name, CancellationToken cancellationToken) =>
        new(TryAcquire(address, name));

    ValueTask<TimeSpan?> ILoginRateLimiter.LimitedForAsync(IPAddress? address, string name, CancellationToken cancellationToken) =>
        new(IsLimited(address, name, out var retryAfter) ? retryAfter : null);

    ValueTask ILoginRateLimiter.RecordFailureAsync(IPAddress? address, string name, CancellationToken cancellationToken)
    {
        RecordFailure(address, name);
        return ValueTask.CompletedTask;
    }

    /// <summary>The partition of a client address: the address itself for IPv4, its /64 network for IPv6.</summary>
    internal static string Partition(IPAddress? address)
    {
        if (address is null)
        {
            return "?";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    /// <summary>The key of the partition of <paramref name="address"/> and <paramref name="name"/>.</summary>
    internal static string Key(IPAddress? address, string name) => string.Concat(Partition(address), "|", name.ToLowerInvariant());

    private Counter CounterFor(IPAddress? address, string name)
    {
        if (_counters.Count > SweepThreshold)
        {
            var now = time.GetUtcNow();
            foreach (var (key, counter) in _counters)
            {
                if (counter.WindowStart + Window <= now)
                {
                    _counters.TryRemove(key, out _);
                }
            }
        }

        return _counters.GetOrAdd(Key(address, name), static (_, start) => new Counter { WindowStart = start }, time.GetUtcNow());
    }

    private void Roll(Counter counter)
    {
        var now = time.GetUtcNow();
        if (counter.WindowStart + Window <= now)
        {
            counter.WindowStart = now;
            counter.Count = 0;
        }
    }

    private sealed class Counter
    {
        public DateTimeOffset WindowStart { get; set; }

        public int Count { get; set; }
    }
}
