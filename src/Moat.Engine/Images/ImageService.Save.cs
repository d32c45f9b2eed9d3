using System.Formats.Tar;
using System.Text.Json;
using Moat.Engine.Images.Formats;

namespace Moat.Engine.Images;

/// <summary>
/// docker save: the layout dockerd 25+ writes (OCI image layout plus manifest.json), which dockerd 20.10 and
/// later load through manifest.json and OCI tools read through index.json.
/// </summary>
public sealed partial class ImageService
{
    /// <summary>What one save will write; resolved before the response starts so a bad name is still a 404.</summary>
    public sealed class SavePlan
    {
        internal List<(ImageEntry Image, List<ImageReference> Tags)> Images { get; } = [];
    }

    public SavePlan PrepareSave(IReadOnlyList<string> names)
    {
        var s = _snapshot;
        var plan = new SavePlan();
        void Add(ImageEntry image, ImageReference? tag)
        {
            var slot = plan.Images.FindIndex(i => i.Image.Id == image.Id);
            if (slot < 0) { plan.Images.Add((image, [])); slot = plan.Images.Count - 1; }
            if (tag is not null && !plan.Images[slot].Tags.Contains(tag)) plan.Images[slot].Tags.Add(tag);
        }
        foreach (var name in names)
        {
            var parsed = ImageReference.ParseAny(name);
            if (!parsed.IsDigestOnly && parsed.IsNameOnly)
            {
                // A bare repository name saves every tag of it (dockerd's tarexport).
                var tagged = s.References.Where(r => ParseStored(r.Key) is { } sr && sr.Name == parsed.Name && sr.Tag is not null)
                    .OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
                if (tagged.Count > 0)
                {
                    foreach (var (r, id) in tagged) Add(s.Images[id], ParseStored(r));
                    continue;
                }
            }
            var image = Lookup(s, name);
            bool byId = parsed.IsDigestOnly || IsIdPrefix(image.Id, name);
            Add(image, byId || parsed.Tag is null ? null : parsed);
        }
        return plan;
    }

    public async Task WriteSaveAsync(SavePlan plan, Stream output, CancellationToken cancellationToken)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        var index = new OciIndex();
        var manifestJson = new List<ArchiveManifestEntry>();
        var epoch = DateTimeOffset.UnixEpoch;
        await using var tar = new TarWriter(output, leaveOpen: true);
        await WriteDirectoryAsync(tar, "blobs/", epoch, cancellationToken);
        await WriteDirectoryAsync(tar, "blobs/sha256/", epoch, cancellationToken);
        foreach (var (image, tags) in plan.Images)
        {
            var time = image.Created ?? epoch;
            foreach (var digest in image.DiffIds.Prepend(image.Id).Append(image.ManifestDigest))
            {
                if (!written.Add(digest)) continue;
                await using var blob = new FileStream(Blobs.PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
                const long UstarMax = 077777777777L;
                TarEntry entry = blob.Length > UstarMax
                    ? new PaxTarEntry(TarEntryType.RegularFile, "blobs/sha256/" + digest[7..])
                    : new UstarTarEntry(TarEntryType.RegularFile, "blobs/sha256/" + digest[7..]);
                entry.DataStream = blob;
                entry.Mode = (UnixFileMode)0x1a4;
                entry.ModificationTime = time;
                await tar.WriteEntryAsync(entry, cancellationToken);
            }
            long manifestSize = Blobs.SizeOf(image.ManifestDigest);
            if (tags.Count == 0)
                index.Manifests.Add(new OciDescriptor { MediaType = MediaTypes.OciManifest, Digest = image.ManifestDigest, Size = manifestSize });
            foreach (var tag in tags)
            {
                index.Manifests.Add(new OciDescriptor
                {
                    MediaType = MediaTypes.OciManifest,
                    Digest = image.ManifestDigest,
                    Size = manifestSize,
                    Annotations = new()
                    {
                        ["io.containerd.image.name"] = tag.ToString(),
                        ["org.opencontainers.image.ref.name"] = tag.Tag!,
                    },
                });
            }
            manifestJson.Add(new ArchiveManifestEntry
            {
                Config = "blobs/sha256/" + image.Id[7..],
                RepoTags = tags.Count == 0 ? null : [.. tags.Select(t => t.FamiliarString)],
                Layers = [.. image.DiffIds.Select(d => "blobs/sha256/" + d[7..])],
            });
        }
        await WriteFileAsync(tar, "index.json", JsonSerializer.SerializeToUtf8Bytes(index, ImageFormatsJson.Context.OciIndex), epoch, cancellationToken);
        await WriteFileAsync(tar, "manifest.json", JsonSerializer.SerializeToUtf8Bytes(manifestJson, ImageFormatsJson.Context.ListArchiveManifestEntry), epoch, cancellationToken);
        await WriteFileAsync(tar, "oci-layout", JsonSerializer.SerializeToUtf8Bytes(new OciLayoutFile(), ImageFormatsJson.Context.OciLayoutFile), epoch, cancellationToken);
        foreach (var (image, _) in plan.Images) Publish("save", image.Id, image.Id, image);
    }

    private static async Task WriteDirectoryAsync(TarWriter tar, string name, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var entry = new UstarTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)0x1ed, ModificationTime = time };
        await tar.WriteEntryAsync(entry, cancellationToken);
    }

    private static async Task WriteFileAsync(TarWriter tar, string name, byte[] data, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var entry = new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data), Mode = (UnixFileMode)0x1a4, ModificationTime = time };
        await tar.WriteEntryAsync(entry, cancellationToken);
    }
}
