using System.Text.RegularExpressions;
using FastVision.Reporting;
using Xunit.Abstractions;

namespace FastVision.Tests;

/// <summary>The run report as a browser shows it: headless Chromium (Debian's chromium, installed by .ci/run).</summary>
public class ReportBrowserTests(ITestOutputHelper output)
{
    private static string? Chromium => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    [SkippableFact]
    public void TheReportRendersEverySectionAndItsImagesInHeadlessChromium()
    {
        Skip.If(Chromium is null, "chromium is not installed (apt-get install -y chromium; .ci/run does it).");
        using var dir = new TempDir();
        var run = CliRunner.Run("demo", "--per-class", "6", "--size", "32", "--presize", "40", "--batch-size", "8", "--epochs", "1", "--out", dir.Path);
        Assert.True(run.ExitCode == 0, run.Output + run.Errors);
        var report = dir.Combine("model", RunFiles.Report);
        Assert.True(File.Exists(report));
        int images = Regex.Matches(File.ReadAllText(report), "<img ").Count;
        Assert.True(images >= 6, $"{images} images embedded");
        Assert.Contains("<img alt=\"class gallery\" src=\"data:image/png;base64,", File.ReadAllText(report)); // beside the batch

        var dom = RunChromium(dir, "--dump-dom", "file://" + report);
        foreach (var (id, title) in RunReport.Sections)
        {
            Assert.Contains($"<section id=\"{id}\">", dom);
            Assert.Contains($"<h2>{title}</h2>", dom);
        }
        // Set by the page's own script once the browser has decoded the embedded PNGs.
        Assert.Contains($"data-images-loaded=\"{images}\"", dom);

        var screenshot = Path.Combine(AppContext.BaseDirectory, "test-output", "report.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);
        RunChromium(dir, "--window-size=1200,3000", "--screenshot=" + screenshot, "file://" + report);
        using var bitmap = SkiaSharp.SKBitmap.Decode(screenshot);
        Assert.Equal((1200, 3000), (bitmap.Width, bitmap.Height));
        output.WriteLine($"screenshot: {screenshot}");
    }

    private static string RunChromium(TempDir dir, params string[] args) =>
        TestProcess.Run(Chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--user-data-dir=" + dir.Combine("chromium-profile"), .. args], timeout: TimeSpan.FromMinutes(2));
}
