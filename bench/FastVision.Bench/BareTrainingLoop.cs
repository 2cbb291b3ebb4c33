using System.Diagnostics;
using FastVision.Native;
using static TorchSharp.torch;
using FastVision.Models;

namespace FastVision.Bench;

/// <summary>
/// The engine's floor: a plain TorchSharp training loop (AdamW, cross-entropy) over one pre-built batch,
/// optionally under bf16 autocast. Benchmarks compare FastVision's loop against it.
/// </summary>
public static class BareTrainingLoop
{
    /// <summary>Images/s of one pass over pre-built batches (after one untimed pass).</summary>
    public static double ImagesPerSecond(VisionModel model, PrebuiltBatches batches)
    {
        model.train();
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-4, beta1: 0.9, beta2: 0.99, eps: 1e-5, weight_decay: 0.01);
        var watch = new Stopwatch();
        long images = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            if (pass == 1) watch.Start();
            foreach (var (x, y) in batches.Items)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.forward(x), y);
                loss.backward();
                optimizer.step();
                loss.item<float>();
                if (pass == 1) images += y.shape[0];
            }
        }
        return images / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Images/s over <paramref name="steps"/> timed steps after <paramref name="warmup"/> untimed ones.</summary>
    public static double ImagesPerSecond(VisionModel model, int classes, int size, int batchSize, int steps, int warmup, bool bf16 = false)
    {
        model.train();
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-4, beta1: 0.9, beta2: 0.99, eps: 1e-5, weight_decay: 0.01);
        using var x = randn(batchSize, 3, size, size);
        using var y = randint(0, classes, [batchSize]);
        var watch = new Stopwatch();
        for (int step = 0; step < steps + warmup; step++)
        {
            if (step == warmup) watch.Start();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            Tensor loss;
            using (bf16 ? Autocast.Enter(TorchSharp.DeviceType.CPU, ScalarType.BFloat16) : null)
                loss = nn.functional.cross_entropy(model.forward(x), y);
            loss.backward();
            optimizer.step();
            loss.item<float>();
        }
        return steps * batchSize / watch.Elapsed.TotalSeconds;
    }
}
