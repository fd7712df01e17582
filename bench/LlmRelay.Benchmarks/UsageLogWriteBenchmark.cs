using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using LlmRelay.Users;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LlmRelay.Benchmarks;

/// <summary>
/// Sustained usage-log write throughput through the gateway's own path: <see cref="UsageLogQueue"/> →
/// <see cref="UsageLogWriter"/> (batches, retries) → <see cref="IUsageLogStore.AppendAsync"/> (one transaction per
/// batch: token and user settlement, then the inserts), on a fresh SQLite file (WAL, as the gateway migrates it) or a
/// fresh PostgreSQL database (issue #5).
/// </summary>
/// <remarks>
/// <para>
/// Run: <c>dotnet run -c Release --project bench/LlmRelay.Benchmarks -- logwrite sqlite|postgres [options]</c>.
/// Options: <c>--rows N</c> (default 500,000), <c>--rate R</c> rows/s offered by the producer (default 0: as fast as the
/// queue accepts, waiting while it is full), <c>--drop</c> (with rate 0: never wait, so a full queue drops rows as it
/// would under a real burst), <c>--batch B</c> and <c>--capacity C</c> (<c>UsageLogBatchSize</c> and
/// <c>UsageLogQueueCapacity</c>, defaults as shipped), <c>--users U</c> and <c>--tokens T</c> (default 200 and 1,000).
/// </para>
/// <para>
/// One producer thread enqueues prebuilt rows (95% consume, 5% error rows that only refund their reservation) for
/// random tokens, so every batch settles hundreds of distinct tokens and users. A wrapper around the real store
/// records each commit; since the queue is FIFO, the n-th committed row is the n-th accepted one, which gives every
/// row's enqueue-to-commit lag. At the end the table's row count and quota sum and the tokens' and users' balances are
/// checked against the accepted rows (settled exactly once).
/// </para>
/// </remarks>
internal static class UsageLogWriteBenchmark
{
    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash", "deepseek-chat", "o3-mini"];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("sqlite" or "postgres"))
        {
            Console.Error.WriteLine("usage: logwrite sqlite|postgres [--rows N] [--rate R] [--drop] [--batch B] [--capacity C] [--users U] [--tokens T]");
            return 2;
        }

        var provider = args[0];
        var rows = IntOption(args, "--rows", 500_000);
        var rate = IntOption(args, "--rate", 0);
        var drop = args.Contains("--drop");
        var defaults = new Configuration.LlmRelayOptions();
        var batch = IntOption(args, "--batch", defaults.UsageLogBatchSize);
        var capacity = IntOption(args, "--capacity", defaults.UsageLogQueueCapacity);
        var userCount = IntOption(args, "--users", 200);
        var tokenCount = IntOption(args, "--tokens", 1_000);

        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        var builder = services.AddLlmRelay(o =>
        {
            o.UsageLogBatchSize = batch;
            o.UsageLogQueueCapacity = capacity;
        });
        string connectionString;
        if (provider == "sqlite")
        {
            var path = BenchDatabases.SqlitePath("llmrelay-bench-logwrite");
            BenchDatabases.DeleteSqlite(path);
            connectionString = $"Data Source={path}";
            builder.AddSqliteStores(connectionString);
        }
        else
        {
            connectionString = await BenchDatabases.PostgreSqlAsync("llmrelay_bench_logwrite", recreate: true);
            builder.AddPostgreSqlStores(connectionString);
        }

        var recorder = new PersistenceRecorder(rows);
        var store = services.Last(static d => d.ServiceType == typeof(IUsageLogStore));
        services.Remove(store);
        services.AddScoped<IUsageLogStore>(sp => new TimedUsageLogStore((IUsageLogStore)ActivatorUtilities.CreateInstance(sp, store.ImplementationType!), recorder));

