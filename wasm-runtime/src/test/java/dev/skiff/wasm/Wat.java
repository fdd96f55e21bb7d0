package dev.skiff.wasm;

import com.dylibso.chicory.wabt.Wat2Wasm;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * WAT test modules, assembled at test time by Chicory's wabt. Shared with other modules' tests
 * through this module's test-jar.
 */
public final class Wat {
  private static final Map<String, byte[]> ASSEMBLED = new ConcurrentHashMap<>();
  public static final String WASI = "wasi_snapshot_preview1";

  private Wat() {}

  public static byte[] assemble(String wat) {
    return ASSEMBLED.computeIfAbsent(wat, Wat2Wasm::parse).clone();
  }

  /** A WAT string literal holding exactly these bytes. */
  public static String literal(byte[] bytes) {
    var out = new StringBuilder("\"");
    for (byte b : bytes) {
      out.append(String.format("\\%02x", b & 0xff));
    }
    return out.append('"').toString();
  }

  public static String literal(String text) {
    return literal(text.getBytes(StandardCharsets.UTF_8));
  }

  private static final String WRITE =
      "(import \""
          + WASI
          + "\" \"fd_write\" (func $fd_write (param i32 i32 i32 i32) (result i32)))\n";

  /** Writes len bytes at ptr to stdout (iovec at 0, nwritten at 8). */
  private static final String WRITE_FN =
      """
      (func $write (param $ptr i32) (param $len i32)
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
      """;

  /** A function that writes exactly {@code stdout} and returns. */
  public static byte[] printing(String stdout) {
    return printingTo(1, stdout);
  }

  /** A function that writes exactly {@code text} to file descriptor {@code fd} and returns. */
  public static byte[] printingTo(int fd, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return assemble(
        "(module\n"
            + WRITE
            + "(memory (export \"memory\") 2)\n"
            + "(data (i32.const 1024) "
            + literal(bytes)
            + ")\n"
            + WRITE_FN.replace(
                "(call $fd_write (i32.const 1)", "(call $fd_write (i32.const " + fd + ")")
            + "(func (export \"_start\") (call $write (i32.const 1024) (i32.const "
            + bytes.length
            + "))))");
  }

  /**
   * Prints a text/plain response whose body is argv (NUL-terminated strings), a 0x01 byte, then the
   * environment (NUL-terminated KEY=VALUE strings).
   */
  public static byte[] envDump() {
    String header = "Content-Type: text/plain\n\n";
    return assemble(
        "(module\n"
            + WRITE
            + "(import \""
            + WASI
            + "\" \"args_sizes_get\" (func $args_sizes_get (param i32 i32) (result i32)))\n"
            + "(import \""
            + WASI
            + "\" \"args_get\" (func $args_get (param i32 i32) (result i32)))\n"
            + "(import \""
            + WASI
            + "\" \"environ_sizes_get\" (func $environ_sizes_get (param i32 i32) (result i32)))\n"
            + "(import \""
            + WASI
            + "\" \"environ_get\" (func $environ_get (param i32 i32) (result i32)))\n"
            + "(memory (export \"memory\") 4)\n"
            + "(data (i32.const 256) "
            + literal(header)
            + ")\n"
            + "(data (i32.const 300) \"\\01\")\n"
            + WRITE_FN
            + """
            (func (export "_start")
              (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
              (drop (call $args_get (i32.const 4096) (i32.const 8192)))
              (drop (call $environ_sizes_get (i32.const 24) (i32.const 28)))
              (drop (call $environ_get (i32.const 16384) (i32.const 65536)))
            """
            + "(call $write (i32.const 256) (i32.const "
            + header.length()
            + "))\n"
            + """
              (call $write (i32.const 8192) (i32.load (i32.const 20)))
              (call $write (i32.const 300) (i32.const 1))
              (call $write (i32.const 65536) (i32.load (i32.const 28)))))
            """);
  }

