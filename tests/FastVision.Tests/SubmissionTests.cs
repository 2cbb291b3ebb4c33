using FastVision.Data;
using FastVision.Inference;

namespace FastVision.Tests;

public class SubmissionTests
{
    private static readonly string[] ModelClasses = ["x", "y", "z"];

    private static (PredictionSet Set, List<ImageItem> Features) Predictions(bool skipI2 = false)
    {
        var features = new[] { "i1", "i2", "i3" }.Select(id => new ImageItem($"/data/{id}.jpg", Id: id)).ToList();
        float[][] probabilities = [[0.7f, 0.2f, 0.1f], [0.1f, 0.1f, 0.8f], [0.3f, 0.3f, 0.4f]];
        var rows = features.Select((f, i) => new ImagePrediction(f, probabilities[i], DataLoader.Unlabelled)).Where(r => !(skipI2 && r.Item.Id == "i2")).ToList();
        return (new PredictionSet(ModelClasses, rows, []), features);
    }

    private static SubmissionFormat Format(TempDir dir, string header = "id,z,x,y", params string[] ids)
    {
        var path = dir.Combine("submission_format.csv");
        File.WriteAllLines(path, [header, .. (ids.Length == 0 ? ["i3", "i1", "i2"] : ids).Select(id => $"{id},0,0,0")]);
        return SubmissionFormat.Read(path);
    }

    [Fact]
    public void RowsFollowTheFormatAndColumnsAreMatchedByName()
    {
        using var dir = new TempDir();
        var (set, features) = Predictions(skipI2: true);
        var format = Format(dir);
        var outPath = dir.Combine("submission.csv");
        var summary = SubmissionWriter.Write(set, features, format, outPath);

        var lines = File.ReadAllLines(outPath);
        Assert.Equal("id,z,x,y", lines[0]);
        Assert.Equal(["i3", "i1", "i2"], lines.Skip(1).Select(l => l.Split(',')[0]));
        var i1 = lines[2].Split(',').Skip(1).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(0.1, i1[0], 6); // z
        Assert.Equal(0.7, i1[1], 6); // x
        Assert.Equal(0.2, i1[2], 6); // y
        Assert.Equal(["i2"], summary.UniformIds); // unreadable: uniform, and reported
        Assert.Equal(1.0 / 3, double.Parse(lines[3].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture), 6);
        Assert.Empty(SubmissionChecker.Check(outPath, format));
    }

    [Fact]
    public void WriterRefusesMismatchedClassesAndIdsWithoutFeatures()
    {
        using var dir = new TempDir();
        var (set, features) = Predictions();
        var wrongClass = Assert.Throws<DataSourceException>(() => SubmissionWriter.Write(set, features, Format(dir, "id,z,x,w"), dir.Combine("s.csv")));
        Assert.Contains("not in the model: w", wrongClass.Message);
        Assert.Contains("not in the format: y", wrongClass.Message);
        var noFeatures = Assert.Throws<DataSourceException>(() => SubmissionWriter.Write(set, features, Format(dir, "id,z,x,y", "i1", "i9"), dir.Combine("s.csv")));
        Assert.Contains("i9", noFeatures.Message);
        Assert.False(File.Exists(dir.Combine("s.csv")));
    }

    [Theory]
    [InlineData("id,z,x,y|i3,0.2,0.3,0.5|i1,0.1,0.7,0.2", "id(s) of the format are missing: i2")]
    [InlineData("id,z,x,y|i3,0.2,0.3,0.5|i1,0.1,0.7,0.2|i1,0.1,0.7,0.2|i2,1,0,0", "duplicate id (first at row 3)")]
    [InlineData("id,x,z,y|i3,0.2,0.3,0.5|i1,0.1,0.7,0.2|i2,1,0,0", "columns are not in the format's order")]
    [InlineData("id,z,x|i3,0.2,0.8|i1,0.1,0.9|i2,1,0", "missing column(s): y")]
    [InlineData("id,z,x,y|i3,NaN,0.3,0.5|i1,0.1,0.7,0.2|i2,1,0,0", "column 'z': NaN")]
    [InlineData("id,z,x,y|i3,0.2,0.3,0.4|i1,0.1,0.7,0.2|i2,1,0,0", "row 2 (id 'i3'): probabilities sum to 0.9")]
    [InlineData("id,z,x,y|i3,-0.1,0.6,0.5|i1,0.1,0.7,0.2|i2,1,0,0", "column 'z': -0.1 is outside [0, 1]")]
    [InlineData("id,z,x,y|i3,0.2,0.3,0.5|i1,0.1,0.7,0.2|i2,1,0,0|i7,1,0,0", "row 5 (id 'i7'): id not in the format")]
    [InlineData("id,z,x,y|i3,abc,0.3,0.5|i1,0.1,0.7,0.2|i2,1,0,0", "'abc' is not a number")]
    [InlineData("id,z,x,y|i1,0.1,0.7,0.2|i3,0.2,0.3,0.5|i2,1,0,0", "not in the format's id order (first difference at row 2)")]
    public void CheckerNamesEachProblem(string submission, string expected)
    {
        using var dir = new TempDir();
        var format = Format(dir);
        var path = dir.Combine("submission.csv");
        File.WriteAllLines(path, submission.Split('|'));
        var problems = SubmissionChecker.Check(path, format);
        Assert.Contains(problems, p => p.Contains(expected));
    }

    [Fact]
    public void CheckerAcceptsAValidSubmission()
    {
        using var dir = new TempDir();
        var path = dir.Combine("submission.csv");
        File.WriteAllLines(path, ["id,z,x,y", "i3,0.2,0.3,0.5", "i1,0.1,0.7,0.2", "i2,1,0,0"]);
        Assert.Empty(SubmissionChecker.Check(path, Format(dir)));
    }
}