        await using var provider_ = services.BuildServiceProvider();
        var (tokens, initialBalance) = await PrepareAsync(provider_, userCount, tokenCount);
        var logs = BuildRows(rows, tokens);
        Console.WriteLine($"# logwrite {provider}: {rows:N0} rows, rate {(rate == 0 ? (drop ? "unbounded (drop when full)" : "as fast as the queue accepts") : rate.ToString("N0", CultureInfo.InvariantCulture) + " rows/s")}, batch {batch}, capacity {capacity:N0}, {userCount} users, {tokenCount} tokens");

        var queue = provider_.GetRequiredService<UsageLogQueue>();
        var writer = provider_.GetRequiredService<UsageLogWriter>();
        await writer.StartAsync(CancellationToken.None);

        var accepted = new Totals();
        var offered = new Totals();
        var serverCpu = await ServerCpuAsync(provider, connectionString, []);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        var producing = Task.Factory.StartNew(() => Produce(logs, queue, recorder, rate, drop, capacity, started, ref accepted, ref offered), TaskCreationOptions.LongRunning);
        var progress = Stopwatch.StartNew();
        while (!producing.IsCompleted || recorder.Persisted < recorder.Accepted)
        {
            await Task.Delay(100);
            if (progress.Elapsed >= TimeSpan.FromSeconds(10))
            {
                Console.WriteLine($"  {Seconds(Stopwatch.GetTimestamp() - started),6:F1} s: accepted {recorder.Accepted:N0}, persisted {recorder.Persisted:N0}, queued {queue.Count:N0}, dropped {queue.Dropped:N0}");
                progress.Restart();
            }
        }

        var producedIn = (await producing) - started;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        var serverCpuUsed = (await ServerCpuAsync(provider, connectionString, serverCpu)).Values.Sum();
        await writer.StopAsync(CancellationToken.None);

