package dev.skiff.wasm.internal;

/**
 * The {@code http_error} codes of deislabs' wasi_experimental_http ABI, in the ABI's order (the
 * witx enum, u32): a host call returns one of them.
 */
enum HttpError {
  SUCCESS,
  INVALID_HANDLE,
  MEMORY_NOT_FOUND,
  MEMORY_ACCESS_ERROR,
  BUFFER_TOO_SMALL,
  HEADER_NOT_FOUND,
  UTF8_ERROR,
  DESTINATION_NOT_ALLOWED,
  INVALID_METHOD,
  INVALID_ENCODING,
  INVALID_URL,
  REQUEST_ERROR,
  RUNTIME_ERROR,
  TOO_MANY_SESSIONS;

  /** The code the guest sees. */
  long code() {
    return ordinal();
  }
}
