using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.Benchmarks;

/// <summary>
/// The issue #17 memory check: a 100 MB transcription upload and a 100 MB speech download through a real gateway process
/// (the sample gateway), against a loopback mock upstream in this process, with the gateway's resident memory sampled from
/// <c>/proc/{pid}/status</c> (VmRSS every 10 ms, and VmHWM, its peak) before and during each transfer.
/// </summary>
/// <remarks>
/// Run: <c>dotnet run -c Release --project bench/LlmRelay.Benchmarks -- upload-memory [gateway.dll] [megabytes]</c>. The gateway
/// defaults to <c>samples/LlmRelay.Gateway/bin/Release/net10.0/LlmRelay.Gateway.dll</c> (build it first). Linux only (procfs).
/// </remarks>
internal static class UploadMemoryBenchmark
{
    private const string Key = "sk-bench-upload";

    public static async Task<int> RunAsync(string[] args)
    {
        var dll = args.Length > 0 ? Path.GetFullPath(args[0]) : FindGateway();
        var megabytes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        long size = megabytes * 1024L * 1024;

        long uploaded = 0;
        await using var upstream = await StartUpstreamAsync(size, received => Interlocked.Exchange(ref uploaded, received));
        var port = FreePort();
        var database = Path.Combine(Path.GetTempPath(), $"llmrelay-bench-{Guid.NewGuid():N}.db");
        using var gateway = StartGateway(dll, port, upstream.Url, database, size);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
            await WaitForHealthAsync(client, gateway);

            // Warm-up: both routes once with a small body, so the JIT and the first-call allocations are in the baseline.
            await TranscribeAsync(client, 1024 * 1024);
            await SpeakAsync(client);
            Console.WriteLine($"gateway: {dll}");
            Console.WriteLine($"transfer: {megabytes} MiB each way");
            await MeasureAsync("transcription upload", gateway, () => TranscribeAsync(client, size));
            Console.WriteLine($"  upstream received {Interlocked.Read(ref uploaded)} bytes of file content");
            await MeasureAsync("speech download", gateway, () => SpeakAsync(client));
            return 0;
        }
        finally
        {
            gateway.Kill(entireProcessTree: true);
            await gateway.WaitForExitAsync();
            foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(database) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    private static async Task MeasureAsync(string name, Process gateway, Func<Task<long>> transfer)
    {
        GC.Collect();
        await Task.Delay(500);
        ResetPeak(gateway.Id);
        var before = Status(gateway.Id, "VmRSS:");
        var peak = before;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, Status(gateway.Id, "VmRSS:"));
                await Task.Delay(10);
            }
        });
        var watch = Stopwatch.StartNew();
        var bytes = await transfer();
        watch.Stop();
        await done.CancelAsync();
        await sampler;
        var hwm = Status(gateway.Id, "VmHWM:");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {bytes / 1048576.0:F1} MiB in {watch.Elapsed.TotalSeconds:F2} s; gateway RSS before {before / 1024.0:F1} MiB, sampled peak {peak / 1024.0:F1} MiB (+{(peak - before) / 1024.0:F1}), VmHWM {hwm / 1024.0:F1} MiB (+{(hwm - before) / 1024.0:F1})"));
    }

    private static async Task<long> TranscribeAsync(HttpClient client, long size)
    {
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(new GeneratedStream(size), 64 * 1024);
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/mpeg");
        form.Add(file, "file", "long.mp3");
        form.Add(new StringContent("whisper-1"), "model");
        using var response = await client.PostAsync("/v1/audio/transcriptions", form);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"transcription: {(int)response.StatusCode} {text}");
        }

        return size;
    }

    private static async Task<long> SpeakAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = new StringContent("""{"model":"tts-1","input":"A long otter story.","voice":"alloy"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"speech: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }

    // A loopback upstream: transcriptions count the bytes they receive; speech writes `size` bytes in 64 KiB chunks.
    private static async Task<Upstream> StartUpstreamAsync(long size, Action<long> received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(static kestrel => kestrel.Limits.MaxRequestBodySize = null);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/v1/audio/transcriptions", async context =>
        {
            var form = await context.Request.ReadFormAsync(); // buffered to disk by ASP.NET Core past 64 KiB
            received(form.Files.Sum(static f => f.Length));
            await context.Response.WriteAsJsonAsync(new { text = "An otter." });
        });
        app.MapPost("/v1/audio/speech", async context =>
        {
            context.Response.ContentType = "audio/mpeg";
            var chunk = new byte[64 * 1024];
            var length = size;
            for (long sent = 0; sent < length; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - sent)));
            }
        });
        await app.StartAsync();
        return new Upstream(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    private static Process StartGateway(string dll, int port, string upstream, string database, long size)
    {
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        var limit = (size + (16 * 1024 * 1024)).ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
            ["ConnectionStrings__LlmRelay"] = $"Data Source={database}",
            ["LlmRelay__Outbound__AllowPrivateAddresses"] = "true",
            ["LlmRelay__MaxRequestBodySize"] = limit,
            ["LlmRelay__MaxUploadFileSize"] = limit,
            ["LlmRelay__Channels__0__Name"] = "mock",
            ["LlmRelay__Channels__0__Type"] = "openai",
            ["LlmRelay__Channels__0__BaseUrl"] = upstream,
            ["LlmRelay__Channels__0__Keys__0"] = "sk-upstream",
            ["LlmRelay__Channels__0__Models__0"] = "whisper-1",
            ["LlmRelay__Channels__0__Models__1"] = "tts-1",
            ["LlmRelay__Tokens__0__Name"] = "bench",
            ["LlmRelay__Tokens__0__Key"] = Key,
            ["LlmRelay__Tokens__0__UnlimitedQuota"] = "true",
        })
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, e) =>
        {
            if (e.Data is { Length: > 0 })
            {
                Console.Error.WriteLine("gateway: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForHealthAsync(HttpClient client, Process gateway)
    {
        for (var i = 0; i < 600; i++)
        {
            if (gateway.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with {gateway.ExitCode}.");
            }

            try
            {
                using var response = await client.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The gateway did not become healthy within a minute.");
    }

    // Kilobytes of a /proc/{pid}/status line ("VmRSS:", "VmHWM:").
    private static long Status(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+), so the peak is the transfer's own.
    private static void ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
        }
        catch (IOException)
        {
            Console.WriteLine("  (VmHWM could not be reset: it includes start-up)");
        }
        catch (UnauthorizedAccessException)
        {
            Console.WriteLine("  (VmHWM could not be reset: it includes start-up)");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindGateway()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "samples", "LlmRelay.Gateway", "bin", "Release", "net10.0", "LlmRelay.Gateway.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("Build samples/LlmRelay.Gateway in Release first, or pass the gateway's dll.");
    }

    private sealed record Upstream(WebApplication App, string Url) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    // `length` bytes produced as they are read (seekable, so the upload has a Content-Length): the benchmark never holds them.
    private sealed class GeneratedStream(long length) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get; set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - Position);
            buffer.AsSpan(offset, n).Fill((byte)(Position >> 16));
            Position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin == SeekOrigin.Begin ? offset : origin == SeekOrigin.Current ? Position + offset : length + offset;

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
