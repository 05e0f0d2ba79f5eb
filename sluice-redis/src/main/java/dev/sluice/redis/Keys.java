package dev.sluice.redis;

import dev.sluice.Limit;
import dev.sluice.Policy;
import java.nio.charset.StandardCharsets;

/**
 * The Redis key layout: {@code <prefix>{<policy>:<client key, encoded>}:<limit id>}.
 *
 * <p>The client key is percent-encoded byte by byte (UTF-8), leaving only {@code A-Z a-z 0-9 . _ -
 * ~ @} as they are, so the encoding is injective (two client keys never share a Redis key) and the
 * hash tag between the braces never holds a brace: every key of one decision lands in one cluster
 * slot. Policy names cannot contain {@code :}, so the policy and the key never blur. The limit id
 * spells out the limit's parameters ({@code tb:10:1/1000000} is a token bucket of 10 refilled 1 per
 * 1,000,000 microseconds), so a changed limit starts on fresh keys and an unchanged one keeps its
 * state across configuration reloads. A sliding log takes two keys: {@code :t} (times) and {@code
 * :c} (costs).
 */
final class Keys {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Keys() {}

  /**
   * The keys of every limit of {@code policy} for {@code key}, in the order the script takes them.
   */
  static String[] of(String prefix, Policy policy, String key) {
    String tag = prefix + "{" + policy.name() + ":" + encode(key) + "}:";
    String[] suffixes = suffixes(policy);
    String[] keys = new String[suffixes.length];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = tag + suffixes[i];
    }
    return keys;
  }

  /** The key suffixes of a policy's limits; a sliding log contributes two. */
  static String[] suffixes(Policy policy) {
    return policy.limits().stream()
        .flatMap(
            limit ->
                limit instanceof Limit.SlidingLog
                    ? java.util.stream.Stream.of(id(limit) + ":t", id(limit) + ":c")
                    : java.util.stream.Stream.of(id(limit)))
        .toArray(String[]::new);
  }

  static String id(Limit limit) {
    if (limit instanceof Limit.TokenBucket tb) {
      return "tb:"
          + tb.capacity()
          + ":"
          + tb.refill().tokens()
          + "/"
          + micros(tb.refill().period());
    } else if (limit instanceof Limit.LeakyBucket lb) {
      return "lb:" + lb.capacity() + ":" + lb.leak().tokens() + "/" + micros(lb.leak().period());
    } else if (limit instanceof Limit.FixedWindow fw) {
      return "fw:" + fw.limit() + ":" + micros(fw.window());
    } else if (limit instanceof Limit.SlidingWindow sw) {
      return "sw:" + sw.limit() + ":" + micros(sw.window());
    }
    Limit.SlidingLog sl = (Limit.SlidingLog) limit;
    return "sl:" + sl.limit() + ":" + micros(sl.window());
  }

  private static long micros(java.time.Duration duration) {
    return duration.toNanos() / 1_000;
  }

  /** Percent-encodes every UTF-8 byte outside {@code A-Z a-z 0-9 . _ - ~ @}. */
  static String encode(String key) {
    int length = key.length();
    boolean plain = true;
    for (int i = 0; i < length && plain; i++) {
      plain = isPlain(key.charAt(i));
    }
    if (plain) {
      return key;
    }
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length * 3);
    for (byte b : bytes) {
      char c = (char) (b & 0xFF);
      if (c < 0x80 && isPlain(c)) {
        out.append(c);
      } else {
        out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
      }
    }
    return out.toString();
  }

  private static boolean isPlain(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '_'
        || c == '-'
        || c == '~'
        || c == '@';
  }
}
