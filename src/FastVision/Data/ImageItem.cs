namespace FastVision.Data;

/// <summary>One labelled image: its file, its class name, and (for camera traps) its id and site.</summary>
public sealed record ImageItem(string Path, string Label, string? Id = null, string? Site = null);
