using System.Text.Json.Serialization;
using Moat.Engine.Runtime.Seccomp;

namespace Moat.Engine.Runtime.Oci;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(OciSpec))]
[JsonSerializable(typeof(OciProcess))]
[JsonSerializable(typeof(OciState))]
[JsonSerializable(typeof(List<OciState>))]
[JsonSerializable(typeof(OciResources))]
[JsonSerializable(typeof(SeccompProfile))]
[JsonSerializable(typeof(MonitorExitStatus))]
[JsonSerializable(typeof(RuntimeRecord))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
