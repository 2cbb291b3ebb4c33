using System.Globalization;

namespace FastVision.Data;

/// <summary>
/// A Camera Trap Data Package (Camtrap DP, https://camtrap-dp.tdwg.org): <c>deployments.csv</c>, <c>media.csv</c> and
/// <c>observations.csv</c> in the package folder; media files at <c>filePath</c> below it. Each image's label is the
/// <c>scientificName</c> of its animal observations; observationType blank, human and vehicle give the labels "blank",
/// "human" and "vehicle". Its group (<see cref="ImageItem.Site"/>) is its deployment's <c>locationID</c> when the
/// deployment names one (deployments at one location share a background), else the <c>deploymentID</c>, so the
/// default split keeps each camera place on one side. Its <see cref="ImageItem.Sequence"/> is the <c>eventID</c> of the
/// observations that label it, when they name one.
/// <para>
/// Media-level observations (a <c>mediaID</c>) label their media. Event-level ones (<c>mediaID</c> empty) label every
/// image of their deployment whose <c>timestamp</c> is in [<c>eventStart</c>, <c>eventEnd</c>], unless the image has
/// media-level observations of its own (they are the finer annotation). Left out, with a warning that counts them: images
/// with no observation (not classified: an empty frame is recorded as 'blank'), with only unknown/unclassified
/// observations, with two different labels (this is single-label), and non-image media (video). Everything else that
/// does not fit the standard is an error naming the file, the row and what is wrong.
/// </para>
/// </summary>
public sealed class CamtrapDpSource : IItemSource
{
    public const string DeploymentsFile = "deployments.csv";
    public const string MediaFile = "media.csv";
    public const string ObservationsFile = "observations.csv";

    /// <summary>True when <paramref name="root"/> holds a package's media and observations tables.</summary>
    public static bool Detect(string root) => File.Exists(Path.Combine(root, MediaFile)) && File.Exists(Path.Combine(root, ObservationsFile));

    /// <summary>A row of media.csv; <see cref="IsImage"/> false for other media (video), whose observations are valid but unused.</summary>
    private sealed record Media(CsvTable.Row Row, string Id, string Deployment, string FilePath, bool IsImage);

    private sealed record Observation(string Label, string? MediaId, string Deployment, string? EventId, DateTimeOffset Start, DateTimeOffset End);

    public IReadOnlyList<ImageItem> GetItems(string root, DataIssues issues)
    {
        if (!Directory.Exists(root)) throw new DataSourceException($"{root}: data folder not found.");
        var sites = ReadDeployments(Path.Combine(root, DeploymentsFile));
        var media = ReadMedia(Path.Combine(root, MediaFile), sites);
        var observations = ReadObservations(Path.Combine(root, ObservationsFile), sites, media.ToDictionary(m => m.Id, StringComparer.Ordinal), out int unclassified);

        var byMedia = observations.Where(o => o.MediaId is not null).ToLookup(o => o.MediaId!, StringComparer.Ordinal);
        var events = observations.Where(o => o.MediaId is null).ToLookup(o => o.Deployment, StringComparer.Ordinal);
        var items = new List<ImageItem>(media.Count);
        var mixed = new List<string>();
        int unlabelled = 0;
        var mediaPath = Path.Combine(root, MediaFile);
        if (media.Count(m => !m.IsImage) is > 0 and var notImages)
            issues.Warn($"{MediaFile}: {notImages} media file(s) are not images (fileMediatype) and are not used.");
        foreach (var m in media.Where(m => m.IsImage))
        {
            var labelling = byMedia[m.Id].ToList();
            if (labelling.Count == 0 && events[m.Deployment].Any())
            {
                var time = Time(m.Row, "timestamp", $"{mediaPath} row {m.Row.Line}");
                labelling = events[m.Deployment].Where(o => o.Start <= time && time <= o.End).ToList();
            }
            var distinct = labelling.Select(o => o.Label).Where(l => l.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            var eventIds = labelling.Select(o => o.EventId).Distinct().ToList();
            if (distinct.Count == 0) { unlabelled++; continue; }
            if (distinct.Count > 1) { mixed.Add($"{m.Id} ({string.Join(", ", distinct)})"); continue; }
            var item = new ImageItem(CsvSource.ResolveInside(root, m.FilePath, $"{mediaPath} row {m.Row.Line}"), distinct[0], m.Id, sites[m.Deployment])
            {
                Origin = $"{MediaFile} row {m.Row.Line}", Fields = m.Row.Cells,
                Sequence = eventIds is [{ } eventId] ? eventId : null, // the event is the trigger sequence predictions can be pooled over
            };
            if (File.Exists(item.Path)) items.Add(item);
            else issues.MissingFile(item);
        }
        if (unlabelled > 0)
            issues.Warn($"{MediaFile}: {unlabelled} image(s) have no observation that labels them" +
                (unclassified > 0 ? $" ({unclassified} observation(s) are unknown/unclassified)" : "") + "; they are not used.");
        if (mixed.Count > 0)
            issues.Warn($"{MediaFile}: {mixed.Count} image(s) have observations of different labels and are not used (single-label), e.g. {string.Join("; ", mixed.Take(3))}.");
        return items;
    }

    public string Describe(string root) =>
        $"Camtrap DP package {root} ({MediaFile} + {ObservationsFile}, site = the deployment's locationID, else its deploymentID)";

    /// <summary>deploymentID → the group its media get: its locationID, else itself.</summary>
    private static Dictionary<string, string> ReadDeployments(string path)
    {
        var rows = CsvTable.Read(path, "deploymentID");
        CsvTable.RequireUniqueIds(path, rows, "deploymentID");
        var sites = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var id = row.Cells["deploymentID"];
            if (id.Length == 0) throw new DataSourceException($"{path} row {row.Line}: empty deploymentID.");
            sites[id] = row.Cells.GetValueOrDefault("locationID") is { Length: > 0 } location ? location : id;
        }
        return sites;
    }

