package dev.skiff.oci;

import com.github.luben.zstd.ZstdOutputStream;
import dev.skiff.oci.internal.Digests;
import dev.skiff.oci.internal.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * One image layer built in memory: a tar of the entries in the order added (so hard links follow
 * their targets), compressed as chosen. Entries are reproducible: mtime 0, owner root unless given.
 * Whiteouts and opaque markers are written in the OCI form ({@code .wh.NAME}, {@code
 * .wh..wh..opq}).
 */
public final class ImageLayer {
  /** How the tar is stored in the blob. */
  public enum Compression {
    NONE(MediaTypes.OCI_LAYER),
    GZIP(MediaTypes.OCI_LAYER_GZIP),
    ZSTD(MediaTypes.OCI_LAYER_ZSTD);

    private final String mediaType;

    Compression(String mediaType) {
      this.mediaType = mediaType;
    }

    public String mediaType() {
      return mediaType;
    }
  }

  private final byte[] tar;
  private final Compression compression;

  private ImageLayer(byte[] tar, Compression compression) {
    this.tar = tar;
    this.compression = compression;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A layer from a ready tar, for tools that build their own (and tests of hostile tars). */
  public static ImageLayer ofTar(byte[] tar, Compression compression) {
    return new ImageLayer(tar.clone(), compression);
  }

  /** The uncompressed tar's digest: this layer's diff id. */
  public String diffId() {
    return Digests.of(tar);
  }

  public Compression compression() {
    return compression;
  }

  /** The blob: the tar, compressed. */
  public byte[] blob() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(tar.length / 2 + 64);
    try {
      switch (compression) {
        case NONE -> bytes.write(tar);
        case GZIP -> {
          try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(tar);
          }
        }
        case ZSTD -> {
          try (OutputStream out = new ZstdOutputStream(bytes, 3)) {
            out.write(tar);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Adds entries in order; paths are relative to the image root ({@code /} prefixes are dropped).
   */
  public static final class Builder {
    private final List<TarArchiveEntry> entries = new ArrayList<>();
    private final List<byte[]> contents = new ArrayList<>();
    private Compression compression = Compression.GZIP;

    private Builder() {}

    public Builder withCompression(Compression compression) {
      this.compression = compression;
      return this;
    }

    public Builder file(String path, byte[] content, int mode) {
      return file(path, content, mode, 0, 0);
    }

    public Builder file(String path, byte[] content, int mode, int uid, int gid) {
      TarArchiveEntry e = entry(path, TarConstants.LF_NORMAL, mode, uid, gid);
      e.setSize(content.length);
      return add(e, content);
    }

    public Builder directory(String path, int mode) {
      return add(entry(strip(path) + "/", TarConstants.LF_DIR, mode, 0, 0), null);
    }

    public Builder symlink(String path, String target) {
      TarArchiveEntry e = entry(path, TarConstants.LF_SYMLINK, 0777, 0, 0);
      e.setLinkName(target);
      return add(e, null);
    }

    /** A hard link to {@code target}, which must be added earlier in this layer. */
    public Builder hardlink(String path, String target) {
      TarArchiveEntry e = entry(path, TarConstants.LF_LINK, 0644, 0, 0);
      e.setLinkName(strip(target));
      return add(e, null);
    }

    /** Deletes {@code path} (file or directory) of lower layers. */
    public Builder whiteout(String path) {
      String p = strip(path);
      int slash = p.lastIndexOf('/');
      String name = p.substring(0, slash + 1) + ".wh." + p.substring(slash + 1);
      return file(name, new byte[0], 0);
    }

    /**
     * Hides everything lower layers have in directory {@code path}; this layer's entries remain.
     */
    public Builder opaque(String path) {
      return file(strip(path) + "/.wh..wh..opq", new byte[0], 0);
    }

    public ImageLayer build() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        for (int i = 0; i < entries.size(); i++) {
          tar.putArchiveEntry(entries.get(i));
          if (contents.get(i) != null) {
            tar.write(contents.get(i));
          }
          tar.closeArchiveEntry();
        }
        tar.finish();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new ImageLayer(bytes.toByteArray(), compression);
    }

    private Builder add(TarArchiveEntry e, byte[] content) {
      entries.add(e);
      contents.add(content == null ? null : content.clone());
      return this;
    }

    private static TarArchiveEntry entry(String path, byte type, int mode, int uid, int gid) {
      TarArchiveEntry e = new TarArchiveEntry(strip(path), type);
      e.setMode(mode);
      e.setIds(uid, gid);
      e.setUserName("");
      e.setGroupName("");
      e.setLastModifiedTime(FileTime.fromMillis(0));
      return e;
    }

    private static String strip(String path) {
      String p = path;
      while (p.startsWith("/")) {
        p = p.substring(1);
      }
      while (p.endsWith("/")) {
        p = p.substring(0, p.length() - 1);
      }
      if (p.isEmpty()) {
        throw new IllegalArgumentException("empty path in a layer entry: '" + path + "'");
      }
      return p;
    }
  }
}