        Report(recorder, queue.Dropped, started, producedIn);
        Console.WriteLine($"cpu         gateway process {cpu.TotalMilliseconds * 1000 / Math.Max(1, recorder.Persisted):F1} µs/row" +
            (provider == "sqlite" ? " (SQLite runs in-process)" : $", PostgreSQL backends {serverCpuUsed * 1000 / Math.Max(1, recorder.Persisted):F1} µs/row") +
            " (CPU time, so less sensitive to other load than the rates)");
        Console.WriteLine($"allocated   gateway process {allocated / (double)Math.Max(1, recorder.Persisted):F0} B/row (every thread, from the first enqueue to the last commit; independent of other load)");
        return await VerifyAsync(provider, connectionString, accepted, offered, tokenCount * initialBalance) ? 0 : 1;
    }

    private static long Produce(UsageLog[] logs, UsageLogQueue queue, PersistenceRecorder recorder, int rate, bool drop, int capacity, long started, ref Totals accepted, ref Totals offered)
    {
        for (var i = 0; i < logs.Length; i++)
        {
            if (rate > 0)
            {
                // Paced: row i is due at started + i / rate; sleep while ahead of schedule.
                var due = started + (long)(i * (double)Stopwatch.Frequency / rate);
                while (Stopwatch.GetTimestamp() < due)
                {
                    Thread.Sleep(1);
                }
            }
            else if (!drop)
            {
                while (queue.Count >= capacity)
                {
                    Thread.Sleep(1);
                }
            }

            var log = logs[i];
            var dropped = queue.Dropped;
            recorder.Stamp(Stopwatch.GetTimestamp());
            queue.Enqueue(log);
            offered.Add(log);
            if (queue.Dropped == dropped)
            {
                recorder.Accept();
                accepted.Add(log);
            }
        }

        return Stopwatch.GetTimestamp();
    }

    private static async Task<(long[] TokenIds, long Balance)> PrepareAsync(IServiceProvider services, int userCount, int tokenCount)
    {
        const long balance = 1_000_000_000;
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IRelayDatabase>().MigrateAsync();
        var users = scope.ServiceProvider.GetRequiredService<IUserStore>();
        var userIds = new long[userCount];
        for (var u = 0; u < userCount; u++)
        {
            var user = new RelayUser
            {
                Username = "bench-" + u.ToString(CultureInfo.InvariantCulture),
                AffCode = "aff" + u.ToString(CultureInfo.InvariantCulture),
                Quota = balance,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            await users.AddAsync(user);
            userIds[u] = user.Id;
        }

        var store = scope.ServiceProvider.GetRequiredService<ITokenStore>();
        var tokenIds = new long[tokenCount * 2];
        for (var t = 0; t < tokenCount; t++)
        {
            var token = new ApiToken
            {
                UserId = userIds[t % userCount],
                Name = "token-" + t.ToString(CultureInfo.InvariantCulture),
                KeyHash = "hash-" + t.ToString(CultureInfo.InvariantCulture),
                KeyHint = "sk-...",
                RemainQuota = balance,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            await store.AddAsync(token);
            tokenIds[2 * t] = token.Id;
            tokenIds[(2 * t) + 1] = token.UserId;
        }

        return (tokenIds, balance);
    }

    private static UsageLog[] BuildRows(int rows, long[] tokens)
    {
        var random = new Random(5);
        var now = DateTimeOffset.UtcNow;
        var tokenCount = tokens.Length / 2;
        var logs = new UsageLog[rows];
        for (var i = 0; i < rows; i++)
        {
            var t = random.Next(tokenCount);
            var error = random.Next(20) == 0;
            var prompt = random.Next(10, 4000);
            var completion = error ? 0 : random.Next(1, 1500);
            var quota = error ? 0 : (prompt + completion) * 3L;
            logs[i] = new UsageLog
            {
                CreatedAt = now,
                Type = error ? UsageLogType.Error : UsageLogType.Consume,
                UserId = tokens[(2 * t) + 1],
                TokenId = tokens[2 * t],
                TokenName = "token-" + t.ToString(CultureInfo.InvariantCulture),
                ModelName = Models[random.Next(Models.Length)],
                ChannelId = 1 + (i % 20),
                ChannelName = "channel",
                Group = "default",
                Quota = quota,
                ReservedQuota = (prompt + 4096) * 3L, // what the relay reserved: estimated prompt + max output
                PromptTokens = prompt,
                CompletionTokens = completion,
                UseTimeMs = random.Next(200, 30_000),
                FirstByteMs = random.Next(50, 2000),
                IsStream = (i & 1) == 0,
                StatusCode = error ? 502 : 200,
                Content = error ? "upstream error" : "",
                Ip = "10.0.0.1",
                RequestId = "req-" + i.ToString(CultureInfo.InvariantCulture),
                Other = new UsageDetails { ModelRatio = 2.5, CompletionRatio = 4, CacheRatio = 0.5, CacheCreationRatio = 1.25, CacheCreation1hRatio = 2, GroupRatio = 1, CachedTokens = 0, CacheCreationTokens = 0, CacheCreation1hTokens = 0, ReasoningTokens = 0, FirstByteMs = 312 },
            };
        }

        return logs;
    }

    private static void Report(PersistenceRecorder recorder, long dropped, long started, long producedIn)
    {
        var persisted = recorder.Persisted;
        var elapsed = Seconds(recorder.LastCommit - started);
        var lag = recorder.SortedLagMs();
        var batches = recorder.Batches;
        var batchMs = batches.Select(static b => b.Ticks * 1000.0 / Stopwatch.Frequency).Order().ToArray();
        Console.WriteLine($"offered     {recorder.Accepted + dropped:N0} rows in {Seconds(producedIn):F2} s");
        Console.WriteLine($"persisted   {persisted:N0} rows in {elapsed:F2} s = {persisted / elapsed:N0} rows/s (first enqueue to last commit)");
        Console.WriteLine($"dropped     {dropped:N0}");
        Console.WriteLine($"lag ms      p50 {Percentile(lag, 0.50):F0}  p90 {Percentile(lag, 0.90):F0}  p99 {Percentile(lag, 0.99):F0}  max {Percentile(lag, 1):F0} (enqueue to commit)");
        Console.WriteLine($"batches     {batches.Count:N0}, {(double)persisted / Math.Max(1, batches.Count):F0} rows each; commit ms p50 {Percentile(batchMs, 0.50):F1}  p99 {Percentile(batchMs, 0.99):F1}  max {Percentile(batchMs, 1):F1}");
        Console.WriteLine($"store time  {batchMs.Sum() / 1000:F2} s in AppendAsync = {persisted / Math.Max(0.001, batchMs.Sum() / 1000):N0} rows/s while writing");
    }

    /// <remarks>
    /// Rows must match the accepted rows. Balances must match the accepted rows, or every offered row when the queue
    /// settles the quota of the rows it drops.
    /// </remarks>
    private static async Task<bool> VerifyAsync(string provider, string connectionString, Totals accepted, Totals offered, long initialTokenBalance)
    {
        await using DbConnection connection = provider == "sqlite" ? new SqliteConnection(connectionString) : new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var rows = await ScalarAsync(connection, "SELECT COUNT(*) FROM usage_logs");
        var logged = await ScalarAsync(connection, "SELECT COALESCE(SUM(quota), 0) FROM usage_logs WHERE type = 2");
        var stored = new Totals
        {
            Rows = rows,
            Charged = await ScalarAsync(connection, "SELECT SUM(used_quota) FROM tokens"),
            Reserved = await ScalarAsync(connection, "SELECT SUM(remain_quota) FROM tokens") - initialTokenBalance + await ScalarAsync(connection, "SELECT SUM(used_quota) FROM tokens"),
            Consumed = await ScalarAsync(connection, "SELECT SUM(request_count) FROM users"),
        };
        var userCharged = await ScalarAsync(connection, "SELECT SUM(used_quota) FROM users");
        bool Settled(Totals expected) => stored.Charged == expected.Charged && stored.Reserved == expected.Reserved && stored.Consumed == expected.Consumed && userCharged == expected.Charged;
        var ok = rows == accepted.Rows && logged == accepted.Charged && (Settled(accepted) || Settled(offered));
        Console.WriteLine($"verified    {(ok ? "OK" : "MISMATCH")}: rows {rows:N0} (accepted {accepted.Rows:N0}), logged quota {logged:N0} (accepted {accepted.Charged:N0}); " +
            $"settled {(Settled(accepted) ? "exactly the accepted rows" : Settled(offered) ? "exactly every offered row (dropped rows settled without a log row)" : "WRONG")}: " +
            $"charged {stored.Charged:N0}, refunded reservations {stored.Reserved:N0}, requests {stored.Consumed:N0}");
        return ok;
    }

    /// <summary>Returns the CPU milliseconds each server process connected to the benchmark database has used since <paramref name="since"/>.</summary>
    /// <remarks>Reads <c>/proc/{pid}/stat</c> of the backends, so it needs the server on this machine (Linux); empty otherwise.</remarks>
    private static async Task<Dictionary<int, double>> ServerCpuAsync(string provider, string connectionString, Dictionary<int, double> since)
    {
        var cpu = new Dictionary<int, double>();
        if (provider != "postgres" || !OperatingSystem.IsLinux())
        {
            return cpu;
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var pid = reader.GetInt32(0);
            try
            {
                // Fields 14 and 15 (after the parenthesised command name) are user and system time in clock ticks (100 Hz).
                var fields = (await File.ReadAllTextAsync($"/proc/{pid}/stat")).Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var ms = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
                cpu[pid] = ms - since.GetValueOrDefault(pid);
            }
            catch (IOException)
            {
                // Not on this machine, or gone.
            }
        }

        return cpu;
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - (p > 0 ? 1 : 0))];

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    private static int IntOption(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private struct Totals
    {
        public long Rows;
        public long Consumed;
        public long Charged;
        public long Reserved;

        public void Add(UsageLog log)
        {
            Rows++;
            Reserved += log.ReservedQuota;
            if (log.Type == UsageLogType.Consume)
            {
                Consumed++;
                Charged += log.Quota;
            }
        }
    }
}
