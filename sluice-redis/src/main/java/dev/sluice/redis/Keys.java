package dev.sluice.redis;

import dev.sluice.Limit;
import dev.sluice.Policy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Redis key layout: {@code <prefix>{<policy>:<client key, encoded>}:<limit id>}, or for a
 * policy in a group {@code <prefix>{<group>}:<policy>:<client key, encoded>:<limit id>}.
 *
 * <p>The client key is percent-encoded byte by byte (UTF-8), leaving only {@code A-Z a-z 0-9 . _ -
 * ~ @} as they are, so the encoding is injective (two client keys never share a Redis key) and the
 * hash tag between the braces never holds a brace: every key of one decision lands in one cluster
 * slot. Policy names and limit ids cannot contain {@code :}, so the parts never blur. The limit id
 * is the limit's id in its policy ({@link Policy#ids()}: given in the configuration, else its
 * position), never its parameters: a changed limit finds its clients' usage under the same key, and
 * instances running two versions of a policy share one state. A sliding log takes two keys: {@code
 * <id>:t} (times) and {@code <id>:c} (costs), a concurrency limit one: {@code <id>:p} (permits).
 * What each key holds: {@link StateCodec}.
 *
 * <p>The keys of every policy of one group share the hash tag {@code {<group>}}, so that one script
 * or transaction can decide a batch across them (on Redis Cluster the whole group lives on one
 * node). A group's tag never holds {@code :} and an ungrouped tag always does, so the two layouts
 * never share a key.
 */
final class Keys {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Keys() {}

  /**
   * The keys of every limit of {@code policy} for {@code key}, in the order the script takes them.
   */
  static String[] of(String prefix, Policy policy, String key) {
    String group = policy.group();
    String tag =
        group == null
            ? prefix + "{" + policy.name() + ":" + encode(key) + "}:"
            : prefix + "{" + group + "}:" + policy.name() + ":" + encode(key) + ":";
    List<Limit> limits = policy.limits();
    List<String> ids = policy.ids();
    int count = limits.size();
    for (Limit limit : limits) {
      count += limit instanceof Limit.SlidingLog ? 1 : 0;
    }
    String[] keys = new String[count];
    int k = 0;
    for (int i = 0; i < limits.size(); i++) {
      if (limits.get(i) instanceof Limit.SlidingLog) {
        keys[k++] = tag + ids.get(i) + ":t";
        keys[k++] = tag + ids.get(i) + ":c";
      } else if (limits.get(i) instanceof Limit.Concurrency) {
        keys[k++] = tag + ids.get(i) + ":p";
      } else {
        keys[k++] = tag + ids.get(i);
      }
    }
    return keys;
  }

  /** The keys of the concurrency limits of {@code policy} for {@code key}: their permits. */
  static List<String> permits(String prefix, Policy policy, String key) {
    String[] keys = of(prefix, policy, key);
    List<String> permits = new ArrayList<>();
    int k = 0;
    for (Limit limit : policy.limits()) {
      if (limit instanceof Limit.Concurrency) {
        permits.add(keys[k]);
      }
      k += limit instanceof Limit.SlidingLog ? 2 : 1;
    }
    return permits;
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
