using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastVision;

/// <summary>The JSON settings of every file FastVision writes (model metadata, checkpoints): indented, NaN allowed (undefined metrics).</summary>
public static class JsonFiles
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
