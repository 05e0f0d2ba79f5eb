package dev.sluice.servlet;

import dev.sluice.http.DecisionResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes Sluice's answers onto servlet responses: the filter's, and those of other servlet-based
 * integrations (such as an annotation on a Spring MVC controller) so that every denial looks the
 * same.
 */
public final class ServletResponses {

  private ServletResponses() {}

  /**
   * Adds a decision's headers to a response the application is about to write.
   *
   * @param response the response
   * @param answer the decision's answer
   */
  public static void addHeaders(HttpServletResponse response, DecisionResponse answer) {
    for (Map.Entry<String, String> header : answer.headers().entrySet()) {
      response.setHeader(header.getKey(), header.getValue());
    }
  }

  /**
   * Answers a denial in place of the application: 429, the headers and the JSON body.
   *
   * @param response the response, not yet committed
   * @param answer the denial's answer
   * @throws IOException if the body cannot be written
   */
  public static void deny(HttpServletResponse response, DecisionResponse answer)
      throws IOException {
    response.resetBuffer();
    response.setStatus(answer.status());
    addHeaders(response, answer);
    write(response, answer.bodyBytes());
  }

  /**
   * Answers an error in place of the application.
   *
   * @param response the response, not yet committed
   * @param status the status
   * @param json the JSON body
   * @throws IOException if the body cannot be written
   */
  public static void error(HttpServletResponse response, int status, String json)
      throws IOException {
    response.resetBuffer();
    response.setStatus(status);
    response.setHeader("Cache-Control", DecisionResponse.NO_STORE);
    write(response, json.getBytes(StandardCharsets.UTF_8));
  }

  private static void write(HttpServletResponse response, byte[] body) throws IOException {
    response.setContentType(DecisionResponse.CONTENT_TYPE);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    response.flushBuffer();
  }
}
