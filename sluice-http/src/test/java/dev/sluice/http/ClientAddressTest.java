package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressTest {

  private static final List<String> NONE = List.of();

  @Test
  void withNoTrustedProxyTheHeadersAreIgnored() {
    assertThat(ClientAddress.resolve("10.0.0.9", List.of("for=1.2.3.4"), List.of("5.6.7.8"), 0))
        .isEqualTo("10.0.0.9");
  }

  @Test
  void oneTrustedProxyTakesTheRightmostEntry() {
    List<String> spoofed = List.of("6.6.6.6, 203.0.113.7");
    assertThat(ClientAddress.resolve("10.0.0.1", NONE, spoofed, 1))
        .as("the client wrote 6.6.6.6 itself; the proxy appended what it saw")
        .isEqualTo("203.0.113.7");
  }

  @Test
  void twoTrustedProxiesSkipTheNearerProxysEntry() {
    assertThat(
            ClientAddress.resolve("10.0.0.2", NONE, List.of("6.6.6.6, 203.0.113.7, 10.0.0.1"), 2))
        .isEqualTo("203.0.113.7");
    assertThat(
            ClientAddress.resolve(
                "10.0.0.2", NONE, List.of("6.6.6.6", "203.0.113.7", "10.0.0.1"), 2))
        .as("several header lines are one list")
        .isEqualTo("203.0.113.7");
  }

  @Test
  void aShortChainYieldsItsLeftmostEntry() {
    assertThat(ClientAddress.resolve("10.0.0.1", NONE, List.of("203.0.113.7"), 3))
        .isEqualTo("203.0.113.7");
    assertThat(ClientAddress.resolve("10.0.0.1", NONE, NONE, 2))
        .as("no header at all: the peer")
        .isEqualTo("10.0.0.1");
  }

  @Test
  void forwardedWinsAndIsParsedPerRfc7239() {
    List<String> forwarded =
        List.of("for=6.6.6.6;proto=http, for=\"[2001:db8:cafe::17]:4711\";by=10.0.0.1");
    assertThat(ClientAddress.resolve("10.0.0.1", forwarded, List.of("9.9.9.9"), 1))
        .isEqualTo("2001:db8:cafe::17");
    assertThat(ClientAddress.resolve("10.0.0.1", List.of("For=192.0.2.60:8080"), NONE, 1))
        .isEqualTo("192.0.2.60");
    assertThat(
            ClientAddress.resolve(
                "10.0.0.1", List.of("for=\"a,b;c\";proto=https", "for=198.51.100.1"), NONE, 2))
        .as("separators inside quotes do not split")
        .isEqualTo("a,b;c");
  }

  @Test
  void entriesWithoutAnAddressResolveToNull() {
    assertThat(ClientAddress.resolve("10.0.0.1", List.of("for=unknown"), NONE, 1)).isNull();
    assertThat(ClientAddress.resolve("10.0.0.1", List.of("proto=https;by=x"), NONE, 1)).isNull();
    assertThat(ClientAddress.resolve("10.0.0.1", NONE, List.of("1.1.1.1, "), 1)).isNull();
  }

  @Test
  void plainIpv6AndPortsAreNormalized() {
    assertThat(ClientAddress.resolve("0:0:0:0:0:0:0:1", NONE, NONE, 0))
        .isEqualTo("0:0:0:0:0:0:0:1");
    assertThat(ClientAddress.resolve("p", NONE, List.of("2001:db8::1"), 1))
        .isEqualTo("2001:db8::1");
    assertThat(ClientAddress.resolve("p", NONE, List.of("192.0.2.1:5555"), 1))
        .isEqualTo("192.0.2.1");
    assertThat(ClientAddress.resolve("p", NONE, List.of("[2001:db8::1]"), 1))
        .isEqualTo("2001:db8::1");
  }

  @Test
  void trustedProxiesAreChecked() {
    assertThat(ClientAddress.checkTrustedProxies("trusted-proxies", 32)).isEqualTo(32);
    assertThatThrownBy(() -> ClientAddress.checkTrustedProxies("sluice.http.trusted-proxies", -1))
        .hasMessage("sluice.http.trusted-proxies must be between 0 and 32: -1");
    assertThatThrownBy(() -> ClientAddress.checkTrustedProxies("trusted-proxies", 33))
        .hasMessage("trusted-proxies must be between 0 and 32: 33");
  }
}
