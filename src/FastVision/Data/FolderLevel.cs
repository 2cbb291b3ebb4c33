using System.Globalization;

namespace FastVision.Data;

/// <summary>
/// Which folder of an image's path names something (its class, its group): counted up from the file (1 = the parent
/// folder, 2 = the grandparent) or down from the data folder (0 = the top folder below it).
/// </summary>
public readonly record struct FolderLevel
{
    private FolderLevel(int index, bool fromTop) => (Index, FromTop) = (index, fromTop);

    /// <summary>Folders up from the file (1 = parent) or, with <see cref="FromTop"/>, down from the data folder (0 = top).</summary>
    public int Index { get; }

    public bool FromTop { get; }

    public static FolderLevel Parent { get; } = new(1, false);
    public static FolderLevel Grandparent { get; } = new(2, false);

    /// <summary>The <paramref name="index"/>-th folder of the path below the data folder, 0 = the top one.</summary>
    public static FolderLevel Top(int index) =>
        index >= 0 ? new(index, true) : throw new ArgumentOutOfRangeException(nameof(index), "A folder level counted from the top is 0 or more.");

    /// <summary>"parent", "grandparent" or a number N (the Nth folder below the data folder, 0 = top).</summary>
    public static FolderLevel Parse(string text, string option) => text.Trim().ToLowerInvariant() switch
    {
        "parent" => Parent,
        "grandparent" => Grandparent,
        var n when int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var index) => Top(index),
        _ => throw new ArgumentException($"{option}: '{text}' is not a folder level (parent, grandparent, or N = the Nth folder below the data folder, 0 = top)."),
    };

    /// <summary>The folder's name for a file below <paramref name="root"/>; null when the path has no such folder below the root.</summary>
    public string? Of(string path, string root)
    {
        var folders = Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)[..^1];
        int at = FromTop ? Index : folders.Length - Index;
        return at >= 0 && at < folders.Length && folders[at] != ".." ? folders[at] : null;
    }

    public override string ToString() => (FromTop, Index) switch
    {
        (false, 1) => "parent folder",
        (false, 2) => "grandparent folder",
        (false, var up) => $"folder {up} levels up",
        (true, var down) => $"folder {down} of the path below the data folder (0 = top)",
    };
}
