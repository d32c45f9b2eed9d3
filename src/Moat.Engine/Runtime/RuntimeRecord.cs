using System.Text.Json.Serialization;

namespace Moat.Engine.Runtime;

/// <summary>
/// What RuntimeService remembers about a prepared container, kept in &lt;exec-root&gt;/moat/&lt;id&gt;/runtime.json so a
/// restarted moatd (a new RuntimeService) finds it without any in-process state.
/// </summary>
public sealed class RuntimeRecord
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("runtime")] public string Runtime { get; set; } = "runc";
    [JsonPropertyName("bundle")] public string Bundle { get; set; } = "";
    [JsonPropertyName("rootfs")] public string Rootfs { get; set; } = "";
    /// <summary>True when RuntimeService mounted the rootfs (overlay) and must unmount it.</summary>
    [JsonPropertyName("overlay")] public bool Overlay { get; set; }
    /// <summary>The overlay's layer dirs (top-most first), to mount it again after a release.</summary>
    [JsonPropertyName("lowerDirs")] public List<string> LowerDirs { get; set; } = [];
    [JsonPropertyName("cgroupsPath")] public string CgroupsPath { get; set; } = "";
    [JsonPropertyName("terminal")] public bool Terminal { get; set; }
    [JsonPropertyName("openStdin")] public bool OpenStdin { get; set; }
    [JsonPropertyName("stdinOnce")] public bool StdinOnce { get; set; }
    [JsonPropertyName("logPath")] public string? LogPath { get; set; }
    [JsonPropertyName("logMaxSize")] public long LogMaxSize { get; set; }
    [JsonPropertyName("logMaxFile")] public int LogMaxFile { get; set; } = 1;
    [JsonPropertyName("loopbackUp")] public bool LoopbackUp { get; set; }
}