    private static List<Media> ReadMedia(string path, Dictionary<string, string> sites)
    {
        var rows = CsvTable.Read(path, "mediaID", "deploymentID", "filePath");
        CsvTable.RequireUniqueIds(path, rows, "mediaID");
        var media = new List<Media>(rows.Count);
        foreach (var row in rows)
        {
            var (id, deployment, file) = (row.Cells["mediaID"], row.Cells["deploymentID"], row.Cells["filePath"]);
            if (id.Length == 0) throw new DataSourceException($"{path} row {row.Line}: empty mediaID.");
            if (!sites.ContainsKey(deployment))
                throw new DataSourceException($"{path} row {row.Line}: media '{id}' names deployment '{deployment}', which is not in {DeploymentsFile}.");
            if (file.Length == 0) throw new DataSourceException($"{path} row {row.Line}: media '{id}' has an empty filePath.");
            bool isImage = row.Cells.GetValueOrDefault("fileMediatype") is not { Length: > 0 } type || type.StartsWith("image/", StringComparison.OrdinalIgnoreCase);
            media.Add(new Media(row, id, deployment, file, isImage));
        }
        return media;
    }

    private static List<Observation> ReadObservations(string path, Dictionary<string, string> sites, Dictionary<string, Media> media, out int unclassified)
    {
        var rows = CsvTable.Read(path, "observationID", "deploymentID", "mediaID", "observationType", "scientificName");
        CsvTable.RequireUniqueIds(path, rows, "observationID");
        var observations = new List<Observation>(rows.Count);
        unclassified = 0;
        foreach (var row in rows)
        {
            var where = $"{path} row {row.Line}";
            var (deployment, mediaId, type) = (row.Cells["deploymentID"], row.Cells["mediaID"], row.Cells["observationType"]);
            var eventId = row.Cells.GetValueOrDefault("eventID") is { Length: > 0 } e ? e : null;
            if (!sites.ContainsKey(deployment)) throw new DataSourceException($"{where}: deployment '{deployment}' is not in {DeploymentsFile}.");
            var label = type switch
            {
                "animal" => row.Cells["scientificName"] is { Length: > 0 } name ? name
                    : throw new DataSourceException($"{where}: observationType 'animal' with an empty scientificName (no label)."),
                "blank" or "human" or "vehicle" => type,
                "unknown" or "unclassified" => "",
                _ => throw new DataSourceException($"{where}: observationType '{type}' is not one of animal, human, vehicle, blank, unknown, unclassified."),
            };
            if (label.Length == 0) unclassified++;
            if (mediaId.Length > 0)
            {
                if (!media.TryGetValue(mediaId, out var of)) throw new DataSourceException($"{where}: media '{mediaId}' is not in {MediaFile}.");
                if (of.Deployment != deployment)
                    throw new DataSourceException($"{where}: deployment '{deployment}' differs from media '{mediaId}''s deployment '{of.Deployment}'.");
                observations.Add(new Observation(label, mediaId, deployment, eventId, default, default));
            }
            else
            {
                var start = Time(row, "eventStart", where);
                var end = Time(row, "eventEnd", where);
                if (end < start) throw new DataSourceException($"{where}: eventEnd {row.Cells["eventEnd"]} is before eventStart {row.Cells["eventStart"]}.");
                observations.Add(new Observation(label, null, deployment, eventId, start, end));
            }
        }
        return observations;
    }

    /// <summary>An ISO 8601 time cell (Camtrap DP writes an offset; a time without one is taken as UTC, for media and events alike).</summary>
    private static DateTimeOffset Time(CsvTable.Row row, string column, string where)
    {
        if (!row.Cells.TryGetValue(column, out var text))
            throw new DataSourceException($"{where}: event-level observations need column '{column}' (found: {string.Join(",", row.Cells.Keys)}).");
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new DataSourceException($"{where}: {column} '{text}' is not an ISO 8601 time.");
    }
}
