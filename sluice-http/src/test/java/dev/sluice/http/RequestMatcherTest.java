package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequestMatcherTest {

  private static RequestMatcher paths(String... patterns) {
    return RequestMatcher.of("rules[0]", List.of(patterns), List.of());
  }

  @Test
  void doubleStarMatchesAnyNumberOfSegments() {
    RequestMatcher api = paths("/api/**");
    assertThat(api.matches("GET", "/api")).isTrue();
    assertThat(api.matches("GET", "/api/")).isTrue();
    assertThat(api.matches("GET", "/api/a/b/c")).isTrue();
    assertThat(api.matches("GET", "/apix")).isFalse();
    assertThat(api.matches("GET", "/other/api/x")).isFalse();
    assertThat(paths("/**/secret").matches("GET", "/a/b/secret")).isTrue();
    assertThat(paths("/**").matches("GET", "/")).isTrue();
  }

  @Test
  void starQuestionMarkAndVariablesStayInOneSegment() {
    assertThat(paths("/files/*.txt").matches("GET", "/files/a.txt")).isTrue();
    assertThat(paths("/files/*.txt").matches("GET", "/files/a/b.txt")).isFalse();
    assertThat(paths("/v?/x").matches("GET", "/v1/x")).isTrue();
    assertThat(paths("/v?/x").matches("GET", "/v10/x")).isFalse();
    assertThat(paths("/users/{id}/orders").matches("GET", "/users/42/orders")).isTrue();
    assertThat(paths("/users/{id}/orders").matches("GET", "/users/orders")).isFalse();
  }

  @Test
  void emptySegmentsCannotSlipPastARule() {
    RequestMatcher login = paths("/api/login");
    assertThat(login.matches("POST", "//api//login/")).isTrue();
    assertThat(login.matches("POST", "/api/Login")).as("case sensitive").isFalse();
  }

  @Test
  void methodsRestrictWhenGiven() {
    RequestMatcher posts = RequestMatcher.of("r", List.of("/a", "/b/**"), List.of("post", "PUT"));
    assertThat(posts.matches("POST", "/a")).isTrue();
    assertThat(posts.matches("put", "/b/c")).isTrue();
    assertThat(posts.matches("GET", "/a")).isFalse();
    assertThat(posts.methods()).containsExactly("POST", "PUT");
    assertThat(posts).hasToString("POST,PUT /a /b/**");
  }

  @Test
  void manyWildcardsStayFast() {
    RequestMatcher many = paths("/**/**/**/**/**/**/x");
    String path = "/a".repeat(2_000);
    long start = System.nanoTime();
    assertThat(many.matches("GET", path)).isFalse();
    assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
  }

  @Test
  void badPatternsAndMethodsAreRefusedByName() {
    assertThatThrownBy(() -> RequestMatcher.of("rules[2]", List.of(), List.of()))
        .hasMessage("rules[2].path must be set: one or more path patterns such as /api/**");
    assertThatThrownBy(() -> paths("api/**"))
        .hasMessage(
            "rules[0].path must start with / and have no spaces, such as /api/**: 'api/**'");
    assertThatThrownBy(() -> RequestMatcher.of("r", List.of("/a"), List.of("GE T")))
        .hasMessage("r.methods must be HTTP methods such as GET or POST: 'GE T'");
  }
}
