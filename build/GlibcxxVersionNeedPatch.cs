// Makes TorchSharp's libLibTorchSharp.so load on systems whose libstdc++ predates GCC 13 (Debian 12).
//
// The library lists a version requirement GLIBCXX_3.4.32 that only one symbol carries:
// `_ZSt21ios_base_library_initv`, a marker GCC 13's <iostream> emits and nothing relocates against.
// Marking that one requirement WEAK (VER_FLG_WEAK in its Vernaux entry) lets the dynamic loader
// accept an older libstdc++. We refuse whenever a relocation really uses a symbol of that version.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory as the build task (see
// FastVision.Native.targets) and by the library with ELF_PATCHER_ONLY defined (TorchRuntime patches the copy
// TorchSharp loads in a notebook, where no build of ours ran). The task factory
// compiles against netstandard2.0, hence plain arrays and no newer BCL APIs.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

internal enum VersionNeedPatchOutcome
{
    Patched,
    AlreadyWeak,
    VersionNotRequired,
}

internal static class ElfVersionNeedPatcher
{
    private const uint ShtRela = 4;
    private const uint ShtRel = 9;
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlgWeak = 0x2;

    private static readonly string[] LibStdCxxDirectories =
    {
        "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
        "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
    };

    /// <summary>The system's libstdc++.so.6, or null when none is found in the usual places.</summary>
    public static string? FindSystemLibStdCxx()
    {
        foreach (var dir in LibStdCxxDirectories)
        {
            var candidate = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>True when the shared library defines the given symbol version (e.g. GLIBCXX_3.4.32).</summary>
    public static bool DefinesVersion(string sharedLibrary, string version)
    {
        // The version name sits in the library's string table as a NUL-terminated string.
        var text = Encoding.ASCII.GetString(File.ReadAllBytes(sharedLibrary));
        return text.IndexOf("\0" + version + "\0", StringComparison.Ordinal) >= 0;
    }

    /// <summary>Marks the requirement on <paramref name="version"/> weak; writes a temp file and renames it.</summary>
    public static VersionNeedPatchOutcome MakeVersionNeedWeak(string path, string version)
    {
        var elf = File.ReadAllBytes(path);
        var outcome = MakeVersionNeedWeak(elf, version, path);
        if (outcome != VersionNeedPatchOutcome.Patched) return outcome;

        // File.Copy keeps the file mode; rename makes the swap atomic for concurrent loaders.
        var temp = path + ".fastvision-patch.tmp";
        File.Copy(path, temp, overwrite: true);
        File.WriteAllBytes(temp, elf);
        File.Replace(temp, path, null);
        return outcome;
    }

    /// <summary>In-memory form of the patch: flips the flag inside <paramref name="elf"/>.</summary>
    public static VersionNeedPatchOutcome MakeVersionNeedWeak(byte[] elf, string version, string nameForErrors)
    {
        var span = elf;
        if (elf.Length < 64 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw new InvalidDataException($"{nameForErrors}: not an ELF file.");
        if (span[4] != 2 || span[5] != 1)
            throw new InvalidDataException($"{nameForErrors}: only 64-bit little-endian ELF is supported.");

        var sections = ReadSections(span, nameForErrors);
        Section? verneed = null, versym = null, dynsym = null;
        foreach (var s in sections)
        {
            if (s.Type == ShtGnuVerneed) verneed = s;
            else if (s.Type == ShtGnuVersym) versym = s;
            else if (s.Type == ShtDynsym) dynsym = s;
        }
        if (verneed is null) return VersionNeedPatchOutcome.VersionNotRequired;
        var strtab = sections[(int)verneed.Link];

        // Walk Elf64_Verneed entries (16 bytes) and their Elf64_Vernaux entries (16 bytes).
        long needOffset = (long)verneed.Offset;
        for (uint i = 0; i < verneed.Info; i++)
        {
            ushort count = U16(span, needOffset + 2);
            uint auxOffset = U32(span, needOffset + 8);
            uint nextNeed = U32(span, needOffset + 12);
            long aux = needOffset + auxOffset;
            for (int j = 0; j < count; j++)
            {
                ushort flags = U16(span, aux + 4);
                ushort versionIndex = U16(span, aux + 6);
                uint name = U32(span, aux + 8);
                uint nextAux = U32(span, aux + 12);
                if (ReadString(span, strtab.Offset + name) == version)
                {
                    if ((flags & VerFlgWeak) != 0) return VersionNeedPatchOutcome.AlreadyWeak;
                    EnsureNoRelocationUses(span, sections, versym, dynsym, versionIndex, version, nameForErrors);
                    ushort weak = (ushort)(flags | VerFlgWeak);
                    span[aux + 4] = (byte)weak;
                    span[aux + 5] = (byte)(weak >> 8);
                    return VersionNeedPatchOutcome.Patched;
                }
                if (nextAux == 0) break;
                aux += nextAux;
            }
            if (nextNeed == 0) break;
            needOffset += nextNeed;
        }
        return VersionNeedPatchOutcome.VersionNotRequired;
    }

    private static void EnsureNoRelocationUses(byte[] elf, List<Section> sections, Section? versym,
        Section? dynsym, ushort versionIndex, string version, string nameForErrors)
    {
        if (versym is null || dynsym is null)
            throw new InvalidDataException($"{nameForErrors}: has no symbol version table; refusing to patch.");
        int dynsymIndex = sections.IndexOf(dynsym);
        foreach (var s in sections)
        {
            if ((s.Type != ShtRela && s.Type != ShtRel) || s.Link != dynsymIndex) continue;
            int entrySize = s.Type == ShtRela ? 24 : 16;
            for (ulong off = 0; off + (ulong)entrySize <= s.Size; off += (ulong)entrySize)
            {
                ulong info = U64(elf, (long)(s.Offset + off + 8));
                uint symbol = (uint)(info >> 32);
                if (symbol == 0) continue;
                ushort symbolVersion = U16(elf, (long)(versym.Offset + symbol * 2UL));
                if ((symbolVersion & 0x7fff) == versionIndex)
                    throw new InvalidDataException(
                        $"{nameForErrors}: a relocation uses symbol #{symbol} of {version}; marking it weak would be unsafe.");
            }
        }
    }

    private sealed class Section
    {
        public uint Type, Link, Info;
        public ulong Offset, Size;
    }

    private static List<Section> ReadSections(byte[] elf, string nameForErrors)
    {
        ulong shoff = U64(elf, 0x28);
        ushort shentsize = U16(elf, 0x3A);
        ushort shnum = U16(elf, 0x3C);
        if (shentsize != 64 || shoff + (ulong)shnum * 64 > (ulong)elf.Length)
            throw new InvalidDataException($"{nameForErrors}: malformed section header table.");
        var sections = new List<Section>(shnum);
        for (int i = 0; i < shnum; i++)
        {
            long h = (long)shoff + i * 64L;
            var section = new Section
            {
                Type = U32(elf, h + 4), Offset = U64(elf, h + 24), Size = U64(elf, h + 32),
                Link = U32(elf, h + 40), Info = U32(elf, h + 44),
            };
            if (section.Type != 8 /* SHT_NOBITS */ && section.Offset + section.Size > (ulong)elf.Length)
                throw new InvalidDataException($"{nameForErrors}: section {i} lies outside the file.");
            sections.Add(section);
        }
        return sections;
    }

    private static string ReadString(byte[] elf, ulong offset)
    {
        int start = (int)offset, end = start;
        while (end < elf.Length && elf[end] != 0) end++;
        return Encoding.ASCII.GetString(elf, start, end - start);
    }

    private static ushort U16(byte[] b, long o) => (ushort)(b[o] | b[o + 1] << 8);
    private static uint U32(byte[] b, long o) => (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24);
    private static ulong U64(byte[] b, long o) => U32(b, o) | (ulong)U32(b, o + 4) << 32;
}

#if !ELF_PATCHER_ONLY
/// <summary>MSBuild task: patches every given libLibTorchSharp.so when the system libstdc++ lacks the version.</summary>
public class PatchGlibcxxVersionNeed : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    public string Version { get; set; } = "GLIBCXX_3.4.32";

    public override bool Execute()
    {
        if (Files.Length == 0) return true;
        var libstdcxx = ElfVersionNeedPatcher.FindSystemLibStdCxx();
        if (libstdcxx is null)
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "FastVision: no system libstdc++.so.6 found; native patch skipped.");
            return true;
        }
        if (ElfVersionNeedPatcher.DefinesVersion(libstdcxx, Version))
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, $"FastVision: {libstdcxx} provides {Version}; no native patch needed.");
            return true;
        }
        foreach (var item in Files)
        {
            try
            {
                var outcome = ElfVersionNeedPatcher.MakeVersionNeedWeak(item.ItemSpec, Version);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, $"FastVision: {item.ItemSpec}: {outcome} ({Version} weak; system libstdc++ lacks it).");
            }
            catch (Exception e)
            {
                Log.LogError($"FastVision: cannot make {item.ItemSpec} load with {libstdcxx}: {e.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }
}
#endif