  /**
   * Copies stdin to stdout after a text/plain header, reading through three iovecs of 3, 0 and 5
   * bytes at a time; then closes descriptor 0, reads it once more and writes that read's errno as
   * one digit.
   */
  public static byte[] scatteredEchoThenClosedStdin() {
    String header = "Content-Type: text/plain\n\n";
    return assemble(
        "(module\n"
            + WRITE
            + "(import \""
            + WASI
            + "\" \"fd_read\" (func $fd_read (param i32 i32 i32 i32) (result i32)))\n"
            + "(import \""
            + WASI
            + "\" \"fd_close\" (func $fd_close (param i32) (result i32)))\n"
            + "(memory (export \"memory\") 1)\n"
            + "(data (i32.const 2048) "
            + literal(header)
            + ")\n"
            + WRITE_FN
            + "(func (export \"_start\") (local $n i32)\n"
            + "  (call $write (i32.const 2048) (i32.const "
            + header.length()
            + "))\n"
            + """
              (block $done
                (loop $more
                  (i32.store (i32.const 32) (i32.const 1000))
                  (i32.store (i32.const 36) (i32.const 3))
                  (i32.store (i32.const 40) (i32.const 1003))
                  (i32.store (i32.const 44) (i32.const 0))
                  (i32.store (i32.const 48) (i32.const 1003))
                  (i32.store (i32.const 52) (i32.const 5))
                  (br_if $done (call $fd_read (i32.const 0) (i32.const 32) (i32.const 3) (i32.const 80)))
                  (local.set $n (i32.load (i32.const 80)))
                  (br_if $done (i32.eqz (local.get $n)))
                  (call $write (i32.const 1000) (local.get $n))
                  (br $more)))
              (drop (call $fd_close (i32.const 0)))
              (i32.store (i32.const 36) (i32.const 8))
              (i32.store8 (i32.const 1500)
                (i32.add (i32.const 48)
                  (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 80))))
              (call $write (i32.const 1500) (i32.const 1))))
            """);
  }

  /** Copies stdin to stdout after these CGI header lines (each ending in \n) and a blank line. */
  public static byte[] echo(String headerLines) {
    String header = headerLines + "\n";
    return assemble(
        "(module\n"
            + WRITE
            + "(import \""
            + WASI
            + "\" \"fd_read\" (func $fd_read (param i32 i32 i32 i32) (result i32)))\n"
            + "(memory (export \"memory\") 2)\n"
            + "(data (i32.const 1024) "
            + literal(header)
            + ")\n"
            + WRITE_FN
            + "(func (export \"_start\") (local $n i32)\n"
            + "  (call $write (i32.const 1024) (i32.const "
            + header.length()
            + "))\n"
            + """
              (block $done
                (loop $more
                  (i32.store (i32.const 32) (i32.const 65536))
                  (i32.store (i32.const 36) (i32.const 65536))
                  (br_if $done (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
                  (local.set $n (i32.load (i32.const 40)))
                  (br_if $done (i32.eqz (local.get $n)))
                  (call $write (i32.const 65536) (local.get $n))
                  (br $more)))))
            """);
  }

  public static byte[] infiniteLoop() {
    return assemble(
        "(module (memory (export \"memory\") 1) (func (export \"_start\") (loop $l (br $l))))");
  }

  /**
   * Sleeps {@code millis} in WASI (poll_oneoff with one relative monotonic clock subscription),
   * then prints a text/plain response saying {@code slept}.
   */
  public static byte[] sleeping(long millis) {
    String response = "Content-Type: text/plain\n\nslept";
    return assemble(
        "(module\n"
            + WRITE
            + "(import \""
            + WASI
            + "\" \"poll_oneoff\" (func $poll (param i32 i32 i32 i32) (result i32)))\n"
            + "(memory (export \"memory\") 1)\n"
            + "(data (i32.const 1024) "
            + literal(response)
            + ")\n"
            + WRITE_FN
            + "(func (export \"_start\")\n"
            // subscription at 256: userdata 0, tag 0 (clock), clock id 1 (monotonic) at +16,
            // timeout at +24, precision at +32, flags 0 (relative) at +40; event out at 512
            + "  (i32.store (i32.const 272) (i32.const 1))\n"
            + "  (i64.store (i32.const 280) (i64.const "
            + millis * 1_000_000L
            + "))\n"
            + "  (drop (call $poll (i32.const 256) (i32.const 512) (i32.const 1) (i32.const 600)))\n"
            + "  (call $write (i32.const 1024) (i32.const "
            + response.length()
            + "))))");
  }

  public static byte[] unreachable() {
    return assemble(
        "(module (memory (export \"memory\") 1) (func (export \"_start\") unreachable))");
  }

  public static byte[] infiniteRecursion() {
    return assemble(
        "(module (memory (export \"memory\") 1) (func $f (export \"_start\") (call $f)))");
  }

