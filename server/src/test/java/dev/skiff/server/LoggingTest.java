package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** --log-level: a level for every logger, then logger=level pairs for single loggers. */
class LoggingTest {
  @AfterEach
  void back() {
    Logging.configure("info");
  }

  @Test
  void aLoggerNamedAfterTheLevelGetsItsOwnLevelAndTheRestKeepTheRoots() {
    Logging.configure("info,skiff.coldstart=debug");

    assertTrue(System.getLogger("skiff.coldstart").isLoggable(System.Logger.Level.DEBUG));
    assertFalse(System.getLogger("dev.skiff.gateway").isLoggable(System.Logger.Level.DEBUG));
    assertEquals(Level.INFO, Logger.getLogger("").getLevel());
  }

  @Test
  void aLaterSpecWithoutThePairTakesTheLoggerBackToTheRootsLevel() {
    Logging.configure("info,skiff.coldstart=debug");

    Logging.configure("warn");

    assertFalse(System.getLogger("skiff.coldstart").isLoggable(System.Logger.Level.INFO));
  }

  @Test
  void refusesAPairWithoutALevelOrAnUnknownLevelNamingWhatToWrite() {
    IllegalArgumentException noLevel =
        assertThrows(IllegalArgumentException.class, () -> Logging.configure("info,skiff="));
    assertTrue(noLevel.getMessage().contains("is not logger=level"), noLevel.getMessage());
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class, () -> Logging.configure("info,skiff.coldstart=loud"));
    assertTrue(
        unknown.getMessage().contains("'loud'")
            && unknown.getMessage().contains("error, warn, info, debug, trace"),
        unknown.getMessage());
  }
}
