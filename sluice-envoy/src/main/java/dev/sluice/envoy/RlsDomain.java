package dev.sluice.envoy;

import java.util.List;

/**
 * One domain of the RLS configuration: its descriptors, and whether its requests are decided all or
 * nothing.
 *
 * @param name the domain, as requests name it
 * @param descriptors the top-level descriptors
 * @param atomic Sluice's extension {@code atomic: true}: every descriptor of a request is decided
 *     at once, nothing counted when one is over
 */
public record RlsDomain(String name, List<RlsNode> descriptors, boolean atomic) {

  /**
   * Copies the list.
   *
   * @param name the name
   * @param descriptors the descriptors
   * @param atomic whether atomic
   */
  public RlsDomain {
    descriptors = List.copyOf(descriptors);
  }
}