  public static byte[] exit(int code) {
    return assemble(
        "(module (import \""
            + WASI
            + "\" \"proc_exit\" (func $exit (param i32)))"
            + " (memory (export \"memory\") 1)"
            + " (func (export \"_start\") (call $exit (i32.const "
            + code
            + "))))");
  }

  /** Grows memory by {@code step} pages until memory.grow fails, then traps. */
  public static byte[] memoryBomb(int step) {
    return assemble(
        "(module (memory (export \"memory\") 1) (func (export \"_start\")"
            + " (loop $grow (br_if $grow (i32.ne (memory.grow (i32.const "
            + step
            + ")) (i32.const -1)))) unreachable))");
  }

  /** Grows memory one page at a time until it fails, then answers with memory.size in pages. */
  public static byte[] memorySizeAfterGrowing() {
    String header = "Content-Type: text/plain\n\n";
    return assemble(
        "(module\n"
            + WRITE
            + "(memory (export \"memory\") 1)\n"
            + "(data (i32.const 256) "
            + literal(header)
            + ")\n"
            + WRITE_FN
            + "(func (export \"_start\")\n"
            + "  (loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))\n"
            + "  (call $write (i32.const 256) (i32.const "
            + header.length()
            + "))\n"
            + DIGITS.replace("$VALUE", "(memory.size)")
            + "))");
  }

  /**
   * Increments a mutable global, a memory cell and grows a table by one, then answers the three
   * values as four-digit numbers: "000100010002" when every request starts from a fresh instance.
   */
  public static byte[] statefulCounter() {
    String header = "Content-Type: text/plain\n\n";
    return assemble(
        "(module\n"
            + WRITE
            + "(memory (export \"memory\") 1)\n"
            + "(global $count (mut i32) (i32.const 0))\n"
            + "(table $t 1 funcref)\n"
            + "(data (i32.const 256) "
            + literal(header)
            + ")\n"
            + WRITE_FN
            + "(func (export \"_start\")\n"
            + "  (global.set $count (i32.add (global.get $count) (i32.const 1)))\n"
            + "  (i32.store (i32.const 300) (i32.add (i32.load (i32.const 300)) (i32.const 1)))\n"
            + "  (drop (table.grow $t (ref.null func) (i32.const 1)))\n"
            + "  (call $write (i32.const 256) (i32.const "
            + header.length()
            + "))\n"
            + DIGITS.replace("$VALUE", "(global.get $count)")
            + DIGITS.replace("$VALUE", "(i32.load (i32.const 300))")
            + DIGITS.replace("$VALUE", "(table.size $t)")
            + "))");
  }

  /**
   * Answers what it finds before touching anything, as four-digit numbers: memory.size in pages,
   * the global, the i32 at 300 (a secret slot), the i32 at 70000 (in the second page), the data
   * segment's first byte at 256 (48, '0', when intact), and the table size. It then leaves a secret
   * in all of them: 4242 in the global and both slots, 'X' over the data segment, a grown table,
   * and, when the request body starts with 'g', one more page of memory with 4242 in it. "0002"
   * "0000" "0000" "0000" "0048" "0001" is what a fresh instance sees.
   */
  public static byte[] secretKeeper() {
    String header = "Content-Type: text/plain\n\n";
    return assemble(
        "(module\n"
            + WRITE
            + "(import \""
            + WASI
            + "\" \"fd_read\" (func $fd_read (param i32 i32 i32 i32) (result i32)))\n"
            + "(memory (export \"memory\") 2)\n"
            + "(global $secret (mut i32) (i32.const 0))\n"
            + "(table $t 1 funcref)\n"
            + "(data (i32.const 256) "
            + literal("0" + header)
            + ")\n"
            + WRITE_FN
            + "(func (export \"_start\")\n"
            + "  (call $write (i32.const 257) (i32.const "
            + header.length()
            + "))\n"
            + DIGITS.replace("$VALUE", "(memory.size)")
            + DIGITS.replace("$VALUE", "(global.get $secret)")
            + DIGITS.replace("$VALUE", "(i32.load (i32.const 300))")
            + DIGITS.replace("$VALUE", "(i32.load (i32.const 70000))")
            + DIGITS.replace("$VALUE", "(i32.load8_u (i32.const 256))")
            + DIGITS.replace("$VALUE", "(table.size $t)")
            + """
              (global.set $secret (i32.const 4242))
              (i32.store (i32.const 300) (i32.const 4242))
              (i32.store (i32.const 70000) (i32.const 4242))
              (i32.store8 (i32.const 256) (i32.const 88))
              (drop (table.grow $t (ref.null func) (i32.const 1)))
              (i32.store (i32.const 32) (i32.const 1000))
              (i32.store (i32.const 36) (i32.const 1))
              (drop (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
              (if (i32.and (i32.eq (i32.load (i32.const 40)) (i32.const 1))
                           (i32.eq (i32.load8_u (i32.const 1000)) (i32.const 103)))
                (then
                  (drop (memory.grow (i32.const 1)))
                  (i32.store (i32.const 140000) (i32.const 4242)))))
              """
            + ")");
  }

