namespace Moat.Engine.Storage;

/// <summary>How an unpacked layer records deletions.</summary>
public enum WhiteoutFormat
{
    /// <summary>overlayfs: a 0/0 character device per deleted name, xattr trusted.overlay.opaque=y on opaque directories.</summary>
    Overlay,
    /// <summary>As in the tar: empty ".wh.&lt;name&gt;" and ".wh..wh..opq" files, applied when a rootfs is copied together.</summary>
    Marker,
}
