package dev.skiff.eventing;

/** The root of the eventing module's failures. */
public class EventingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EventingException(String message) {
    super(message);
  }

  public EventingException(String message, Throwable cause) {
    super(message, cause);
  }
}
