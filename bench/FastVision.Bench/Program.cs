using FastVision.Bench;

// Benchmarks print their figures side by side and append them to bench/results/<name>.md.
var benchmarks = new Dictionary<string, Func<string[], BenchmarkReport?>>
{
    ["train-throughput"] = TrainThroughput.Run,
    ["data-pipeline"] = DataPipeline.Run,
    ["mixed-precision"] = MixedPrecisionBench.Run,
    ["recipes"] = RecipeComparison.Run,
    ["fashion-mnist"] = FashionMnist.Run,
    ["inference"] = InferenceBench.Run,
    ["cpu-safety"] = CpuSafetyBench.Run,
    ["architectures"] = ArchitectureBench.Run,
    ["recipe-ladder"] = RecipeLadder.Run,
    ["predict-scale"] = PredictionScale.Run,
    ["train-pipeline"] = TrainingPipelineBench.Run,
    ["train-threads"] = ThreadSchedulingBench.Run,
    ["train-pipeline-threads-probe"] = ThreadSchedulingBench.RunProbe, // a child process of train-threads
    ["data-pipeline-memory-probe"] = DataPipeline.MemoryProbe, // a child process of data-pipeline
};
var name = args.FirstOrDefault() ?? "train-throughput";
if (!benchmarks.TryGetValue(name, out var run))
{
    Console.Error.WriteLine($"unknown benchmark '{name}'; known: {string.Join(", ", benchmarks.Keys)}");
    return 1;
}
var report = run(args.Skip(1).ToArray());
if (report is null) return 0;
report.Print(Console.Out);
var resultsDir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "results"));
report.AppendTo(Path.Combine(resultsDir, name + ".md"));
Console.WriteLine($"results appended to {Path.Combine(resultsDir, name + ".md")}");
return 0;
