using FastVision.Data;
using SkiaSharp;

namespace FastVision.Tests;

/// <summary>Small generated data sets in the folder, CSV and Camtrap DP layouts, with known labels and groups.</summary>
internal static class LayoutFixtures
{
    public static readonly string[] Species = ["Agouti", "Ocelot", "Paca"];

    /// <summary>
    /// <c>root/[prefix/]&lt;species&gt;/&lt;species&gt;-seqN/frameK.jpg</c>: 4 sequences of 3 frames per species; returns the
    /// relative paths (with '/') and their species and sequence.
    /// </summary>
    public static List<(string Path, string Species, string Sequence)> SequenceTree(string root, string prefix = "", int sequences = 4)
    {
        var files = new List<(string, string, string)>();
        for (int s = 0; s < Species.Length; s++)
            for (int q = 0; q < sequences; q++)
                for (int f = 0; f < 3; f++)
                {
                    var sequence = $"{Species[s]}-seq{q}";
                    var relative = $"{prefix}{Species[s]}/{sequence}/frame{f}.jpg";
                    TestImages.Solid(Path.Combine(root, relative), 12, 8, new SKColor((byte)(80 * s), (byte)(40 * q), 90));
                    files.Add((relative, Species[s], sequence));
                }
        return files;
    }

    /// <summary>
    /// <c>root/images/*.jpg</c> and <c>root/labels.csv</c> (filepath,label,camera,is_valid): 24 images, 3 classes, 6 cameras
    /// (each holding every class), every fourth row validation.
    /// </summary>
    public static string[] LabelsCsv(string root)
    {
        var lines = new List<string> { "filepath,label,camera,is_valid" };
        for (int i = 0; i < 24; i++)
        {
            var relative = $"images/img{i:D2}.jpg";
            TestImages.Solid(Path.Combine(root, relative), 12, 8, new SKColor((byte)(10 * i), 90, 40));
            lines.Add($"{relative},{Species[i % 3]},cam{i / 4},{(i % 4 == 0 ? "true" : "false")}");
        }
        File.WriteAllLines(Path.Combine(root, "labels.csv"), lines);
        return [.. lines];
    }

    /// <summary>
    /// A Camtrap DP package: deployments d1 (location L1), d2 (L2), d3 (L1 again) and d4 (no location); 8 images each at
    /// media/&lt;deployment&gt;/&lt;k&gt;.jpg, one second apart from 12:00:00Z. Labels: media-level observations on the d1/d2
    /// images (k even: the deployment's species, k odd: blank), one event over d3's images 0-5 (Paca, except image 0, which
    /// has its own media-level 'Ocelot'), d4's images via events: 0-3 Agouti and 4-7 human. Left out: d3's images 6-7 (no
    /// observation), d1's image 7, blank, also gets an Ocelot, and a video row.
    /// </summary>
    public static void CamtrapPackage(string root)
    {
        File.WriteAllLines(Path.Combine(root, "deployments.csv"),
            ["deploymentID,locationID,locationName,latitude,longitude,deploymentStart,deploymentEnd", "d1,L1,creek,51.1,4.2,2024-05-01T00:00:00Z,2024-06-01T00:00:00Z",
             "d2,L2,ridge,51.2,4.3,2024-05-01T00:00:00Z,2024-06-01T00:00:00Z", "d3,L1,creek,51.1,4.2,2024-06-01T00:00:00Z,2024-07-01T00:00:00Z",
             "d4,,meadow,51.3,4.4,2024-05-01T00:00:00Z,2024-06-01T00:00:00Z"]);
        var media = new List<string> { "mediaID,deploymentID,captureMethod,timestamp,filePath,filePublic,fileName,fileMediatype" };
        var observations = new List<string> { "observationID,deploymentID,mediaID,eventID,eventStart,eventEnd,observationLevel,observationType,scientificName,count" };
        string Time(int second) => $"2024-05-10T12:00:{second:D2}Z";
        foreach (var (deployment, species) in new[] { ("d1", "Agouti"), ("d2", "Ocelot"), ("d3", "Paca"), ("d4", "Agouti") })
            for (int k = 0; k < 8; k++)
            {
                var id = $"{deployment}-m{k}";
                TestImages.Solid(Path.Combine(root, "media", deployment, $"{k}.jpg"), 12, 8, new SKColor((byte)(30 * k), 60, (byte)(deployment[1] * 2)));
                media.Add($"{id},{deployment},activityDetection,{Time(k)},media/{deployment}/{k}.jpg,false,{k}.jpg,image/jpeg");
                if (deployment is "d1" or "d2")
                    observations.Add(k % 2 == 0 ? $"o-{id},{deployment},{id},e-{deployment},{Time(k)},{Time(k)},media,animal,{species},1"
                                                : $"o-{id},{deployment},{id},e-{deployment},{Time(k)},{Time(k)},media,blank,,");
            }
        media.Add("v1,d1,activityDetection,2024-05-10T13:00:00Z,media/d1/clip.mp4,false,clip.mp4,video/mp4");
        observations.Add("o-v1,d1,v1,e-v,2024-05-10T13:00:00Z,2024-05-10T13:00:05Z,media,animal,Agouti,1");
        observations.Add("o-d1-m7b,d1,d1-m7,e-d1,2024-05-10T12:00:07Z,2024-05-10T12:00:07Z,media,animal,Ocelot,1");
        observations.Add($"o-d3-e,d3,,e-d3,{Time(0)},{Time(5)},event,animal,Paca,2");
        observations.Add($"o-d3-m0,d3,d3-m0,e-d3,{Time(0)},{Time(0)},media,animal,Ocelot,1");
        observations.Add($"o-d4-e1,d4,,e-d4a,{Time(0)},{Time(3)},event,animal,Agouti,1");
        observations.Add($"o-d4-e2,d4,,e-d4b,{Time(4)},{Time(7)},event,human,Homo sapiens,1");
        observations.Add($"o-d4-u,d4,,e-d4b,{Time(4)},{Time(7)},event,unclassified,,");
        File.WriteAllLines(Path.Combine(root, "media.csv"), media);
        File.WriteAllLines(Path.Combine(root, "observations.csv"), observations);
    }

    /// <summary>True when no group has items on both sides of the split.</summary>
    public static void AssertGroupsOnOneSide(DataSet data)
    {
        var train = data.Train.Select(i => data.Items[i].Site).ToHashSet();
        var valid = data.Valid.Select(i => data.Items[i].Site).ToHashSet();
        Assert.DoesNotContain(null, train);
        Assert.Empty(train.Intersect(valid));
        Assert.NotEmpty(valid);
    }

    public static void EditLine(string file, int line, Func<string, string> edit)
    {
        var lines = File.ReadAllLines(file).ToList();
        lines[line - 1] = edit(lines[line - 1]);
        File.WriteAllLines(file, lines);
    }
}