  /** Writes $VALUE (0..9999) as four decimal digits at 200 and prints them. */
  private static final String DIGITS =
      """
        (i32.store8 (i32.const 200) (i32.add (i32.const 48) (i32.rem_u (i32.div_u $VALUE (i32.const 1000)) (i32.const 10))))
        (i32.store8 (i32.const 201) (i32.add (i32.const 48) (i32.rem_u (i32.div_u $VALUE (i32.const 100)) (i32.const 10))))
        (i32.store8 (i32.const 202) (i32.add (i32.const 48) (i32.rem_u (i32.div_u $VALUE (i32.const 10)) (i32.const 10))))
        (i32.store8 (i32.const 203) (i32.add (i32.const 48) (i32.rem_u $VALUE (i32.const 10))))
        (call $write (i32.const 200) (i32.const 4))
      """;

  /**
   * Opens {@code path} in preopened fd 3 with the given oflags and rights, answers the errno as
   * four digits and a newline, then on success the file's first KiB (read) or writes {@code
   * written} into it (write).
   */
  public static byte[] openFile(String path, int oflags, long rights, boolean write) {
    return openFile(path, 0, oflags, rights, write);
  }

  /**
   * Like {@link #openFile(String, int, long, boolean)} with WASI lookup flags: 1 follows a link in
   * the last component, as wasi-libc's {@code open} does without {@code O_NOFOLLOW}.
   */
  public static byte[] openFile(
      String path, int lookupFlags, int oflags, long rights, boolean write) {
    String header = "Content-Type: text/plain\n\n";
    byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
    String onSuccess =
        write
            ? """
              (i32.store (i32.const 32) (i32.const 600))
              (i32.store (i32.const 36) (i32.const 7))
              (drop (call $fd_write (i32.load (i32.const 100)) (i32.const 32) (i32.const 1) (i32.const 40)))
            """
            : """
              (i32.store (i32.const 32) (i32.const 2048))
              (i32.store (i32.const 36) (i32.const 1024))
              (drop (call $fd_read (i32.load (i32.const 100)) (i32.const 32) (i32.const 1) (i32.const 40)))
              (call $write (i32.const 2048) (i32.load (i32.const 40)))
            """;
    return assemble(
        "(module\n"
            + WRITE
            + "(import \""
            + WASI
            + "\" \"fd_read\" (func $fd_read (param i32 i32 i32 i32) (result i32)))\n"
            + "(import \""
            + WASI
            + "\" \"path_open\" (func $path_open"
            + " (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))\n"
            + "(memory (export \"memory\") 1)\n"
            + "(data (i32.const 256) "
            + literal(header)
            + ")\n"
            + "(data (i32.const 512) "
            + literal(pathBytes)
            + ")\n"
            + "(data (i32.const 600) \"written\")\n"
            + "(data (i32.const 204) \"\\0a\")\n"
            + WRITE_FN
            + "(func (export \"_start\") (local $errno i32)\n"
            + "  (local.set $errno (call $path_open (i32.const 3) (i32.const "
            + lookupFlags
            + ") (i32.const 512)"
            + " (i32.const "
            + pathBytes.length
            + ") (i32.const "
            + oflags
            + ") (i64.const "
            + rights
            + ") (i64.const 0) (i32.const 0) (i32.const 100)))\n"
            + "  (call $write (i32.const 256) (i32.const "
            + header.length()
            + "))\n"
            + DIGITS.replace("$VALUE", "(local.get $errno)")
            + "  (call $write (i32.const 204) (i32.const 1))\n"
            + "  (if (i32.eqz (local.get $errno)) (then\n"
            + onSuccess
            + "))))");
  }

