using FastVision.Data;

namespace FastVision.Tests;

/// <summary>Bad input in the CSV and Camtrap DP layouts: each gives a message naming the file, the row and what is wrong.</summary>
public class LayoutFaultTests
{
    private static readonly DataLoaderOptions Options = DataSourceTests.Tiny;

    private static DataSet PlanCsv(TempDir dir, DataLoaderOptions? options = null, string labelColumn = "label", string? validColumn = null) =>
        ImageDataLoaders.CsvBlock(dir.Path, "labels.csv", "filepath", labelColumn, options ?? Options, groupColumn: "camera", validColumn: validColumn).Plan(dir.Path);

    /// <summary>Row 4 of labels.csv (the third image) edited: column, new value, and what the message must say.</summary>
    [Theory]
    [InlineData(0, "../outside.jpg", "file path '../outside.jpg' points outside the data folder")]
    [InlineData(0, "/etc/hostname", "file path '/etc/hostname' points outside the data folder")]
    [InlineData(0, "https://example.org/a.jpg", "is a URL")]
    [InlineData(0, "images/img00.jpg", "img00.jpg): duplicate file, already listed at labels.csv row 2")]
    [InlineData(0, "", "empty file path")]
    [InlineData(1, "", "no label (CSV column 'label')")]
    [InlineData(1, "-1", "label '-1' in column 'label' is a negative class index")]
    [InlineData(2, "", "empty group in column 'camera'")]
    public void CsvRowFaultsNameTheFileAndRow(int column, string value, string message)
    {
        using var dir = new TempDir();
        LayoutFixtures.LabelsCsv(dir.Path);
        LayoutFixtures.EditLine(dir.Combine("labels.csv"), 4, l => LayoutTests.Replace(l, column, value));
        var e = Assert.Throws<DataSourceException>(() => PlanCsv(dir));
        Assert.Contains("labels.csv row 4", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void MissingColumnsAreNamedWithTheColumnsFound()
    {
        using var dir = new TempDir();
        LayoutFixtures.LabelsCsv(dir.Path);
        var e = Assert.Throws<DataSourceException>(() => PlanCsv(dir, labelColumn: "species"));
        Assert.Contains("labels.csv: missing column(s) 'species' (found: filepath,label,camera,is_valid)", e.Message);
        var valid = Assert.Throws<DataSourceException>(() => PlanCsv(dir, validColumn: "fold"));
        Assert.Contains("missing column(s) 'fold'", valid.Message);
        var csv = Assert.Throws<DataSourceException>(() => ImageDataLoaders.CsvBlock(dir.Path, "nope.csv", "filepath", "label", Options).Plan(dir.Path));
        Assert.Contains("nope.csv: file not found", csv.Message);
    }

    [Fact]
    public void ValidColumnValuesOtherThanTrueOrFalseAreErrors()
    {
        using var dir = new TempDir();
        LayoutFixtures.LabelsCsv(dir.Path);
        LayoutFixtures.EditLine(dir.Combine("labels.csv"), 5, l => LayoutTests.Replace(l, 3, "maybe"));
        var e = Assert.Throws<DataSourceException>(() => PlanCsv(dir, validColumn: "is_valid"));
        Assert.Contains("labels.csv row 5", e.Message);
        Assert.Contains("column 'is_valid' is 'maybe', expected true/false or 1/0", e.Message);
    }

    [Fact]
    public void LabelsOutsideTheGivenClassesAreErrors()
    {
        using var dir = new TempDir();
        LayoutFixtures.LabelsCsv(dir.Path);
        LayoutFixtures.EditLine(dir.Combine("labels.csv"), 6, l => LayoutTests.Replace(l, 1, "3"));
        var index = Assert.Throws<DataSourceException>(() => PlanCsv(dir, Options with { Classes = LayoutFixtures.Species }));
        Assert.Contains("labels.csv row 6", index.Message);
        Assert.Contains("label index 3 in column 'label' is out of range (3 classes: 0 to 2)", index.Message);
        LayoutFixtures.EditLine(dir.Combine("labels.csv"), 6, l => LayoutTests.Replace(l, 1, "Tapir"));
        var name = Assert.Throws<DataSourceException>(() => PlanCsv(dir, Options with { Classes = LayoutFixtures.Species }));
        Assert.Contains("labels.csv row 6", name.Message);
        Assert.Contains("unknown class 'Tapir'", name.Message);
    }

    [Fact]
    public void RowsNamingMissingFilesAreSkippedAndListedOrRefused()
    {
        using var dir = new TempDir();
        LayoutFixtures.LabelsCsv(dir.Path);
        File.Delete(dir.Combine("images", "img05.jpg"));
        var data = PlanCsv(dir);
        Assert.Equal(23, data.Items.Count);
        Assert.Contains("labels.csv row 7: image file not found", data.Issues.Skipped.Single().Value);
        var e = Assert.Throws<DataSourceException>(() => PlanCsv(dir, Options with { OnBadImage = BadImagePolicy.Fail }));
        Assert.Contains("labels.csv row 7", e.Message);
        Assert.Contains("not found", e.Message);
    }

    /// <summary>A line of one of the package's tables replaced (1 = header), and what the message must say.</summary>
    [Theory]
    [InlineData("media.csv", 1, "mediaID,deploymentID,timestamp,path", "media.csv: missing column(s) 'filePath' (found: mediaID,deploymentID,timestamp,path)")]
    [InlineData("observations.csv", 1, "observationID,deploymentID,mediaID,observationType,count", "observations.csv: missing column(s) 'scientificName' (found: observationID")]
    [InlineData("deployments.csv", 1, "locationID,locationName", "deployments.csv: missing column(s) 'deploymentID'")]
    [InlineData("media.csv", 3, "d1-m1,d9,activityDetection,2024-05-10T12:00:01Z,media/d1/1.jpg,false,1.jpg,image/jpeg", "media.csv row 3: media 'd1-m1' names deployment 'd9', which is not in deployments.csv")]
    [InlineData("media.csv", 3, "d1-m0,d1,activityDetection,2024-05-10T12:00:01Z,media/d1/1.jpg,false,1.jpg,image/jpeg", "media.csv row 3: duplicate id 'd1-m0' (first at row 2)")]
    [InlineData("media.csv", 3, "d1-m1,d1,activityDetection,2024-05-10T12:00:01Z,media/d1/0.jpg,false,1.jpg,image/jpeg", "0.jpg): duplicate file, already listed at media.csv row 2")]
    [InlineData("media.csv", 3, "d1-m1,d1,activityDetection,2024-05-10T12:00:01Z,../../x.jpg,false,1.jpg,image/jpeg", "media.csv row 3: file path '../../x.jpg' points outside the data folder")]
    [InlineData("media.csv", 3, "d1-m1,d1,activityDetection,2024-05-10T12:00:01Z,https://multimedia.agouti.eu/assets/x/file,false,1.jpg,image/jpeg", "media.csv row 3: file path 'https://multimedia.agouti.eu/assets/x/file' is a URL")]
    [InlineData("media.csv", 3, "d1-m1,d1,activityDetection,2024-05-10T12:00:01Z,,false,1.jpg,image/jpeg", "media.csv row 3: media 'd1-m1' has an empty filePath")]
    [InlineData("media.csv", 26, "d4-m0,d4,activityDetection,noon,media/d4/0.jpg,false,0.jpg,image/jpeg", "media.csv row 26: timestamp 'noon' is not an ISO 8601 time")]
    [InlineData("observations.csv", 2, "o-d1-m0,d1,d1-m0,e-d1,,,media,animal,,1", "observations.csv row 2: observationType 'animal' with an empty scientificName")]
    [InlineData("observations.csv", 2, "o-d1-m0,d1,d1-m0,e-d1,,,media,bird,Anas,1", "observations.csv row 2: observationType 'bird' is not one of animal, human, vehicle, blank")]
    [InlineData("observations.csv", 2, "o-d1-m0,d1,d1-x,e-d1,,,media,animal,Agouti,1", "observations.csv row 2: media 'd1-x' is not in media.csv")]
    [InlineData("observations.csv", 2, "o-d1-m0,d9,d1-m0,e-d1,,,media,animal,Agouti,1", "observations.csv row 2: deployment 'd9' is not in deployments.csv")]
    [InlineData("observations.csv", 2, "o-d1-m0,d2,d1-m0,e-d1,,,media,animal,Agouti,1", "observations.csv row 2: deployment 'd2' differs from media 'd1-m0''s deployment 'd1'")]
    [InlineData("observations.csv", 2, "o-d1-m0,d1,,e-d1,2024-05-10T12:00:05Z,2024-05-10T12:00:01Z,event,animal,Agouti,1", "observations.csv row 2: eventEnd 2024-05-10T12:00:01Z is before eventStart")]
    [InlineData("observations.csv", 2, "o-d1-m0,d1,,e-d1,,2024-05-10T12:00:01Z,event,animal,Agouti,1", "observations.csv row 2: eventStart '' is not an ISO 8601 time")]
    [InlineData("observations.csv", 3, "o-d1-m0,d1,d1-m1,e-d1,,,media,blank,,", "observations.csv row 3: duplicate id 'o-d1-m0' (first at row 2)")]
    public void CamtrapDpFaultsNameTheFileAndRow(string file, int line, string replacement, string message)
    {
        using var dir = new TempDir();
        LayoutFixtures.CamtrapPackage(dir.Path);
        LayoutFixtures.EditLine(dir.Combine(file), line, _ => replacement);
        var e = Assert.Throws<DataSourceException>(() => ImageDataLoaders.CamtrapDpBlock(dir.Path, Options).Plan(dir.Path));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void CamtrapDpMediaWithoutTheirFileAreSkippedAndListed()
    {
        using var dir = new TempDir();
        LayoutFixtures.CamtrapPackage(dir.Path);
        File.Delete(dir.Combine("media", "d2", "3.jpg"));
        var data = ImageDataLoaders.CamtrapDpBlock(dir.Path, Options).Plan(dir.Path);
        Assert.Equal(28, data.Items.Count);
        Assert.Contains("media.csv row 13: image file not found", data.Issues.Skipped.Single().Value);
    }
}
