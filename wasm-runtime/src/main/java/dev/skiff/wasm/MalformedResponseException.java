package dev.skiff.wasm;

/**
 * The function's stdout is not a CGI response: no blank line between headers and body, an invalid
 * {@code Status}, or none of {@code Content-Type}, {@code Location}, {@code Status}. 502, because
 * the function is the upstream that spoke the protocol wrongly.
 */
public final class MalformedResponseException extends WasmException {
  private static final long serialVersionUID = 1L;

  public MalformedResponseException(String reason) {
    super(
        "function wrote a malformed CGI response: "
            + reason
            + "; print headers such as 'Content-Type: text/plain', then an empty line, then the"
            + " body");
  }
}
