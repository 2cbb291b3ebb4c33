using System.CommandLine;
using FastVision.Data;

namespace FastVision.Cli;

/// <summary>The options that shape the image pipeline and the batches of training (and of the data report).</summary>
/// <param name="defaultSize">The command's own input size; null: the model's (its weights' training size).</param>
internal sealed class PipelineArguments(int? defaultSize = null)
{
    private readonly Option<int?> size = new("--size")
    {
        Description = $"Model input size in pixels (square); default: {(defaultSize is { } s ? s.ToString() : "the architecture's (see 'fastvision models')")}",
    };
    private readonly Option<int> presize = new("--presize") { Description = "Presizing size (0: 460/224 of --size, as fastai)", DefaultValueFactory = _ => 0 };
    private readonly Option<int> batchSize = CommonOptions.BatchSize();
    private readonly Option<double> minScale = new("--min-scale") { Description = "Random-resized crop: smallest share of the area kept (1: no crop)", DefaultValueFactory = _ => 0.75 };
    private readonly Option<bool> noAugment = new("--no-augment") { Description = "Train without augmentation (resize only)" };
    private readonly Option<bool> balancedSampling = new("--balanced-sampling") { Description = "Draw training images so that every class is seen about equally often (with replacement)" };
    private readonly Option<bool> cache = new("--cache") { Description = "Cache presized images on disk (later epochs and runs skip JPEG decoding)" };
    private readonly Option<string> cacheDir = new("--cache-dir") { Description = "Folder of the presize cache (implies --cache); default: ~/.cache/fastvision/presize" };

    public IEnumerable<Option> Options => [size, presize, batchSize, minScale, noAugment, balancedSampling, cache, cacheDir];

    /// <summary><paramref name="options"/> with the pipeline and batch options as given; the size defaults to the model's <paramref name="inputSize"/>.</summary>
    public DataLoaderOptions Apply(ParseResult parse, DataLoaderOptions options, int inputSize) => options with
    {
        Size = parse.GetValue(size) ?? defaultSize ?? inputSize,
        Presize = parse.GetValue(presize), BatchSize = parse.GetValue(batchSize),
        Augment = !parse.GetValue(noAugment), MinScale = parse.GetValue(minScale), BalancedSampling = parse.GetValue(balancedSampling),
        CacheDirectory = parse.GetValue(cacheDir) ?? (parse.GetValue(cache) ? Path.Combine(FastVisionPaths.CacheDirectory, "presize") : null),
    };
}
