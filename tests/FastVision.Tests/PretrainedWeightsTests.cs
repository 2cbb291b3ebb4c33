using FastVision.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

public class PretrainedWeightsTests
{
    [Fact]
    public void BuiltInResNetFeaturesMatchOnnxRuntime()
    {
        using var body = Architectures.CntkResNet.CreateBody(pretrained: true);
        body.eval();
        using var session = new InferenceSession(CntkResNetWeights.LocateOnnx());
        var norm = Architectures.CntkResNet.Normalization;
        var generator = new Random(7);
        double worst = 0;
        for (int sample = 0; sample < 3; sample++)
        {
            // A smooth random image in [0, 1] (gradients plus noise) at the ONNX model's fixed 224 px.
            var rgb = new float[3 * 224 * 224];
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 224; y++)
                    for (int x = 0; x < 224; x++)
                        rgb[(c * 224 + y) * 224 + x] = (float)Math.Clamp(0.5 + 0.3 * Math.Sin((x + 13 * c) / 17.0 + sample) * Math.Cos(y / 23.0) + 0.1 * (generator.NextDouble() - 0.5), 0, 1);

            // ONNX input: BGR, 0..255, minus the mean. FastVision input: RGB normalized with the recorded stats.
            var onnxInput = new DenseTensor<float>([1, 3, 224, 224]);
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < 224 * 224; i++)
                    onnxInput.Buffer.Span[(2 - c) * 224 * 224 + i] = (rgb[c * 224 * 224 + i] - norm.Mean[c]) / norm.Std[c];
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), onnxInput)]);
            var expected = results.Single().AsEnumerable<float>().ToArray();

            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var input = tensor(rgb, [1, 3, 224, 224]).sub(tensor(norm.Mean, [1, 3, 1, 1])).div(tensor(norm.Std, [1, 3, 1, 1]));
            var features = body.forward(input).mean([2, 3]).flatten().data<float>().ToArray();

            Assert.Equal(expected.Length, features.Length);
            worst = Math.Max(worst, expected.Zip(features, (a, b) => (double)Math.Abs(a - b)).Max());
        }
        Assert.True(worst < 1e-4, $"max abs difference {worst}");
    }
}
