using FastVision.Models;
using FastVision.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace FastVision.Tests;

public class NativeRuntimeTests
{
    [Fact]
    public void RuntimeLoadsWithHugePageAllocatorEnabled()
    {
        TorchRuntime.EnsureInitialized();
        using var t = ones(3, 3).matmul(ones(3, 3));
        Assert.Equal(27f, t.sum().item<float>());
        Assert.Equal("1", Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE"));
    }

    [Fact]
    public void ResNet50TrainsForwardAndBackwardInTheTestHost()
    {
        // The bottleneck ResNets' 1x1 stride-2 convolutions (1024->2048) are what crashes oneDNN on these VMs.
        using var body = Architectures.ResNet50.CreateBody(pretrained: false);
        body.train();
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 64, 64);
        var features = body.forward(x);
        Assert.Equal([2L, 2048, 2, 2], features.shape);
        features.mean().backward();
        var grads = body.parameters().Where(p => p.grad is not null).ToList();
        Assert.Equal(body.parameters().Count(), grads.Count);
        Assert.All(grads, p => Assert.False(p.grad!.isnan().any().item<bool>()));
    }

    [Fact]
    public void SubsampledPointwiseConvolutionEqualsTheStridedOne()
    {
        using var conv = new PointwiseConv2d(8, 16, stride: 2);
        using var scope = NewDisposeScope();
        var x = randn(2, 8, 9, 7);
        var weight = conv.parameters().Single();
        var strided = nn.functional.conv2d(x, weight, strides: [2, 2]); // forward only: safe everywhere
        var ours = conv.forward(x);
        Assert.Equal(strided.shape, ours.shape);
        Assert.Equal(0f, (strided - ours).abs().max().item<float>());
    }
}
