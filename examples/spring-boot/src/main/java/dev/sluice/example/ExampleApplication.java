package dev.sluice.example;

import dev.sluice.spring.RateLimited;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring MVC application limited by Sluice: the rules of {@code application.yml} limit {@code
 * /api/**} per {@code X-Api-Key}, and {@code @RateLimited} limits one endpoint per tenant.
 */
@SpringBootApplication
@RestController
public class ExampleApplication {

  /**
   * Starts the application.
   *
   * @param args Spring Boot's arguments, such as {@code --server.port=8081}
   */
  public static void main(String[] args) {
    SpringApplication.run(ExampleApplication.class, args);
  }

  /**
   * Limited by the rule of {@code /api/**}.
   *
   * @return a greeting
   */
  @GetMapping("/api/hello")
  public String hello() {
    return "hello\n";
  }

  /**
   * Limited per tenant, 3 a minute, on top of the rule.
   *
   * @param tenant the tenant
   * @return what was started
   */
  @PostMapping("/api/reports/{tenant}")
  @RateLimited(policy = "reports", key = "#tenant")
  public String report(@PathVariable String tenant) {
    return "report started for " + tenant + "\n";
  }

  /**
   * Not limited: no rule matches.
   *
   * @return a greeting
   */
  @GetMapping("/public/hello")
  public String open() {
    return "hello, unlimited\n";
  }
}
