using System.Globalization;
using FastVision.Inference;
using FastVision.Models;
using FastVision.Native;
using FastVision.Training;
using static TorchSharp.torch;

namespace FastVision.Bench;

/// <summary>
/// Picking a backbone by accuracy per CPU-second: training img/s (fp32 and bf16 autocast, whole network, 224 px, batch 32)
/// and ONNX Runtime inference img/s (batch 32) side by side with the ImageNet top-1 and GMACs of each architecture's
/// default weights. Speed does not depend on the weights, so the bodies start from random init (no download).
/// </summary>
public static class ArchitectureBench
{
    private static readonly string[] Names = ["cntk-resnet", "resnet50", "efficientnet_b0", "convnext_tiny", "regnety_016"];

    public static BenchmarkReport Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        bool quick = args.Contains("--quick");
        const int size = 224, batch = 32, classes = 8;
        var report = new BenchmarkReport("Architectures: training and ONNX Runtime inference at 224 px, batch 32, 2 threads",
            ["architecture", "top-1 (%)", "GMACs", "train fp32 img/s", "train bf16 img/s", "ONNX Runtime img/s", "top-1 per ONNX ms/img"]);
        foreach (var name in Names)
        {
            if (!Architectures.All.Any(a => a.Name == name))
            {
                report.Add(name, "", "", "not registered", "", "", "");
                continue;
            }
            var arch = Architectures.Get(name);
            manual_seed(0);
            using var model = VisionModel.Create(arch, classes);
            int steps = quick ? 2 : 4;
            double fp32 = BareTrainingLoop.ImagesPerSecond(model, classes, size, batch, steps, warmup: 1, bf16: false);
            double bf16 = BareTrainingLoop.ImagesPerSecond(model, classes, size, batch, steps, warmup: 1, bf16: true);
            object onnx = "no exporter";
            object perMs = "";
            if (OnnxExport.Supports(model))
            {
                model.eval();
                var path = Path.Combine(Path.GetTempPath(), $"fastvision-bench-{name}.onnx");
                OnnxExport.Save(model, size, path);
                using var engine = new OnnxEngine(path);
                using var images = randn(batch, 3, size, size);
                double imagesPerSecond = InferenceBench.Throughput(engine, images, passes: quick ? 1 : 3);
                onnx = imagesPerSecond;
                if (arch.DefaultWeights?.Top1 is { } top) perMs = top / (1000 / imagesPerSecond);
                File.Delete(path);
            }
            var weights = arch.DefaultWeights;
            report.Add(name, weights?.Top1?.ToString("F2", CultureInfo.InvariantCulture) ?? "-", weights?.GMacs?.ToString("G3", CultureInfo.InvariantCulture) ?? "-",
                fp32, bf16, onnx, perMs);
        }
        report.Note("Top-1 and GMACs: the default weights' figures as torchvision/timm publish them (cntk-resnet: unpublished). Training: one pre-built batch, " +
            "whole network trainable, AdamW, after a warm-up step; bf16 = autocast around forward and loss. ONNX Runtime: the exported graph, checked against " +
            "TorchSharp by the export, after 2 warm-up calls. Last column: top-1 points per millisecond of ONNX inference per image (higher is better).");
        return report;
    }
}
