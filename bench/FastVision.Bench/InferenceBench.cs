using System.Diagnostics;
using FastVision.Inference;
using FastVision.Models;
using FastVision.Native;
using static TorchSharp.torch;
using FastVision.Training;

namespace FastVision.Bench;

/// <summary>
/// Inference of the same trained-shape model (built-in ResNet + fastai head, 8 classes) at 224 px: throughput at batch 32
/// and single-image latency for TorchSharp fp32, TorchSharp bf16 autocast and ONNX Runtime on the exported graph.
/// </summary>
public static class InferenceBench
{
    public static BenchmarkReport Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        const int size = 224, batch = 32;
        manual_seed(0);
        using var model = VisionModel.Create(Architectures.CntkResNet, 8, pretrained: true);
        model.eval();
        var onnxPath = Path.Combine(Path.GetTempPath(), "fastvision-bench-inference.onnx");
        OnnxExport.Save(model, size, onnxPath);

        var report = new BenchmarkReport("Inference, cntk-resnet + fastai head, 224 px, 2 threads",
            ["engine", "batch 32 img/s", "batch 1 latency (ms, median)", "vs torch fp32 (throughput)"]);
        using var images = randn(batch, 3, size, size);
        using var single = randn(1, 3, size, size);
        IInferenceEngine[] engines = [new TorchEngine(model, CPU), new TorchEngine(model, CPU, ScalarType.BFloat16), new OnnxEngine(onnxPath)];
        double? baseline = null;
        foreach (var engine in engines)
        {
            using (engine)
            {
                double throughput = Throughput(engine, images, passes: 4);
                double latency = LatencyMs(engine, single, calls: 20);
                baseline ??= throughput;
                report.Add(engine.Name, throughput, latency, throughput / baseline.Value);
            }
        }
        report.Note("Same weights and inputs; after 2 warm-up calls. ONNX Runtime: opset 13 graph written by FastVision's exporter, intra-op threads = cores, all graph optimizations.");
        return report;
    }

    internal static double Throughput(IInferenceEngine engine, Tensor images, int passes)
    {
        for (int i = 0; i < 2; i++) engine.Forward(images).Dispose();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < passes; i++) engine.Forward(images).Dispose();
        return passes * images.shape[0] / watch.Elapsed.TotalSeconds;
    }

    private static double LatencyMs(IInferenceEngine engine, Tensor image, int calls)
    {
        for (int i = 0; i < 2; i++) engine.Forward(image).Dispose();
        var times = new List<double>();
        for (int i = 0; i < calls; i++)
        {
            var watch = Stopwatch.StartNew();
            engine.Forward(image).Dispose();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
