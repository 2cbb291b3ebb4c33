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

    /// <param name="options">Another file format's conventions (e.g. snake_case for other engines); null: <see cref="Options"/>.</param>
    public static void Write<T>(string path, T value, JsonSerializerOptions? options = null) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, options ?? Options));

    /// <summary>The file as a <typeparamref name="T"/>; malformed or empty JSON is an <see cref="InvalidDataException"/> naming the file.</summary>
    public static T Read<T>(string path, JsonSerializerOptions? options = null) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), options ?? Options) ?? throw new InvalidDataException($"{path}: empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid {typeof(T).Name} JSON ({e.Message}).");
        }
    }
}
