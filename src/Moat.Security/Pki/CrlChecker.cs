using System.Security.Cryptography.X509Certificates;

namespace Moat.Security.Pki;

/// <summary>
/// The daemon's view of its CRL file (daemon.json "tlscrl"). Every check first looks whether the file changed
/// (a stat, no read when unchanged) and reloads it, so `moat pki revoke` takes effect on the next handshake without
/// a restart; <see cref="Reload"/> forces a read (SIGHUP). A CRL must be signed by one of the trusted CAs. When a new
/// file is unreadable or badly signed, the last good CRL stays in force and <see cref="LastError"/> says why.
/// </summary>
public sealed class CrlChecker
{
    private readonly string _path;
    private readonly X509Certificate2Collection _issuers;
    private readonly Lock _gate = new();
    private IReadOnlyList<RevocationList> _lists = [];
    private (DateTime WriteTime, long Length) _stamp;

    /// <summary>Loads <paramref name="path"/> now; throws <see cref="PkiException"/> if it is missing or invalid.</summary>
    public CrlChecker(string path, X509Certificate2Collection issuers)
    {
        _path = System.IO.Path.GetFullPath(path);
        _issuers = issuers;
        var (lists, stamp) = Load();
        _lists = lists;
        _stamp = stamp;
    }

    public string Path => _path;

    /// <summary>Why the last reload failed (null after a good load); the daemon logs it.</summary>
    public string? LastError { get; private set; }

    /// <summary>The CRLs in force.</summary>
    public IReadOnlyList<RevocationList> Current
    {
        get { lock (_gate) return _lists; }
    }

    /// <summary>Raised (outside the lock) after each reload attempt with null on success or the error text.</summary>
    public event Action<string?>? Reloaded;

    /// <summary>Whether <paramref name="certificate"/> is listed in a CRL in force, reloading first when the file changed.</summary>
    public bool IsRevoked(X509Certificate2 certificate)
    {
        RefreshIfChanged();
        foreach (var list in Current)
            if (list.IsRevoked(certificate)) return true;
        return false;
    }

    /// <summary>Reads the file again; returns false (keeping the previous CRL) when it cannot be used.</summary>
    public bool Reload()
    {
        string? error = null;
        lock (_gate)
        {
            try
            {
                var (lists, stamp) = Load();
                _lists = lists;
                _stamp = stamp;
            }
            catch (PkiException e)
            {
                error = e.Message;
                // Remember the stamp anyway so a broken file is not re-read on every handshake.
                try { _stamp = Stamp(); } catch (IOException) { }
            }
            LastError = error;
        }
        Reloaded?.Invoke(error);
        return error is null;
    }

    private void RefreshIfChanged()
    {
        (DateTime, long) stamp;
        try { stamp = Stamp(); }
        catch (IOException) { return; }
        bool changed;
        lock (_gate) changed = stamp != _stamp;
        if (changed) Reload();
    }

    private (DateTime, long) Stamp()
    {
        var info = new FileInfo(_path);
        if (!info.Exists) throw new FileNotFoundException(_path);
        return (info.LastWriteTimeUtc, info.Length);
    }

    private (IReadOnlyList<RevocationList>, (DateTime, long)) Load()
    {
        byte[] content;
        (DateTime, long) stamp;
        try
        {
            stamp = Stamp();
            if (stamp.Item2 > RevocationList.MaxSize) throw new PkiException($"CRL {_path} is larger than {RevocationList.MaxSize} bytes");
            content = File.ReadAllBytes(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PkiException($"cannot read CRL {_path}: {e.Message}", e);
        }
        var lists = RevocationList.ParseAll(content);
        foreach (var list in lists)
        {
            bool signed = false;
            foreach (var issuer in _issuers)
                if (list.VerifySignature(issuer)) { signed = true; break; }
            if (!signed) throw new PkiException($"CRL {_path} (issuer {list.Issuer.Name}) is not signed by a trusted CA");
        }
        return (lists, stamp);
    }
}
