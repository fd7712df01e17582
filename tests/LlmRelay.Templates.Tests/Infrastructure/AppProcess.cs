using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LlmRelay.Templates.Tests.Infrastructure;

/// <summary>A built app (<c>dotnet app.dll</c>) running as a child process; killed, with its children, on dispose.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Returns a loopback TCP port that was free a moment ago.</summary>
    /// <remarks>
    /// Drawn from 20000-32767, below Linux's ephemeral range (32768-60999): a port the OS handed out and took back is
    /// soon handed to the next socket bound to port 0 (the tests' mock upstreams, outgoing connections), which could then
    /// take the app's port between this check and the app's bind. Ports here are only ever chosen on purpose.
    /// </remarks>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 32768);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return port;
            }
            catch (SocketException)
            {
                // Taken: draw another.
            }
        }

        throw new InvalidOperationException("No free loopback port between 20000 and 32767.");
    }

    /// <summary>Starts <paramref name="dll"/> with <paramref name="contentRoot"/> as its working directory (and so its content root).</summary>
    /// <param name="urls">The <c>--urls</c> argument, or <see langword="null"/> to use the app's own configuration.</param>
    public static AppProcess Start(string dll, string contentRoot, int port, bool passUrls, IReadOnlyDictionary<string, string?> environment)
    {
        List<string> arguments = [dll];
        if (passUrls)
        {
            arguments.AddRange(["--urls", $"http://127.0.0.1:{port}"]);
        }

        var process = ProcessRunner.Create(contentRoot, arguments, environment);
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Polls <c>/readyz</c> until it answers 200, failing with the app's output when it exits or times out.</summary>
    public async Task WaitUntilReadyAsync(HttpClient client, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"The app exited with {_process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, "/readyz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The app was not ready within {timeout}:\n{Output}");
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        ProcessRunner.Kill(_process);
        await Task.Yield();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
