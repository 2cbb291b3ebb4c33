using System.Globalization;
using FastVision.Data;
using nietras.SeparatedValues;

namespace FastVision.Inference;

/// <summary>What <see cref="SubmissionWriter.Write"/> did: rows written and the ids given uniform probabilities (unreadable images).</summary>
public sealed record SubmissionSummary(int Rows, IReadOnlyList<string> UniformIds, IReadOnlyList<string> IgnoredIds);

/// <summary>
/// Writes the competition submission: the format file's rows in its order, its columns in its order matched to the
/// model's classes by name (never by position), each row renormalized to sum to 1. An id whose image could not be
/// read gets uniform probabilities and is reported; the file is checked with <see cref="SubmissionChecker"/>
/// before it replaces anything.
/// </summary>
public static class SubmissionWriter
{
    public static SubmissionSummary Write(PredictionSet predictions, IReadOnlyList<ImageItem> features, SubmissionFormat format, string outPath)
    {
        var modelClasses = predictions.Classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        var notInModel = format.Classes.Where(c => !modelClasses.ContainsKey(c)).ToList();
        var notInFormat = predictions.Classes.Where(c => !format.Classes.Contains(c)).ToList();
        if (notInModel.Count > 0 || notInFormat.Count > 0)
            throw new DataSourceException($"{format.Path}: its class columns do not match the model's classes" +
                (notInModel.Count > 0 ? $"; not in the model: {string.Join(", ", notInModel)}" : "") +
                (notInFormat.Count > 0 ? $"; not in the format: {string.Join(", ", notInFormat)}" : "") + ".");

        var featureIds = features.Select(f => f.Id ?? throw new DataSourceException($"{f.Describe()}: no id.")).ToHashSet(StringComparer.Ordinal);
        var noFeatures = format.Ids.Where(id => !featureIds.Contains(id)).ToList();
        if (noFeatures.Count > 0)
            throw new DataSourceException($"{format.Path}: {noFeatures.Count} id(s) have no row in the features file: {string.Join(", ", noFeatures.Take(5))}{(noFeatures.Count > 5 ? ", ..." : "")}.");
        var byId = predictions.Rows.ToDictionary(r => r.Item.Id!, r => r.Probabilities, StringComparer.Ordinal);
        var formatIds = format.Ids.ToHashSet(StringComparer.Ordinal);

        var uniform = new List<string>();
        AtomicFile.Write(outPath, temp =>
        {
            using (var writer = Sep.New(',').Writer(o => o with { Escape = true, CultureInfo = CultureInfo.InvariantCulture }).ToFile(temp))
            {
                writer.Header.Add(format.Columns.ToArray());
                foreach (var id in format.Ids)
                {
                    double[] row;
                    if (byId.TryGetValue(id, out var p)) row = format.Classes.Select(c => Math.Max(0, (double)p[modelClasses[c]])).ToArray();
                    else
                    {
                        uniform.Add(id);
                        row = format.Classes.Select(_ => 1.0).ToArray();
                    }
                    double sum = row.Sum();
                    using var line = writer.NewRow();
                    line["id"].Set(id);
                    for (int c = 0; c < row.Length; c++) line[format.Classes[c]].Set((row[c] / sum).ToString("G10", CultureInfo.InvariantCulture));
                }
            }
            var problems = SubmissionChecker.Check(temp, format);
            if (problems.Count > 0) throw new InvalidOperationException($"the submission failed its own check: {string.Join(" ", problems.Take(5))}");
        });
        return new SubmissionSummary(format.Ids.Count, uniform, featureIds.Where(id => !formatIds.Contains(id)).Order(StringComparer.Ordinal).ToList());
    }
}
