package dev.sluice.testkit;

import java.nio.charset.StandardCharsets;

/**
 * The hash slot of a key, as Redis Cluster computes it.
 *
 * <p>Design: CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the key's UTF-8 bytes, or of its
 * hash tag (the part between the first <code>{</code> and the next <code>}</code>, if non-empty),
 * modulo 16384; the reference is the Redis Cluster specification ("Keys distribution model").
 */
final class SlotHash {

  /** Number of hash slots in Redis Cluster. */
  static final int SLOTS = 16384;

  private SlotHash() {}

  /** The slot of {@code key}, in 0..16383. */
  static int slot(String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    int start = 0;
    int end = bytes.length;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '{') {
        for (int j = i + 1; j < bytes.length; j++) {
          if (bytes[j] == '}') {
            if (j > i + 1) {
              start = i + 1;
              end = j;
            }
            break;
          }
        }
        break;
      }
    }
    return crc16(bytes, start, end) & (SLOTS - 1);
  }

  private static int crc16(byte[] bytes, int start, int end) {
    int crc = 0;
    for (int i = start; i < end; i++) {
      crc ^= (bytes[i] & 0xff) << 8;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      crc &= 0xffff;
    }
    return crc;
  }
}
