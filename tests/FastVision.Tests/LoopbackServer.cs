using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace FastVision.Tests;

/// <summary>
/// A real HTTP server on 127.0.0.1 (ephemeral port) for download tests: serves byte arrays at paths with the headers a
/// test gives, honours <c>Range: bytes=N-</c>, and can cut a response halfway, answer late, or throttle, once or always.
/// Every request is recorded.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly ConcurrentDictionary<string, Served> files = new();
    private readonly Task loop;

    public sealed class Served
    {
        public required byte[] Body { get; init; }
        public Dictionary<string, string> Headers { get; init; } = [];
        /// <summary>GET responses still to cut after half the body.</summary>
        public int CutsLeft { get; set; }
        /// <summary>Wait before answering (timeouts).</summary>
        public TimeSpan Delay { get; init; }
        /// <summary>Bytes per second of the body; 0: as fast as possible.</summary>
        public int BytesPerSecond { get; init; }
        public HttpStatusCode Status { get; init; } = HttpStatusCode.OK;
    }

    public sealed record Request(string Method, string Path, string? Range, string? Authorization);

    public ConcurrentQueue<Request> Requests { get; } = new();

    public LoopbackServer()
    {
        // An ephemeral port: ask the OS for a free one, then listen on it (HttpListener needs the number up front).
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(Serve);
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public Served Add(string path, byte[] body, Dictionary<string, string>? headers = null, int cuts = 0, TimeSpan delay = default, int bytesPerSecond = 0,
        HttpStatusCode status = HttpStatusCode.OK)
    {
        var served = new Served { Body = body, Headers = headers ?? [], CutsLeft = cuts, Delay = delay, BytesPerSecond = bytesPerSecond, Status = status };
        files[path] = served;
        return served;
    }

    public int Count(string method, string path) => Requests.Count(r => r.Method == method && r.Path == path);

    private async Task Serve()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); }
            catch (Exception) { return; } // stopped
            _ = Task.Run(() => Answer(context));
        }
    }

    private async Task Answer(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        Requests.Enqueue(new Request(request.HttpMethod, path, request.Headers["Range"], request.Headers["Authorization"]));
        try
        {
            if (!files.TryGetValue(path, out var served))
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }
            if (served.Delay > TimeSpan.Zero) await Task.Delay(served.Delay);
            response.StatusCode = (int)served.Status;
            foreach (var (name, value) in served.Headers) response.Headers[name] = value;
            if (served.Status != HttpStatusCode.OK)
            {
                response.Close();
                return;
            }
            long start = 0;
            if (request.Headers["Range"] is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && long.TryParse(range[6..].TrimEnd('-'), out var from) && from < served.Body.Length)
            {
                start = from;
                response.StatusCode = 206;
                response.Headers["Content-Range"] = $"bytes {from}-{served.Body.Length - 1}/{served.Body.Length}";
            }
            response.ContentLength64 = served.Body.Length - start;
            if (request.HttpMethod == "HEAD")
            {
                response.Close();
                return;
            }
            bool cut = false;
            lock (served)
            {
                if (served.CutsLeft > 0) { served.CutsLeft--; cut = true; }
            }
            long end = cut ? start + (served.Body.Length - start) / 2 : served.Body.Length;
            var output = response.OutputStream;
            for (long offset = start; offset < end;)
            {
                int chunk = (int)Math.Min(served.BytesPerSecond > 0 ? Math.Max(1, served.BytesPerSecond / 20) : 1 << 16, end - offset);
                await output.WriteAsync(served.Body.AsMemory((int)offset, chunk));
                offset += chunk;
                if (served.BytesPerSecond > 0) await Task.Delay(50);
            }
            if (cut)
            {
                await output.FlushAsync();
                response.Abort(); // the connection drops with the body half sent
                return;
            }
            response.Close();
        }
        catch (Exception) // the client went away (a test that timed out, a cut it provoked): nothing to answer
        {
            try { response.Abort(); } catch (ObjectDisposedException) { }
        }
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        try { loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
