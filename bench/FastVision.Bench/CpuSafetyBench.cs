using System.Diagnostics;
using FastVision.Models;
using FastVision.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Bench;

/// <summary>
/// What FastVision's CPU safety costs, side by side: (1) validation/prediction, where a body copies the loaders'
/// channels-last batch to NCHW before computing (against the same batch computed as is, which some CPUs get wrong,
/// and against a batch that is NCHW already); (2) training, where 1x1 stride-2 convolutions subsample first on CPUs
/// without cache info (against the plain strided convolution, run only where it cannot crash the process).
/// </summary>
public static class CpuSafetyBench
{
    public static BenchmarkReport Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        bool quick = args.Contains("--quick");
        var report = new BenchmarkReport(
            $"CPU safety: cost of the NCHW copy and the strided-1x1 rewrite (CPU cache info {(OneDnnHazard.CpuCacheInfoMissing ? "missing: mitigation active" : "present")})",
            ["case", "variant", "img/s", "vs unguarded", "max |difference| vs NCHW"]);
        Inference(report, fp32: true, rounds: quick ? 3 : 9);
        Inference(report, fp32: false, rounds: quick ? 3 : 9);
        Training(report, Architectures.CntkResNet, quick ? 4 : 10);
        Training(report, Architectures.ResNet50, quick ? 2 : 4);
        report.Note("Inference: cntk-resnet + fastai head, 224 px, batch 32, eval, 2 threads. 'as is' runs the ResNet's stages on the " +
            "channels-last view directly (what FastVision did before, and still does on CPUs that report caches); 'through the body' " +
            "copies a non-contiguous batch to NCHW first on CPUs without cache info. Median of interleaved rounds. Training: AdamW steps at 128 px, batch 16, fp32; 'plain' is the strided " +
            "1x1 convolution, 'subsampled' the rewrite; plain resnet50 is skipped where it would divide by zero (SIGFPE) in oneDNN.");
        return report;
    }

    private static void Inference(BenchmarkReport report, bool fp32, int rounds)
    {
        manual_seed(0);
        using var model = VisionModel.Create(Architectures.CntkResNet, 8, pretrained: true);
        model.eval();
        using var noGrad = no_grad();
        using var nchw = rand(32, 3, 224, 224);
        using var channelsLast = nchw.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        (string Name, Func<Tensor> Forward)[] variants =
        [
            ("channels-last view, as is (unguarded)", () => AsIs(model, channelsLast)),
            ("channels-last view through the body (FastVision)", () => model.forward(channelsLast)),
            ("NCHW batch", () => model.forward(nchw)),
            ("the NCHW copy alone (no forward)", () => channelsLast.contiguous()),
        ];
        foreach (var (_, forward) in variants) Run(forward, fp32).Dispose(); // warm-up
        // Rounds interleave the variants so that drifts of a shared VM hit them alike; the median round counts.
        var seconds = variants.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
            for (int v = 0; v < variants.Length; v++)
            {
                var watch = Stopwatch.StartNew();
                Run(variants[v].Forward, fp32).Dispose();
                seconds[v].Add(watch.Elapsed.TotalSeconds);
            }
        using var reference = Run(() => model.forward(nchw), fp32);
        var speeds = seconds.Select(s => 32 / s.Order().ElementAt(s.Count / 2)).ToArray();
        for (int v = 0; v < variants.Length; v++)
        {
            using var output = Run(variants[v].Forward, fp32);
            bool isForward = output.shape.SequenceEqual(reference.shape);
            report.Add($"validation/prediction {(fp32 ? "fp32" : "bf16")}", variants[v].Name, speeds[v], isForward ? speeds[v] / speeds[0] : "",
                isForward ? (output - reference).abs().max().item<float>() : "");
        }
    }

    /// <summary>The ResNet's stages on the input as given, without the body's layout guard.</summary>
    private static Tensor AsIs(VisionModel model, Tensor x)
    {
        using var scope = NewDisposeScope();
        var parts = model.Body.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);
        var h = parts["maxpool"].forward(nn.functional.relu(parts["bn1"].forward(parts["conv1"].forward(x))));
        foreach (var layer in new[] { "layer1", "layer2", "layer3", "layer4" }) h = parts[layer].forward(h);
        return model.Head.forward(h).MoveToOuterDisposeScope();
    }

    private static Tensor Run(Func<Tensor> forward, bool fp32)
    {
        Tensor output;
        using (fp32 ? null : Autocast.Enter(DeviceType.CPU, ScalarType.BFloat16))
            output = forward();
        if (output.dtype == ScalarType.Float32) return output;
        using (output) return output.to(ScalarType.Float32); // the bf16 output is freed now, not by the finalizer
    }

    private static void Training(BenchmarkReport report, Architecture arch, int steps)
    {
        var saved = OneDnnHazard.MitigationEnabled;
        try
        {
            double? plain = null;
            foreach (var subsample in new[] { false, true })
            {
                var variant = subsample ? "1x1 stride 2 subsampled" : "1x1 stride 2 plain";
                if (!subsample && OneDnnHazard.CpuCacheInfoMissing && arch == Architectures.ResNet50)
                {
                    report.Add($"training {arch.Name}", variant, "not run (SIGFPE on this CPU)", "", "");
                    continue;
                }
                OneDnnHazard.MitigationEnabled = subsample;
                manual_seed(0);
                using var model = VisionModel.Create(arch, 8);
                var speed = BareTrainingLoop.ImagesPerSecond(model, classes: 8, size: 128, batchSize: 16, steps: steps, warmup: 2);
                if (!subsample) plain = speed;
                report.Add($"training {arch.Name}", variant, speed, plain is { } unguarded ? speed / unguarded : "", "");
            }
        }
        finally
        {
            OneDnnHazard.MitigationEnabled = saved;
        }
    }
}
