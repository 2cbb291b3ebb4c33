using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastVision.Data;
using FastVision.Inference;
using FastVision.Models;
using FastVision.Native;
using FastVision.Training;
using static TorchSharp.torch;

namespace FastVision.Bench;

/// <summary>
/// <c>fastvision predict</c> at scale, on N generated 640x480 stand-in JPEGs (20,000 by default): the whole command's
/// wall-clock rate against its engine's alone (is decoding and writing hidden behind the model?), the command's peak
/// memory at 2,000 images and at N (does it stream?), and what a SIGKILL at half way costs once the run resumes.
/// </summary>
public static class PredictionScale
{
    private const int Batch = 32, Classes = 8, BundleImages = 256;

    public static BenchmarkReport Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        bool quick = args.Contains("--quick");
        int n = int.Parse(Value(args, "--images") ?? (quick ? "600" : "20000"), CultureInfo.InvariantCulture);
        int size = quick ? 64 : 224;
        int timedBatches = Math.Min(quick ? 4 : 20, n / Batch);
        int small = Math.Min(2000, n / 3);
        var total = Stopwatch.StartNew();

        var folder = StandInImages.Folder(n);
        var smallFolder = StandInImages.Folder(small); // the same files as the first `small` of `folder`
        var work = Path.Combine(Path.GetTempPath(), "fastvision-predict-scale");
        var bundle = Bundle(folder, Path.Combine(work, $"model-{size}"), size);
        Console.WriteLine($"bundle {bundle} ({total.Elapsed.TotalSeconds:F0} s)");

        // 1. Engine alone: Forward on batches already decoded and prepared by FastVision's own loader.
        var (model, metadata) = ModelBundle.Load(bundle);
        model.eval();
        var prepared = Prepared(folder, metadata, timedBatches);
        double onnxAlone, torchAlone;
        using (var onnx = new OnnxEngine(Path.Combine(bundle, ModelBundle.OnnxFile))) onnxAlone = ForwardRate(onnx, prepared);
        // bf16 under the AVX2 cap of CPUs without cache info runs at about 1 img/s at 224 px: a few batches and a subset say as much.
        bool slowBf16 = OneDnnHazard.CpuCacheInfoMissing && !quick;
        using (var torch = new TorchEngine(model, CPU, ScalarType.BFloat16, ownsModel: true)) torchAlone = ForwardRate(torch, slowBf16 ? prepared[..3] : prepared);
        foreach (var t in prepared) t.Dispose();
        Console.WriteLine($"engine alone: onnx {onnxAlone:F1} img/s, torch bf16 {torchAlone:F1} img/s ({total.Elapsed.TotalSeconds:F0} s)");

        // 2. End to end: the command as a child process over every image (start-up, decode, preprocess, engine, write).
        string[] onnxArgs = ["--engine", "onnx"], torchArgs = ["--engine", "torch", "--precision", "bf16"];
        var onnxRun = Predict(bundle, folder, Path.Combine(work, "onnx.csv"), onnxArgs);
        int torchImages = slowBf16 ? Math.Min(n, 320) : n;
        var torchRun = Predict(bundle, StandInImages.Folder(torchImages), Path.Combine(work, "torch.csv"), torchArgs);
        var smallRun = Predict(bundle, smallFolder, Path.Combine(work, "onnx-small.csv"), onnxArgs);
        Console.WriteLine($"end to end done ({total.Elapsed.TotalSeconds:F0} s)");

        // 3. Kill at half way, then the same command again: it resumes from the rows already written.
        var resume = KillAndResume(bundle, folder, Path.Combine(work, "killed.csv"), onnxArgs, n);

