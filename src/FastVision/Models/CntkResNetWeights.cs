using System.Reflection;
using FastVision.Native;
using Onnx;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FastVision.Models;

/// <summary>
/// ImageNet weights for <see cref="Architectures.CntkResNet"/>, read from the ONNX file inside the NuGet
/// package Microsoft.ML.DnnImageFeaturizer.ResNet18 (fetched at build time). Its initializer names are
/// opaque, so they are mapped by walking the graph; the result is cached as safetensors.
/// </summary>
public sealed class CntkResNetWeights : IWeightSource
{
    public const string PackageId = "microsoft.ml.dnnimagefeaturizer.resnet18";
    public const string PackageVersion = "0.23.1";
    private const string OnnxRelativePath = "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx";
    private static readonly int[] Blocks = [2, 2, 2, 3];

    /// <summary>
    /// The CNTK model takes BGR pixels in 0..255 minus a per-channel mean and no std. With conv1 flipped to
    /// RGB at load time, that equals RGB input in [0, 1] with these statistics.
    /// </summary>
    public static Normalization Normalization { get; } =
        new([123.15f / 255f, 115.90f / 255f, 103.06f / 255f], [1f / 255f, 1f / 255f, 1f / 255f]);

    public string Source => $"{PackageId} {PackageVersion} (ResNet18.onnx)";

    public string FileName => $"cntk-resnet-{PackageVersion}.safetensors";

    public WeightKeys Keys => WeightKeys.Torchvision;

    /// <summary>Converted from a NuGet package the build fetches: there on every machine FastVision builds on.</summary>
    public bool ShipsWithFastVision => true;

    private string CachePath(WeightStore store, string onnx) => Path.Combine(store.Directory, $"cntk-resnet-{PackageVersion}-{new FileInfo(onnx).Length}.safetensors");

    /// <summary>The converted file; null before the first conversion (the package's ONNX graph is always here: it comes with the build).</summary>
    public string? Cached(WeightStore store)
    {
        try { return CachePath(store, LocateOnnx()) is var path && File.Exists(path) ? path : null; }
        catch (FileNotFoundException) { return null; }
    }

    /// <summary>Written atomically by FastVision from a package NuGet verified: nothing more to check.</summary>
    public string? Verify(string path) => null;

    /// <summary>The converted weights (torchvision names) in FastVision's cache: converted from the package's ONNX graph the first time.</summary>
    public string Fetch(WeightStore store)
    {
        var onnx = LocateOnnx();
        var cache = CachePath(store, onnx);
        if (File.Exists(cache)) return cache; // written atomically: complete if present
        var converted = Convert(onnx);
        try { AtomicFile.Write(cache, path => Safetensors.SaveStateDict(path, converted)); }
        finally { foreach (var t in converted.Values) t.Dispose(); }
        return cache;
    }