  /**
   * Creates the symbolic link {@code link} (in the preopened directory, fd 3) pointing to {@code
   * target} with path_symlink, and prints the errno as four digits.
   */
  public static byte[] symlink(String target, String link) {
    String header = "Content-Type: text/plain\n\n";
    byte[] targetBytes = target.getBytes(StandardCharsets.UTF_8);
    byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
    return assemble(
        "(module\n"
            + WRITE
            + "(import \""
            + WASI
            + "\" \"path_symlink\" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))\n"
            + "(memory (export \"memory\") 1)\n"
            + "(data (i32.const 256) "
            + literal(header)
            + ")\n"
            + "(data (i32.const 512) "
            + literal(targetBytes)
            + ")\n"
            + "(data (i32.const 768) "
            + literal(linkBytes)
            + ")\n"
            + "(data (i32.const 204) \"\\0a\")\n"
            + WRITE_FN
            + "(func (export \"_start\") (local $errno i32)\n"
            + "  (local.set $errno (call $path_symlink (i32.const 512) (i32.const "
            + targetBytes.length
            + ") (i32.const 3) (i32.const 768) (i32.const "
            + linkBytes.length
            + ")))\n"
            + "  (call $write (i32.const 256) (i32.const "
            + header.length()
            + "))\n"
            + DIGITS.replace("$VALUE", "(local.get $errno)")
            + "  (call $write (i32.const 204) (i32.const 1))))");
  }

  /**
   * Opens directory {@code dir} in the preopened fd 3, then {@code file} relative to the new
   * directory descriptor (following a last link), and prints the second open's errno as four digits
   * and a newline, then on success the file's first KiB.
   */
  public static byte[] openInSubdirectory(String dir, String file) {
    String header = "Content-Type: text/plain\n\n";
    byte[] dirBytes = dir.getBytes(StandardCharsets.UTF_8);
    byte[] fileBytes = file.getBytes(StandardCharsets.UTF_8);
    return assemble(
        "(module\n"
            + WRITE
            + "(import \""
            + WASI
            + "\" \"fd_read\" (func $fd_read (param i32 i32 i32 i32) (result i32)))\n"
            + "(import \""
            + WASI
            + "\" \"path_open\" (func $path_open"
            + " (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))\n"
            + "(memory (export \"memory\") 1)\n"
            + "(data (i32.const 256) "
            + literal(header)
            + ")\n"
            + "(data (i32.const 512) "
            + literal(dirBytes)
            + ")\n"
            + "(data (i32.const 768) "
            + literal(fileBytes)
            + ")\n"
            + "(data (i32.const 204) \"\\0a\")\n"
            + WRITE_FN
            + "(func (export \"_start\") (local $errno i32)\n"
            + "  (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 512) (i32.const "
            + dirBytes.length
            + ") (i32.const 2) (i64.const 2) (i64.const 2) (i32.const 0) (i32.const 100)))\n"
            + "  (local.set $errno (call $path_open (i32.load (i32.const 100)) (i32.const 1)"
            + " (i32.const 768) (i32.const "
            + fileBytes.length
            + ") (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 104)))\n"
            + "  (call $write (i32.const 256) (i32.const "
            + header.length()
            + "))\n"
            + DIGITS.replace("$VALUE", "(local.get $errno)")
            + "  (call $write (i32.const 204) (i32.const 1))\n"
            + "  (if (i32.eqz (local.get $errno)) (then\n"
            + "    (i32.store (i32.const 32) (i32.const 2048))\n"
            + "    (i32.store (i32.const 36) (i32.const 1024))\n"
            + "    (drop (call $fd_read (i32.load (i32.const 104)) (i32.const 32) (i32.const 1)"
            + " (i32.const 40)))\n"
            + "    (call $write (i32.const 2048) (i32.load (i32.const 40)))))))");
  }

  /** Renames {@code from} to {@code to} in the preopened fd 3 and prints the errno. */
  public static byte[] rename(String from, String to) {
    String header = "Content-Type: text/plain\n\n";
    byte[] fromBytes = from.getBytes(StandardCharsets.UTF_8);
    byte[] toBytes = to.getBytes(StandardCharsets.UTF_8);
    return assemble(
        "(module\n"
            + WRITE
            + "(import \""
            + WASI
            + "\" \"path_rename\" (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))\n"
            + "(memory (export \"memory\") 1)\n"
            + "(data (i32.const 256) "
            + literal(header)
            + ")\n"
            + "(data (i32.const 512) "
            + literal(fromBytes)
            + ")\n"
            + "(data (i32.const 768) "
            + literal(toBytes)
            + ")\n"
            + "(data (i32.const 204) \"\\0a\")\n"
            + WRITE_FN
            + "(func (export \"_start\") (local $errno i32)\n"
            + "  (local.set $errno (call $path_rename (i32.const 3) (i32.const 512) (i32.const "
            + fromBytes.length
            + ") (i32.const 3) (i32.const 768) (i32.const "
            + toBytes.length
            + ")))\n"
            + "  (call $write (i32.const 256) (i32.const "
            + header.length()
            + "))\n"
            + DIGITS.replace("$VALUE", "(local.get $errno)")
            + "  (call $write (i32.const 204) (i32.const 1))))");
  }

