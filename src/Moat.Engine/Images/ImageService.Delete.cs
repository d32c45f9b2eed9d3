using System.Security.Cryptography;
using System.Text;
using Moat.Api.Contracts.Images;
using Moat.Engine.Errors;

namespace Moat.Engine.Images;

/// <summary>docker tag, docker rmi and docker image prune, with dockerd's conflict rules and texts.</summary>
public sealed partial class ImageService
{
    public async Task TagAsync(string source, string? repo, string? tag, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(repo)) throw new InvalidArgumentException("repository name must have at least one component");
        var target = RepoTagReference(repo, tag)!;
        if (target.Path.Length == 64 && ImageReference.IsLowerHex(target.Path) && target.Domain == ImageReference.DefaultDomain)
            throw new InvalidArgumentException("refusing to create an ambiguous tag using digest algorithm as name");
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var image = Lookup(_snapshot, source);
            SetReference(target, image);
            Publish("tag", image.Id, target.FamiliarString, image);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<List<ImageDeleteItem>> DeleteAsync(string name, bool force, bool prune, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return DeleteLocked(name, force, out _);
        }
        finally
        {
            _gate.Release();
        }
    }

    private List<ImageDeleteItem> DeleteLocked(string name, bool force, out long reclaimed)
    {
        reclaimed = 0;
        var s = _snapshot;
        var image = Lookup(s, name);
        var refs = s.ReferencesOf(image.Id).ToList();
        var users = Usage.UsersOf(image.Id);
        var records = new List<ImageDeleteItem>();
        var running = users.FirstOrDefault(u => u.Running);
        var stopped = users.FirstOrDefault(u => !u.Running);

        if (!IsIdPrefix(image.Id, name))
        {
            // Removing a name: untag it; the image goes only with its last name.
            var parsed = ImageReference.ParseNormalized(name).WithDefaultTag();
            var exact = refs.FirstOrDefault(r => r == parsed) ?? refs.FirstOrDefault(r => r.ToString() == parsed.ToString());
            if (exact is null)
                throw ImageNotFoundException.For(parsed);
            if (refs.Count == 1 && users.Count > 0 && !force)
            {
                throw new ConflictException(
                    $"conflict: unable to remove repository reference \"{name}\" (must force) - container {Short(users[0].ContainerId)} is using its referenced image {image.ShortId}");
            }
            Untag(exact, image, records);
            if (refs.Count > 1 || users.Count > 0) return records;
        }
        else
        {
            if (running != default)
                throw new ConflictException($"conflict: unable to delete {image.ShortId} (cannot be forced) - image is being used by running container {Short(running.ContainerId)}");
            if (refs.Select(r => r.Name).Distinct().Count() > 1 && !force)
                throw new ConflictException($"conflict: unable to delete {image.ShortId} (must be forced) - image is referenced in multiple repositories");
            if (stopped != default && !force)
                throw new ConflictException($"conflict: unable to delete {image.ShortId} (must be forced) - image is being used by stopped container {Short(stopped.ContainerId)}");
            foreach (var r in refs) Untag(r, image, records);
            if (users.Count > 0) return records; // forced: names gone, the image stays for its containers
        }

        reclaimed = RemoveImage(image, records);
        return records;
    }

    private void Untag(ImageReference reference, ImageEntry image, List<ImageDeleteItem> records)
    {
        var references = new Dictionary<string, string>(_snapshot.References, StringComparer.Ordinal);
        references.Remove(reference.ToString());
        CommitReferences(references);
        records.Add(new ImageDeleteItem { Untagged = reference.FamiliarString });
        Publish("untag", image.Id, reference.FamiliarString, image);
    }

    /// <summary>Drops the record, then every layer and blob no other image uses (lock held).</summary>
    private long RemoveImage(ImageEntry image, List<ImageDeleteItem> records)
    {
        File.Delete(Path.Combine(_imagesDir, image.Id[7..] + ".json"));
        var images = new Dictionary<string, ImageEntry>(_snapshot.Images, StringComparer.Ordinal);
        images.Remove(image.Id);
        var references = _snapshot.References.Where(r => r.Value != image.Id).ToDictionary(StringComparer.Ordinal);
        _snapshot = new Snapshot(images, references);
        records.Add(new ImageDeleteItem { Deleted = image.Id });
        Publish("delete", image.Id, image.Id, image);

        var stillUsed = images.Values.SelectMany(i => i.DiffIds).ToHashSet(StringComparer.Ordinal);
        long reclaimed = 0;
        string chain = "";
        foreach (var diffId in image.DiffIds)
        {
            chain = chain.Length == 0 ? diffId : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(chain + " " + diffId)));
            if (stillUsed.Contains(diffId) || Layers.Get(diffId) is not { } layer) continue;
            reclaimed += layer.Size;
            Layers.Remove(diffId);
            Blobs.Delete(diffId);
            stillUsed.Add(diffId);
            records.Add(new ImageDeleteItem { Deleted = chain });
        }
        bool manifestShared = images.Values.Any(i => i.ManifestDigest == image.ManifestDigest);
        if (!manifestShared) Blobs.Delete(image.ManifestDigest);
        Blobs.Delete(image.Id);
        return reclaimed;
    }

    public async Task<ImagePruneReport> PruneAsync(ImageFilters filters, CancellationToken cancellationToken)
    {
        filters.Validate("dangling", "label", "label!", "until");
        bool danglingOnly = filters.Dangling() ?? true;
        var labels = filters.Get("label");
        var notLabels = filters.Get("label!");
        DateTimeOffset? until = filters.Get("until").Select(u => ImageFilters.ParseTimestamp(u, _time.GetUtcNow())).Cast<DateTimeOffset?>().FirstOrDefault();

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var report = new ImagePruneReport();
            var s = _snapshot;
            foreach (var image in s.Images.Values.OrderBy(i => i.Created))
            {
                if (danglingOnly && s.ReferencesOf(image.Id).Count > 0) continue;
                if (Usage.UsersOf(image.Id).Count > 0) continue;
                if (until is { } u && (image.Created ?? DateTimeOffset.UnixEpoch) >= u) continue;
                if (!ImageFilters.MatchLabels(labels, image.Labels) || !ImageFilters.MatchLabels(notLabels, image.Labels, negate: true)) continue;
                var records = new List<ImageDeleteItem>();
                foreach (var r in _snapshot.ReferencesOf(image.Id).ToList()) Untag(r, image, records);
                report.SpaceReclaimed += RemoveImage(image, records);
                (report.ImagesDeleted ??= []).AddRange(records);
            }
            return report;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;
}
