package dev.sluice.server;

import dev.sluice.Durations;
import dev.sluice.ValidationException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A line-aware reader of YAML values for the configuration loaders: works on SnakeYAML's node tree
 * rather than on constructed Java objects so that every value keeps its line, and fails with {@code
 * file:line: path must rule: actual}. Unknown and duplicate keys are errors. Knows nothing of
 * Sluice's schema.
 */
final class YamlReader {

  private final String source;

  YamlReader(String source) {
    this.source = source;
  }

  /**
   * Reads a configuration file as UTF-8 text.
   *
   * @throws IllegalArgumentException if it cannot be read, is too large or is not UTF-8
   */
  static String read(Path file) {
    try {
      if (Files.size(file) > ConfigLoader.MAX_FILE_BYTES) {
        throw new IllegalArgumentException(
            file
                + ": the configuration file must be at most "
                + ConfigLoader.MAX_FILE_BYTES
                + " bytes");
      }
      return StandardCharsets.UTF_8
          .newDecoder()
          .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(file + ": the configuration file must be UTF-8 text");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          file + ": cannot read the configuration file: " + describe(e));
    }
  }

  /**
   * The node tree of a YAML text: every value keeps its line; recursive keys and alias bombs are
   * refused.
   *
   * @return the root, or {@code null} for an empty text
   * @throws IllegalArgumentException if the text is not YAML
   */
  Node compose(String text) {
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowRecursiveKeys(false);
      options.setMaxAliasesForCollections(20);
      return new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
      throw new IllegalArgumentException(
          source + (mark == null ? "" : ":" + (mark.getLine() + 1)) + ": invalid YAML: " + problem);
    } catch (YAMLException e) {
      throw new IllegalArgumentException(source + ": invalid YAML: " + e.getMessage());
    }
  }

  /** A share in (0, 1]: a fraction such as {@code 1/3} or a decimal such as {@code 0.5}. */
  double share(Node node, String path, String text) {
    double share = Double.NaN;
    try {
      int slash = text.indexOf('/');
      share =
          slash < 0
              ? Double.parseDouble(text)
              : Double.parseDouble(text.substring(0, slash).trim())
                  / Double.parseDouble(text.substring(slash + 1).trim());
    } catch (NumberFormatException e) {
      // reported below
    }
    if (!(share > 0 && share <= 1)) {
      throw error(
          node, path + " must be more than 0 and at most 1, such as 1/3 or 0.5: '" + text + "'");
    }
    return share;
  }

  Duration duration(Node node, String path, Duration min, Duration max) {
    String value = text(node, path, "a duration such as 500ms");
    Duration duration = check(node, () -> Durations.parse(path, value));
    if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
      throw error(
          node,
          path
              + " must be between "
              + Durations.format(min)
              + " and "
              + Durations.format(max)
              + ": "
              + value);
    }
    return duration;
  }

  boolean bool(Node node, String path) {
    String value = text(node, path, "true or false");
    if (!value.equals("true") && !value.equals("false")) {
      throw error(node, path + " must be true or false: '" + value + "'");
    }
    return value.equals("true");
  }

  <E extends Enum<E>> E option(Node node, String path, Class<E> type) {
    String value = text(node, path, "one of its values");
    return check(node, () -> StoreConfig.parseEnum(path, value, type));
  }

  /**
   * The entries of a mapping by key, refusing duplicate keys, non-scalar keys and, if {@code
   * allowed} is given, keys outside it.
   */
  Map<String, NodeTuple> fields(Node node, String path, List<String> allowed, String hint) {
    if (!(node instanceof MappingNode mapping)) {
      throw error(
          node,
          path
              + " must be a mapping"
              + (allowed == null ? "" : " of " + String.join(", ", allowed))
              + ": found "
              + kind(node));
    }
    Map<String, NodeTuple> fields = new LinkedHashMap<>();
    String prefix = path.equals("the configuration") ? "" : path + ".";
    for (NodeTuple tuple : mapping.getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode scalar) || isNull(keyNode)) {
        throw error(keyNode, path + " keys must be plain text: found " + kind(keyNode));
      }
      String key = scalar.getValue();
      if (allowed != null && !allowed.contains(key)) {
        throw error(
            keyNode,
            "unknown key "
                + prefix
                + key
                + ": allowed keys are "
                + String.join(", ", allowed)
                + hint);
      }
      if (fields.putIfAbsent(key, tuple) != null) {
        throw error(keyNode, "duplicate key " + prefix + key + ": each key may appear once");
      }
    }
    return fields;
  }

  /** A scalar's text. */
  String text(Node node, String path, String expected) {
    if (!(node instanceof ScalarNode scalar) || isNull(node)) {
      throw error(node, path + " must be " + expected + ": found " + kind(node));
    }
    return scalar.getValue();
  }

  /** A whole number written in decimal. */
  long integer(Node node, String path) {
    String text = text(node, path, "a whole number");
    if (!text.matches("[+-]?[0-9]+")) {
      throw error(node, path + " must be a whole number: '" + text + "'");
    }
    if (text.length() > 18) {
      throw error(node, path + " must be a whole number of at most 18 digits: '" + text + "'");
    }
    return Long.parseLong(text);
  }

  /**
   * Runs a core validation, naming {@code path} (the YAML key) where the core names {@code param}:
   * the parameter of the {@link ValidationException}, never a word of its message.
   */
  <T> T check(Node node, Check<T> check, String param, String path) {
    try {
      return check.get();
    } catch (ValidationException e) {
      throw error(node, e.renamed(param, path).getMessage());
    } catch (IllegalArgumentException e) {
      throw error(node, e.getMessage());
    }
  }

  /** Runs a validation whose message already names the YAML path; adds the file and line. */
  <T> T check(Node node, Check<T> check) {
    try {
      return check.get();
    } catch (IllegalArgumentException e) {
      throw error(node, e.getMessage());
    }
  }

  IllegalArgumentException error(Node node, String message) {
    return new IllegalArgumentException(
        source + ":" + (node.getStartMark().getLine() + 1) + ": " + message);
  }

  static String key(NodeTuple entry) {
    return ((ScalarNode) entry.getKeyNode()).getValue();
  }

  static boolean isNull(Node node) {
    return node.getTag().equals(Tag.NULL);
  }

  static String kind(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    return isNull(node) ? "nothing" : "'" + ((ScalarNode) node).getValue() + "'";
  }

  private static String describe(IOException e) {
    return e instanceof NoSuchFileException ? "no such file" : e.toString();
  }

  /** A validation that may throw {@link IllegalArgumentException}. */
  @FunctionalInterface
  interface Check<T> {
    T get();
  }
}