  /**
   * A caller of the {@code wasi_experimental_http} module: {@code repeat} times {@code req(url,
   * method, headers, body)}, then on the last handle {@code body_read}, {@code headers_get_all}
   * (into a buffer of {@code headersBufLen} bytes), {@code header_get("content-type")}, {@code
   * close} and {@code body_read} again. Its body (application/octet-stream) is the result area,
   * read with {@link OutboundResults}.
   */
  public static byte[] outboundCaller(
      String url, String method, String headers, byte[] body, int repeat, int headersBufLen) {
    String header = "Content-Type: application/octet-stream\n\n";
    String http = "\"wasi_experimental_http\"";
    return assemble(
        "(module\n"
            + WRITE
            + "(import "
            + http
            + " \"req\" (func $req (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result"
            + " i32)))\n"
            + "(import "
            + http
            + " \"close\" (func $close (param i32) (result i32)))\n"
            + "(import "
            + http
            + " \"header_get\" (func $header_get (param i32 i32 i32 i32 i32 i32) (result i32)))\n"
            + "(import "
            + http
            + " \"headers_get_all\" (func $headers_get_all (param i32 i32 i32 i32) (result"
            + " i32)))\n"
            + "(import "
            + http
            + " \"body_read\" (func $body_read (param i32 i32 i32 i32) (result i32)))\n"
            + "(memory (export \"memory\") 2)\n"
            + data(256, header)
            + data(1024, url)
            + data(9000, method)
            + data(9100, headers)
            + "(data (i32.const 12000) "
            + literal(body)
            + ")\n"
            + data(9050, "content-type")
            + WRITE_FN
            + "(func (export \"_start\") (local $i i32)\n"
            + "(local.set $i (i32.const "
            + repeat
            + "))\n"
            + "(block $done (loop $again\n"
            + "(i32.store (i32.const 4096) (call $req"
            + args(1024, utf8(url).length, 9000, utf8(method).length)
            + args(9100, utf8(headers).length, 12000, body.length)
            + " (i32.const 4100) (i32.const 4104)))\n"
            + "(local.set $i (i32.sub (local.get $i) (i32.const 1)))\n"
            + "(br_if $again (i32.gt_s (local.get $i) (i32.const 0)))))\n"
            + "(i32.store (i32.const 4108) (call $body_read (i32.load (i32.const 4104))"
            + " (i32.const 5000) (i32.const 1000) (i32.const 4112)))\n"
            + "(i32.store (i32.const 4116) (call $headers_get_all (i32.load (i32.const 4104))"
            + " (i32.const 6000) (i32.const "
            + headersBufLen
            + ") (i32.const 4120)))\n"
            + "(i32.store (i32.const 4124) (call $header_get (i32.load (i32.const 4104))"
            + " (i32.const 9050) (i32.const 12) (i32.const 7000) (i32.const 100) (i32.const"
            + " 4128)))\n"
            + "(i32.store (i32.const 4132) (call $close (i32.load (i32.const 4104))))\n"
            + "(i32.store (i32.const 4136) (call $body_read (i32.load (i32.const 4104))"
            + " (i32.const 5000) (i32.const 1000) (i32.const 4140)))\n"
            + "(call $write (i32.const 256) (i32.const "
            + utf8(header).length
            + "))\n"
            + "(call $write (i32.const 4096) (i32.const 3100))))");
  }

  private static String data(int at, String text) {
    return "(data (i32.const " + at + ") " + literal(text) + ")\n";
  }

  private static String args(int ptr1, int len1, int ptr2, int len2) {
    return " (i32.const "
        + ptr1
        + ") (i32.const "
        + len1
        + ") (i32.const "
        + ptr2
        + ") (i32.const "
        + len2
        + ")";
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
