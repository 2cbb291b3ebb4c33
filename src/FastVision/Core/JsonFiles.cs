using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastVision;

/// <summary>
/// The JSON files FastVision writes and reads (model metadata, checkpoints, run records): indented, NaN allowed
/// (undefined metrics), written atomically, and read with errors that name the file.
/// </summary>
public static class JsonFiles
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write<T>(string path, T value) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Options));

    /// <summary>The file as a <typeparamref name="T"/>; malformed or empty JSON is an <see cref="InvalidDataException"/> naming the file.</summary>
    public static T Read<T>(string path) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options) ?? throw new InvalidDataException($"{path}: empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid {typeof(T).Name} JSON ({e.Message}).");
        }
    }
}