    /// <summary>The ONNX file: FASTVISION_RESNET18_ONNX, else the path recorded at build, else the NuGet cache.</summary>
    public static string LocateOnnx()
    {
        var candidates = new List<string>();
        var overridePath = Environment.GetEnvironmentVariable("FASTVISION_RESNET18_ONNX");
        if (!string.IsNullOrEmpty(overridePath)) candidates.Add(overridePath);
        candidates.Add(Path.Combine(AppContext.BaseDirectory, "weights", "ResNet18.onnx")); // shipped next to the app (tool, package)
        var recorded = typeof(CntkResNetWeights).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "FastVision.ResNet18Onnx")?.Value;
        if (!string.IsNullOrEmpty(recorded)) candidates.Add(recorded);
        var nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(nugetRoot))
            nugetRoot = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        candidates.Add(Path.Combine(nugetRoot, PackageId, PackageVersion, OnnxRelativePath));
        foreach (var c in candidates)
            if (File.Exists(c)) return c;
        throw new FileNotFoundException(
            $"The pretrained ResNet weights (NuGet package {PackageId} {PackageVersion}) were not found. Looked in: " +
            string.Join(", ", candidates) + ". Run 'dotnet build' (it downloads the package) or set FASTVISION_RESNET18_ONNX.");
    }

    /// <summary>Maps the ONNX graph's initializers onto torchvision-style ResNet keys.</summary>
    public static Dictionary<string, Tensor> Convert(string onnxPath)
    {
        TorchRuntime.EnsureInitialized();
        var graph = ModelProto.Parser.ParseFromFile(onnxPath).Graph;
        var walker = new GraphWalker(graph);
        var result = new Dictionary<string, Tensor>();

        var stem = walker.SingleConsumer(graph.Input[0].Name, "Conv");
        var x = walker.ConvBn(stem, "", result, flipInputChannels: true);
        x = walker.SingleConsumer(x, "Relu").Output[0];
        x = walker.SingleConsumer(x, "MaxPool").Output[0];

        for (int stage = 0; stage < Blocks.Length; stage++)
        {
            for (int b = 0; b < Blocks[stage]; b++)
            {
                var prefix = $"layer{stage + 1}.{b}.";
                var convs = walker.Consumers(x).Where(n => n.OpType == "Conv").ToList();
                var downsampleConv = convs.FirstOrDefault(c => GraphWalker.KernelSize(c) == 1);
                var conv1 = convs.Single(c => GraphWalker.KernelSize(c) == 3);
                string shortcut = x;
                if (downsampleConv is not null)
                    shortcut = walker.ConvBn(downsampleConv, prefix + "downsample.0.", result, bnPrefix: prefix + "downsample.1.");
                var h = walker.ConvBn(conv1, prefix + "conv1.", result, bnPrefix: prefix + "bn1.");
                h = walker.SingleConsumer(h, "Relu").Output[0];
                h = walker.ConvBn(walker.SingleConsumer(h, "Conv"), prefix + "conv2.", result, bnPrefix: prefix + "bn2.");
                var add = walker.SingleConsumer(h, "Add");
                if (!add.Input.Contains(shortcut))
                    throw new InvalidDataException($"{onnxPath}: block {prefix} does not add its shortcut; unexpected graph.");
                x = walker.SingleConsumer(add.Output[0], "Relu").Output[0];
            }
        }
        walker.SingleConsumer(x, "AveragePool");
        return result;
    }

    private sealed class GraphWalker(GraphProto graph)
    {
        private readonly Dictionary<string, TensorProto> initializers = graph.Initializer.ToDictionary(i => i.Name);
        private readonly ILookup<string, NodeProto> consumers =
            graph.Node.SelectMany(n => n.Input.Select(i => (i, n))).ToLookup(p => p.i, p => p.n);

        public IEnumerable<NodeProto> Consumers(string tensor) => consumers[tensor];

        public NodeProto SingleConsumer(string tensor, string opType)
        {
            var found = consumers[tensor].Where(n => n.OpType == opType).ToList();
            return found.Count == 1
                ? found[0]
                : throw new InvalidDataException($"Expected one {opType} after '{tensor}' in the ONNX graph, found {found.Count}.");
        }

        public static long KernelSize(NodeProto conv) => conv.Attribute.Single(a => a.Name == "kernel_shape").Ints[0];

        /// <summary>Reads a Conv and the BatchNormalization after it; returns the BN output's name.</summary>
        public string ConvBn(NodeProto conv, string convPrefix, Dictionary<string, Tensor> into,
            string? bnPrefix = null, bool flipInputChannels = false)
        {
            var weight = Read(conv.Input[1]);
            if (flipInputChannels) weight = weight.flip(1).contiguous(); // BGR -> RGB
            into[(convPrefix.Length == 0 ? "conv1." : convPrefix) + "weight"] = weight;
            var bn = SingleConsumer(conv.Output[0], "BatchNormalization");
            var p = bnPrefix ?? (convPrefix.Length == 0 ? "bn1." : throw new ArgumentNullException(nameof(bnPrefix)));
            into[p + "weight"] = Read(bn.Input[1]);
            into[p + "bias"] = Read(bn.Input[2]);
            into[p + "running_mean"] = Read(bn.Input[3]);
            into[p + "running_var"] = Read(bn.Input[4]);
            return bn.Output[0];
        }

        private Tensor Read(string name)
        {
            var proto = initializers.TryGetValue(name, out var t)
                ? t
                : throw new InvalidDataException($"ONNX initializer '{name}' is missing.");
            if (proto.DataType != (int)TensorProto.Types.DataType.Float)
                throw new InvalidDataException($"ONNX initializer '{name}' is not float32.");
            float[] data = proto.FloatData.Count > 0
                ? proto.FloatData.ToArray()
                : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(proto.RawData.Span).ToArray();
            return tensor(data, proto.Dims.ToArray());
        }
    }
}
