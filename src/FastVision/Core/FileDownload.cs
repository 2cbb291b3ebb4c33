using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace FastVision;

/// <summary>How downloads behave: timeouts, retries, credentials and where progress goes.</summary>
public sealed record DownloadOptions
{
    /// <summary>Longest wait for the server's headers or for the next bytes of the body.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Further attempts after a failure that may pass (connection cut, timeout, 5xx), each resuming the partial file.</summary>
    public int Retries { get; init; } = 4;

    /// <summary>Wait before the first retry; doubled for each next one.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait for another process that is downloading the same file.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Progress of each download; null: <see cref="DownloadProgressReporter"/> on stderr.</summary>
    public IProgress<DownloadStatus>? Progress { get; init; }
}

/// <summary>A download's state: bytes so far (including a resumed part), the total when the server says it, the rate of this attempt.</summary>
public sealed record DownloadStatus(string FileName, long Received, long? Total, double BytesPerSecond, bool Done);

/// <summary>What the server said about a completed download, for the caller's checks.</summary>
public sealed record DownloadResponse(long Length, string? ETag, IReadOnlyDictionary<string, string> Headers);

/// <summary>A download that cannot succeed (not found, refused, wrong contents, or still failing after every retry).</summary>
public sealed class DownloadException(string message, HttpStatusCode? status = null, Exception? inner = null) : Exception(message, inner)
{
    public HttpStatusCode? Status => status;
}

/// <summary>
/// Fetches a URL to a file like a package manager: into <c>FILE.partial</c>, resumed with an HTTP Range request after a
/// cut connection (or in a later run), retried with back-off, checked by the caller before the rename to <c>FILE</c>, and
/// serialized across processes by a lock file, so two processes fetching the same file leave one good copy.
/// </summary>
public static class FileDownload
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan, // per request below: a large file may take longer than any fixed limit
    };

    // For metadata requests: the hub answers a file's resolve URL with a redirect whose headers carry the file's digest and size.
    private static readonly HttpClient NoRedirects = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };

    /// <summary>The headers (lower-case names) of a HEAD request to <paramref name="url"/>, redirects not followed; retried like a download.</summary>
    public static IReadOnlyDictionary<string, string> Head(string url, DownloadOptions options, string? bearerToken = null, CancellationToken cancellation = default) =>
        WithRetries(url, options, cancellation, "", () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, url);
            if (bearerToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(options.Timeout);
            using var response = NoRedirects.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).GetAwaiter().GetResult();
            if ((int)response.StatusCode >= 400)
                throw new DownloadException($"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}", response.StatusCode);
            return Headers(response);
        });

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="path"/> unless it already exists. <paramref name="verify"/> gets the
    /// complete partial file and the response, and returns a problem (the file is then deleted and a <see cref="DownloadException"/>
    /// names it) or null.
    /// </summary>
    public static void Get(string url, string path, DownloadOptions options, Func<string, DownloadResponse, string?>? verify = null,
        string? bearerToken = null, CancellationToken cancellation = default)
    {
        if (File.Exists(path)) return;
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var fileLock = AcquireLock(path + ".lock", options.LockTimeout, cancellation);
        if (File.Exists(path)) return; // another process finished it while we waited
        var partial = path + ".partial";
        var progress = options.Progress ?? new DownloadProgressReporter(Console.Error);
        WithRetries(url, options, cancellation, $"; the partial file {partial} is kept and resumed next time", () =>
        {
            var response = Attempt(url, partial, options, bearerToken, progress, cancellation);
            if (verify?.Invoke(partial, response) is { } problem)
            {
                File.Delete(partial);
                throw new DownloadException($"{url}: {problem}; the download was deleted.");
            }
            File.Move(partial, path, overwrite: false);
            return true;
        });
    }

    /// <summary>Runs <paramref name="attempt"/> until it succeeds, a failure is not transient, or the retries are spent (waiting longer each time).</summary>
    private static T WithRetries<T>(string url, DownloadOptions options, CancellationToken cancellation, string whenSpent, Func<T> attempt)
    {
        for (int retry = 0; ; retry++)
        {
            try
            {
                return attempt();
            }
            catch (Exception e) when (retry < options.Retries && IsTransient(e) && !cancellation.IsCancellationRequested)
            {
                Thread.Sleep(options.FirstBackoff * Math.Pow(2, retry));
            }
            catch (Exception e) when (IsTransient(e) && !cancellation.IsCancellationRequested)
            {
                throw new DownloadException($"{url}: {Describe(e)} (after {options.Retries + 1} attempts{whenSpent}).", inner: e);
            }
        }
    }

    private static Dictionary<string, string> Headers(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));

    private static DownloadResponse Attempt(string url, string partial, DownloadOptions options, string? bearerToken, IProgress<DownloadStatus> progress, CancellationToken cancellation)
    {
        long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        if (bearerToken is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        headersTimeout.CancelAfter(options.Timeout);
        using var response = Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token).GetAwaiter().GetResult();
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
        {
            File.Delete(partial); // the server's file changed or the partial is too long: start over
            throw new HttpRequestException("the server refused to resume the partial file; starting over", null, response.StatusCode);
        }
        if (!response.IsSuccessStatusCode)
            throw new DownloadException($"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}", response.StatusCode);
        bool resumed = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == have;
        if (!resumed) have = 0; // a server without ranges sends the whole file
        long? total = response.Content.Headers.ContentLength is { } length ? have + length : null;
        var name = Path.GetFileName(partial)[..^".partial".Length];
        var watch = Stopwatch.StartNew();
        using (var file = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None))
        using (var body = response.Content.ReadAsStream(cancellation))
        {
            var buffer = new byte[1 << 16];
            long received = have, lastReport = 0;
            while (true)
            {
                using var readTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                readTimeout.CancelAfter(options.Timeout);
                int n = body.ReadAsync(buffer, readTimeout.Token).AsTask().GetAwaiter().GetResult();
                if (n == 0) break;
                file.Write(buffer, 0, n);
                received += n;
                if (watch.ElapsedMilliseconds - lastReport >= 200)
                {
                    lastReport = watch.ElapsedMilliseconds;
                    progress.Report(new DownloadStatus(name, received, total, (received - have) / Math.Max(watch.Elapsed.TotalSeconds, 1e-3), false));
                }
            }
            if (total is { } expected && received != expected)
                throw new IOException($"the connection closed after {received} of {expected} bytes");
            progress.Report(new DownloadStatus(name, received, total, (received - have) / Math.Max(watch.Elapsed.TotalSeconds, 1e-3), true));
        }
        return new DownloadResponse(new FileInfo(partial).Length, response.Headers.ETag?.Tag.Trim('"'), Headers(response));
    }

    /// <summary>Failures another attempt may get past: the network, timeouts, cut connections, server errors.</summary>
    private static bool IsTransient(Exception e) => e switch
    {
        DownloadException d => d.Status is { } s && ((int)s >= 500 || s == HttpStatusCode.RequestTimeout || s == HttpStatusCode.TooManyRequests),
        HttpRequestException or IOException or OperationCanceledException => true,
        _ => false,
    };

    private static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "no response within the timeout",
        HttpRequestException { InnerException: { } inner } => inner.Message,
        _ => e.Message,
    };

    /// <summary>An exclusive lock file (deleted on close); waits while another process holds it.</summary>
    private static FileStream AcquireLock(string lockPath, TimeSpan timeout, CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (watch.Elapsed < timeout && !cancellation.IsCancellationRequested)
            {
                Thread.Sleep(200);
            }
        }
    }
}