        var report = new BenchmarkReport($"predict at scale, {n:N0} 640x480 stand-in JPEGs, cntk-resnet + fastai head ({Classes} classes), {size} px, batch {Batch}",
            ["measure", "value", "goal", "met"]);
        foreach (var (name, alone, run, images) in new[] { ("onnx", onnxAlone, onnxRun, n), ("torch bf16", torchAlone, torchRun, torchImages) })
        {
            double endToEnd = images / run.Seconds;
            report.Add($"{name}: engine alone img/s (Forward on prepared batches)", alone, "", "");
            report.Add($"{name}: end to end img/s (predict, {images:N0} images)", endToEnd, "", "");
            report.Add($"{name}: end to end / engine alone", endToEnd / alone, ">= 0.8", Met(endToEnd / alone >= 0.8));
        }
        report.Add($"onnx: peak resident set, {small:N0} images (MB)", smallRun.PeakResidentMb, "", "");
        report.Add($"onnx: peak resident set, {n:N0} images (MB)", onnxRun.PeakResidentMb, "", "");
        report.Add($"onnx: peak resident set {n:N0} / {small:N0}", onnxRun.PeakResidentMb / smallRun.PeakResidentMb, "flat (<= 1.1)",
            Met(onnxRun.PeakResidentMb <= smallRun.PeakResidentMb * 1.1));
        report.Add($"torch bf16: peak resident set, {torchImages:N0} images (MB)", torchRun.PeakResidentMb, "", "");
        resume.AddTo(report, onnxRun.Seconds, n);
        report.Note($"Stand-ins: 200 distinct DemoDataset scenes, copied up to the count ({folder}). Bundle: a VisionLearner (random weights) fitted " +
            $"for one short epoch on {BundleImages} stand-ins under {Classes} made-up labels, saved with model.onnx; speed does not depend on the weights. " +
            $"Engine alone: Forward over {prepared.Length} batches of {Batch} prepared by DataLoader with the bundle's pipeline, after 2 warm-up calls. " +
            $"End to end: wall-clock time of `dotnet FastVision.Cli.dll predict MODEL FOLDER --out OUT.csv <engine> --json` on a fresh output, " +
            "including start-up and model load. Peak resident set: the child's VmHWM (or VmRSS), sampled every 100 ms. " +
            $"Time lost: killed run + resumed run − the uninterrupted onnx run. Whole benchmark: {total.Elapsed.TotalMinutes:F1} min.");
        if (OneDnnHazard.CpuCacheInfoMissing)
            report.Note("This CPU reports no caches, so oneDNN is capped at AVX2 (OneDnnHazard): its AVX-512 bf16 kernels are off, and torch bf16 figures here are not the CPU's best.");
        return report;
    }

    /// <summary>A bundle trained for a handful of steps: the first stand-ins, labelled round-robin with made-up classes through a labels CSV.</summary>
    private static string Bundle(string images, string directory, int size)
    {
        Directory.CreateDirectory(directory);
        var labels = Path.Combine(directory, "labels.csv");
        var files = ImageFiles.Find(images).Take(BundleImages);
        File.WriteAllLines(labels, files.Select((f, i) => $"{Path.GetRelativePath(images, f)},class{i % Classes}").Prepend("filepath,label"));
        var dls = ImageDataLoaders.FromCsv(images, labels, "filepath", "label", new DataLoaderOptions { Size = size, BatchSize = Batch, Seed = 1, ValidPct = 0.25 });
        using var learn = VisionLearner.Create(dls, Architectures.CntkResNet, new LearnerOptions { Log = null, Pretrained = false });
        learn.Fit(1, 1e-4);
        var saved = ModelBundle.Save(learn, directory);
        if (!saved.HasOnnx) throw new InvalidOperationException($"the bundle has no {ModelBundle.OnnxFile}: {saved.OnnxWarning}");
        return directory;
    }

    /// <summary>Batches decoded and preprocessed exactly as prediction does (no augmentation), held in memory for timing the engine alone.</summary>
    private static Tensor[] Prepared(string folder, ModelMetadata metadata, int batches)
    {
        var items = ImageFiles.Find(folder).Take(batches * Batch).Select(f => new ImageItem(f)).ToList();
        var loader = new DataLoader(items, metadata.Classes, metadata.Pipeline, new LoaderSettings { BatchSize = Batch, Issues = new DataIssues() }, isTrain: false, augment: false);
        var prepared = new List<Tensor>();
        foreach (var batch in loader.GetBatches(0))
            using (batch) prepared.Add(loader.Prepare(batch, CPU));
        return [.. prepared];
    }

    private static double ForwardRate(IInferenceEngine engine, Tensor[] batches)
    {
        for (int i = 0; i < 2; i++) engine.Forward(batches[0]).Dispose();
        var watch = Stopwatch.StartNew();
        long images = 0;
        foreach (var b in batches)
        {
            engine.Forward(b).Dispose();
            images += b.shape[0];
        }
        return images / watch.Elapsed.TotalSeconds;
    }

    /// <summary>One uninterrupted run on a fresh output (removed with its manifest, so nothing resumes).</summary>
    private static ChildRun Predict(string bundle, string folder, string output, string[] engine)
    {
        Fresh(output);
        var run = MeasuredChild.Run(Dotnet, PredictArguments(bundle, folder, output, engine));
        return run.ExitCode == 0 ? run : throw new InvalidOperationException($"predict failed (exit {run.ExitCode}): {run.Errors}{run.Output}");
    }

    private static KillAndResumeResult KillAndResume(string bundle, string folder, string output, string[] engine, int n)
    {
        Fresh(output);
        var arguments = PredictArguments(bundle, folder, output, engine);
        var killed = MeasuredChild.Run(Dotnet, arguments, killWhen: () => CompleteRows(output) >= n / 2);
        int rowsAtKill = CompleteRows(output);
        if (!killed.Killed || rowsAtKill >= n)
            return new KillAndResumeResult(killed, null, rowsAtKill, null, rowsAtKill,
                "not measured: the output was never part-written (it appeared whole, or not before the run ended): no rows are flushed per batch");
        var resumed = MeasuredChild.Run(Dotnet, arguments);
        if (resumed.ExitCode != 0)
            return new KillAndResumeResult(killed, resumed, rowsAtKill, null, CompleteRows(output), $"the resumed run failed (exit {resumed.ExitCode}): {resumed.Errors.Trim()}");
        return new KillAndResumeResult(killed, resumed, rowsAtKill, JsonResult(resumed.Output), CompleteRows(output), null);
    }

    /// <summary>The kill-and-resume figures, or why they could not be measured.</summary>
    private sealed record KillAndResumeResult(ChildRun Killed, ChildRun? Resumed, int RowsAtKill, JsonElement? Result, int RowsAtEnd, string? Failure)
    {
        public void AddTo(BenchmarkReport report, double uninterruptedSeconds, int n)
        {
            if (Resumed is not null) report.Add("kill at half way: rows in the output at SIGKILL", RowsAtKill, $">= {n / 2}", Met(RowsAtKill >= n / 2));
            if (Failure is not null)
            {
                report.Add("kill at half way and resume", Failure, "", "no");
                return;
            }
            var result = Result!.Value;
            int predicted = result.GetProperty("images").GetInt32();
            int? resumedRows = result.TryGetProperty("resumed", out var r) ? r.GetInt32() : null;
            report.Add("resumed run: rows already in the output at start (`resumed`)", resumedRows?.ToString(CultureInfo.InvariantCulture) ?? "absent from --json",
                RowsAtKill, Met(resumedRows == RowsAtKill));
            report.Add("resumed run: images predicted (`images`)", predicted, n - RowsAtKill, "");
            int redone = predicted - (n - RowsAtKill);
            report.Add("work redone (images predicted twice)", redone, $"< {Batch}", Met(redone < Batch));
            report.Add("rows in the output after resuming", RowsAtEnd, n, Met(RowsAtEnd == n));
            double lost = Killed.Seconds + Resumed!.Seconds - uninterruptedSeconds;
            report.Add("time lost (s): killed + resumed − uninterrupted", lost, "", "");
            report.Add("time lost / uninterrupted run", lost / uninterruptedSeconds, "", "");
        }
    }

    /// <summary>The contract's command line: the same for a fresh run and for its resumption.</summary>
    private static string[] PredictArguments(string bundle, string folder, string output, string[] engine) =>
        [CliDll, "predict", bundle, folder, "--out", output, .. engine, "--json"];

    /// <summary>The CLI's dll, copied here by the project reference; run with dotnet as an installed tool would be.</summary>
    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "FastVision.Cli.dll");

    private static string Dotnet =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    private static void Fresh(string output)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        File.Delete(output);
        File.Delete(output + ".manifest.json");
    }

    /// <summary>Complete lines of the output CSV after its header: a line cut short by the kill is not a row.</summary>
    private static int CompleteRows(string output)
    {
        if (!File.Exists(output)) return 0;
        using var stream = new FileStream(output, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[1 << 16];
        int lines = 0, read;
        while ((read = stream.Read(buffer)) > 0) lines += buffer.AsSpan(0, read).Count((byte)'\n');
        return Math.Max(0, lines - 1);
    }

    /// <summary>The --json result: the last stdout line that is a JSON object.</summary>
    private static JsonElement JsonResult(string output)
    {
        var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{'))
            ?? throw new InvalidOperationException($"no JSON result line in: {output}");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private static string Met(bool met) => met ? "yes" : "no";

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
