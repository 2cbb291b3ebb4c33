using FastVision.Data;
using TorchSharp;
using static TorchSharp.torch;
using DataLoader = FastVision.Data.DataLoader;

namespace FastVision.Training;

/// <summary>
/// Predictions averaged over the views of a loader's pipeline (<see cref="ImagePipeline.Views"/>): one row per image of the
/// loader, as <see cref="Predictions.Collect"/> gives, whose probabilities are the mean of the image's views (the crop, and the
/// whole image for the images the policy crops). The one mechanism behind both <see cref="Learner.GetPreds"/> (calibration,
/// interpretation, out-of-fold rows) and the predictor, so the figures a training run prints match what prediction gives.
/// </summary>
/// <remarks>
/// The views are averaged as probabilities of the model's own logits, and the row's logits are the log of that average (as
/// an ensemble's mean is): softmax gives the average back, a row with one view keeps its probabilities at any temperature,
/// and a temperature is fitted on, and applied to, the same averaged rows.
/// </remarks>
public static class ViewAveraging
{
    /// <summary>
    /// Runs <paramref name="engine"/> over <paramref name="loader"/> (its primary view) and over each further view of the items
    /// that have one, with the same <paramref name="epoch"/>; <paramref name="afterBatch"/> counts the batches of every view.
    /// </summary>
    public static Predictions Collect(IInferenceEngine engine, DataLoader loader, int epoch = 0, Action<int>? afterBatch = null)
    {
        var pipeline = loader.Pipeline;
        int batches = 0;
        void Count(int _) => afterBatch?.Invoke(++batches);
        var primary = Predictions.Collect(engine, loader, epoch, Count);
        if (pipeline.Views.Count == 1) return primary;
        using (primary)
        {
            using var scope = NewDisposeScope();
            var rowOf = primary.Items.Select((item, row) => (item, row)).ToDictionary(p => p.item, p => (long)p.row);
            // Float64: the log of an averaged probability near zero stays finite.
            var sum = primary.Logits.to(ScalarType.Float64).softmax(1);
            var views = ones(primary.Count, 1, ScalarType.Float64);
            using var one = 1.0.ToScalar(); // explicit and alive across the native calls
            foreach (var view in pipeline.Views.Skip(1))
            {
                var (positions, items) = pipeline.ViewOf(loader.Items, view);
                if (items.Count == 0) continue;
                using var other = Predictions.Collect(engine, loader.WithItems(items), epoch, Count);
                // Rows of the view whose image has a primary row (an unreadable file has neither).
                var kept = Enumerable.Range(0, other.Count).Where(r => rowOf.ContainsKey(positions[other.Items[r]])).ToArray();
                var rows = tensor(kept.Select(r => rowOf[positions[other.Items[r]]]).ToArray());
                var probabilities = other.Logits.index_select(0, tensor(kept.Select(r => (long)r).ToArray())).to(ScalarType.Float64).softmax(1);
                sum.index_add_(0, rows, probabilities, one);
                views.index_add_(0, rows, ones(kept.Length, 1, ScalarType.Float64), one);
            }
            var logits = sum.div(views).log().to(ScalarType.Float32).MoveToOuterDisposeScope();
            return new Predictions(logits, primary.Items, primary.Targets);
        }
    }

    /// <summary>Batches <see cref="Collect"/> runs over <paramref name="items"/> in batches of <paramref name="batchSize"/> (progress bars).</summary>
    public static int Batches(ImagePipeline pipeline, IReadOnlyList<ImageItem> items, int batchSize) =>
        pipeline.Views.Sum(view => (pipeline.ItemsWithView(items, view).Length + batchSize - 1) / batchSize);
}
