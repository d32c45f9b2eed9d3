using System.Text.Json.Serialization;

namespace Moat.Engine.Volumes;

[JsonSerializable(typeof(VolumeRecord))]
internal sealed partial class VolumeStoreJsonContext : JsonSerializerContext;
