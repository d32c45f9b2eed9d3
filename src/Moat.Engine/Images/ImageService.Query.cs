using Moat.Api.Contracts.Images;

namespace Moat.Engine.Images;

/// <summary>docker images, image inspect, history, and the images part of system df: from the in-memory index only.</summary>
public sealed partial class ImageService
{
    public List<ImageSummary> List(ImageFilters filters, bool all)
    {
        filters.Validate("before", "dangling", "label", "reference", "since", "until");
        var s = _snapshot;
        bool? dangling = filters.Dangling();
        var labels = filters.Get("label");
        var patterns = filters.Get("reference");
        DateTimeOffset? before = filters.Get("before").Select(b => Lookup(s, b).Created ?? DateTimeOffset.MinValue).Cast<DateTimeOffset?>().FirstOrDefault();
        DateTimeOffset? since = filters.Get("since").Select(b => Lookup(s, b).Created ?? DateTimeOffset.MinValue).Cast<DateTimeOffset?>().FirstOrDefault();
        DateTimeOffset? until = filters.Get("until").Select(u => ParseUntil(u)).Cast<DateTimeOffset?>().FirstOrDefault();

        var result = new List<ImageSummary>(s.Images.Count);
        foreach (var image in s.Images.Values)
        {
            var refs = s.ReferencesOf(image.Id);
            if (dangling is { } d && d != (refs.Count == 0)) continue;
            if (patterns.Count > 0 && refs.Count == 0) continue;
            var created = image.Created ?? DateTimeOffset.UnixEpoch;
            if (before is { } bt && created >= bt) continue;
            if (since is { } st && created <= st) continue;
            if (until is { } ut && created >= ut) continue;
            if (labels.Count > 0 && !ImageFilters.MatchLabels(labels, image.Labels)) continue;
            List<string> tags;
            if (patterns.Count > 0)
            {
                tags = [.. refs.Where(r => r.Tag is not null && patterns.Any(p => ImageFilters.MatchPattern(p, r.FamiliarName) || ImageFilters.MatchPattern(p, r.FamiliarString))).Select(r => r.FamiliarString)];
                if (tags.Count == 0) continue;
            }
            else
            {
                tags = [.. refs.Where(r => r.Tag is not null).Select(r => r.FamiliarString)];
            }
            result.Add(Summary(image, tags, refs));
        }
        result.Sort((a, b) => b.Created.CompareTo(a.Created) is var c && c != 0 ? c : string.CompareOrdinal(a.Id, b.Id));
        return result;

        DateTimeOffset ParseUntil(string u) => ImageFilters.ParseTimestamp(u, _time.GetUtcNow());
    }

    private static ImageSummary Summary(ImageEntry image, List<string> tags, IReadOnlyList<ImageReference> refs) => new()
    {
        Id = image.Id,
        ParentId = image.Parent ?? "",
        RepoTags = tags,
        RepoDigests = [.. refs.Where(r => r.Digest is not null).Select(r => r.FamiliarName + "@" + r.Digest)],
        Created = (image.Created ?? DateTimeOffset.UnixEpoch).ToUnixTimeSeconds(),
        Size = image.Size,
        Labels = image.ConfigFile.Config?.Labels,
    };

    public ImageInspect Inspect(string name)
    {
        var s = _snapshot;
        var image = Lookup(s, name);
        var refs = s.ReferencesOf(image.Id);
        var layers = image.DiffIds.Select(d => Layers.Get(d)?.DiffPath).OfType<string>().ToList();
        var data = new Dictionary<string, string>();
        if (layers.Count > 0)
        {
            data["UpperDir"] = layers[^1];
            if (layers.Count > 1) data["LowerDir"] = string.Join(':', layers.Take(layers.Count - 1).Reverse());
        }
        var c = image.ConfigFile;
        return new ImageInspect
        {
            Id = image.Id,
            RepoTags = [.. refs.Where(r => r.Tag is not null).Select(r => r.FamiliarString)],
            RepoDigests = [.. refs.Where(r => r.Digest is not null).Select(r => r.FamiliarName + "@" + r.Digest)],
            Parent = image.Parent ?? "",
            Comment = c.Comment ?? "",
            Created = image.Created is { } t ? FormatTime(t) : null,
            DockerVersion = c.DockerVersion ?? "",
            Author = c.Author ?? "",
            Config = (c.Config ?? new()).Compact(),
            Architecture = c.Architecture ?? "",
            Variant = string.IsNullOrEmpty(c.Variant) ? null : c.Variant,
            Os = c.Os ?? "",
            OsVersion = string.IsNullOrEmpty(c.OsVersion) ? null : c.OsVersion,
            Size = image.Size,
            GraphDriver = new GraphDriverData { Name = Layers.Driver, Data = data },
            RootFS = new ImageRootFs { Layers = [.. image.DiffIds] },
            Metadata = new ImageMetadata { LastTagTime = image.LastTagTime is { } lt ? FormatTime(lt) : null },
        };
    }

    /// <summary>Newest first; the top entry carries the image ID and tags, older ones "&lt;missing&gt;" (no parent chain here).</summary>
    public List<ImageHistoryItem> History(string name)
    {
        var s = _snapshot;
        var image = Lookup(s, name);
        var history = image.ConfigFile.History ?? [];
        var items = new List<ImageHistoryItem>();
        int layer = 0;
        foreach (var h in history)
        {
            long size = 0;
            if (!h.EmptyLayer && layer < image.DiffIds.Count) size = Layers.Get(image.DiffIds[layer++])?.Size ?? 0;
            items.Add(new ImageHistoryItem
            {
                Id = "<missing>",
                Created = (ParseTime(h.Created) ?? DateTimeOffset.UnixEpoch).ToUnixTimeSeconds(),
                CreatedBy = h.CreatedBy ?? "",
                Size = size,
                Comment = h.Comment ?? "",
            });
        }
        if (items.Count == 0)
            items.Add(new ImageHistoryItem { Id = "<missing>", Created = (image.Created ?? DateTimeOffset.UnixEpoch).ToUnixTimeSeconds(), Size = image.Size });
        items.Reverse();
        items[0].Id = image.Id;
        var tags = s.ReferencesOf(image.Id).Where(r => r.Tag is not null).Select(r => r.FamiliarString).ToList();
        items[0].Tags = tags.Count > 0 ? tags : null;
        return items;
    }

    /// <summary>The images part of GET /system/df: every image with SharedSize and Containers filled in, and LayersSize.</summary>
    public ImageDiskUsage DiskUsage()
    {
        var s = _snapshot;
        var layerUse = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var image in s.Images.Values)
            foreach (var d in image.DiffIds.Distinct()) layerUse[d] = layerUse.GetValueOrDefault(d) + 1;
        var usage = new ImageDiskUsage { LayersSize = Layers.List().Sum(l => l.Size) };
        foreach (var image in s.Images.Values)
        {
            var refs = s.ReferencesOf(image.Id);
            var summary = Summary(image, [.. refs.Where(r => r.Tag is not null).Select(r => r.FamiliarString)], refs);
            summary.SharedSize = image.DiffIds.Distinct().Where(d => layerUse[d] > 1).Sum(d => Layers.Get(d)?.Size ?? 0);
            summary.Containers = Usage.UsersOf(image.Id).Count;
            usage.Images.Add(summary);
        }
        usage.Images.Sort((a, b) => b.Created.CompareTo(a.Created));
        return usage;
    }
}
