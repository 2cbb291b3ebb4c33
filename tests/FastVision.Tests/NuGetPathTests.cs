using System.Reflection;
using System.Text.Json;
using FastVision.Models;

namespace FastVision.Tests;

/// <summary>
/// The weights' path is joined onto the package folder robustly: CI systems set NUGET_PACKAGES without a trailing slash,
/// and NuGetPackageRoot then has none either. (.ci/run also builds the CLI that way.)
/// </summary>
public class NuGetPathTests
{
    private static readonly string[] OnnxInPackage =
        [CntkResNetWeights.PackageId, CntkResNetWeights.PackageVersion, "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"];

    [Theory]
    [InlineData("/ci/pkgs")]
    [InlineData("/ci/pkgs/")]
    public void TheProjectJoinsTheWeightsOntoThePackageFolderWithOrWithoutATrailingSlash(string packageRoot)
    {
        var project = Path.Combine(PackagingTests.RepositoryRoot(), "src", "FastVision", "FastVision.csproj");
        // Evaluation only (no restore, no build): obj/ is left as it is.
        var json = TestProcess.Run("dotnet",
            ["msbuild", project, "-getProperty:FastVisionResNet18Onnx", "-getItem:None", "-getItem:AssemblyMetadata", $"-p:NuGetPackageRoot={packageRoot}"],
            timeout: TimeSpan.FromMinutes(2));
        using var doc = JsonDocument.Parse(json);
        var expected = Path.Combine(["/ci/pkgs", .. OnnxInPackage]);

        Assert.Equal(expected, doc.RootElement.GetProperty("Properties").GetProperty("FastVisionResNet18Onnx").GetString());
        var items = doc.RootElement.GetProperty("Items");
        Assert.Contains(items.GetProperty("None").EnumerateArray(),
            i => i.GetProperty("Identity").GetString() == expected && i.GetProperty("Link").GetString() == "weights/ResNet18.onnx");
        Assert.Contains(items.GetProperty("AssemblyMetadata").EnumerateArray(),
            i => i.GetProperty("Identity").GetString() == "FastVision.ResNet18Onnx" && i.GetProperty("Value").GetString() == expected);
    }

    [Fact]
    public void TheBuildRecordsAnExistingWeightsFileAndShipsItNextToTheApplication()
    {
        var recorded = typeof(CntkResNetWeights).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "FastVision.ResNet18Onnx").Value;
        Assert.NotNull(recorded);
        Assert.EndsWith(Path.DirectorySeparatorChar + Path.Combine(OnnxInPackage), recorded);
        Assert.True(File.Exists(recorded), recorded);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "weights", "ResNet18.onnx")));
    }
}
