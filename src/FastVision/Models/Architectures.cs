namespace FastVision.Models;

/// <summary>The architecture registry: every body FastVision can build, looked up by name.</summary>
public static partial class Architectures
{
    private static readonly Dictionary<string, Architecture> Registry = new(StringComparer.OrdinalIgnoreCase);

    static Architectures()
    {
        RegisterResNets();
        RegisterMobileNets();
    }

    /// <summary>The default: the only ImageNet-pretrained body reachable offline.</summary>
    public static Architecture Default => CntkResNet;

    public static IEnumerable<Architecture> All => Registry.Values;

    public static Architecture Get(string name) =>
        Registry.TryGetValue(name, out var arch)
            ? arch
            : throw new ArgumentException($"Unknown architecture '{name}'. Known: {string.Join(", ", Registry.Keys)}.");

    private static Architecture Register(Architecture architecture)
    {
        Registry.Add(architecture.Name, architecture);
        return architecture;
    }
}
