package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The manifests in {@code deploy/kubernetes/} parse, and agree with the server and the image: the
 * probes' paths answer 200 on a server started from the ConfigMap's file, the ports are the
 * server's, the file lands where the image's entry point reads it, the grace period outlasts the
 * drain. No cluster runs here; this is what can be checked without one.
 */
class KubernetesManifestsIT {

  private static final Path MANIFESTS = Path.of("..", "deploy", "kubernetes");
  private static final Path CONTAINERFILE =
      Path.of("..", "packaging", "container", "Containerfile");

  private static List<Map<String, Object>> documents;

  @BeforeAll
  static void parseEveryDocument() throws IOException {
    documents = new ArrayList<>();
    try (Stream<Path> files = Files.list(MANIFESTS)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        for (Object document : yaml.loadAll(Files.readString(file))) {
          assertThat(document).as("a document of %s", file).isInstanceOf(Map.class);
          Map<String, Object> map = map(document);
          assertThat(map).as(file.toString()).containsKeys("apiVersion", "kind");
          documents.add(map);
        }
      }
    }
    assertThat(documents).extracting(d -> d.get("kind")).contains("Kustomization");
  }

  @Test
  void theKustomizationListsEveryManifest() throws IOException {
    List<String> listed = list(only("Kustomization").get("resources"));
    try (Stream<Path> files = Files.list(MANIFESTS)) {
      assertThat(listed)
          .containsExactlyInAnyOrderElementsOf(
              files
                  .map(f -> f.getFileName().toString())
                  .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml"))
                  .toList());
    }
  }

  @Test
  void probesAnswerOnAServerStartedFromTheConfigMap(@TempDir Path dir) throws Exception {
    Map<String, Object> container = container();
    String yaml = string(map(only("ConfigMap").get("data")).get("sluice.yaml"));
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, yaml);
    Files.writeString(
        dir.resolve("ratelimit.yaml"),
        string(map(only("ConfigMap").get("data")).get("ratelimit.yaml")));
    ServerConfig parsed = ConfigLoader.parse(file.toString(), yaml);
    assertThat(parsed.port())
        .as("the ConfigMap's port is the container's")
        .isEqualTo(containerPort(container, "http"));
    assertThat(parsed.rls().grpcPort())
        .as("the ConfigMap's gRPC port is the container's")
        .isEqualTo(containerPort(container, "grpc"));
    assertThat(parsed.rls().config()).as("the rate limit service is on").isNotNull();

    // The ConfigMap's store is a Redis this test does not have: the probes do not depend on it.
    SluiceServer server =
        SluiceServer.start(
            file,
            config ->
                config
                    .withStore(StoreConfig.MEMORY)
                    .withPort(0)
                    .withHost("127.0.0.1")
                    .withRls(config.rls().withGrpcPort(0)),
            Duration.ofSeconds(1));
    try {
      server.ready().get(30, TimeUnit.SECONDS);
      TestHttp http = new TestHttp(server.port());
      for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
        Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
        assertThat(get.get("port")).as(probe + " port").isEqualTo("http");
        String path = string(get.get("path"));
        assertThat(http.get(path).statusCode()).as(probe + " " + path).isEqualTo(200);
      }
      assertThat(string(map(map(container.get("readinessProbe")).get("httpGet")).get("path")))
          .isEqualTo("/health/ready");
      assertThat(string(map(map(container.get("livenessProbe")).get("httpGet")).get("path")))
          .isEqualTo("/health/live");
    } finally {
      server.close();
    }
  }

  @Test
  void theServiceReachesTheServersPort() {
    Map<String, Object> service = only("Service");
    Map<String, Object> spec = map(service.get("spec"));
    Map<String, Object> port = map(list(spec.get("ports")).get(0));
    assertThat(port)
        .containsEntry("port", ServerConfig.DEFAULT_PORT)
        .containsEntry("targetPort", "http");
    assertThat(containerPort(container(), "http")).isEqualTo(ServerConfig.DEFAULT_PORT);
    Map<String, Object> grpc = map(list(spec.get("ports")).get(1));
    assertThat(grpc)
        .containsEntry("port", RlsSettings.DEFAULT_GRPC_PORT)
        .containsEntry("targetPort", "grpc")
        .containsEntry("appProtocol", "kubernetes.io/h2c");
    assertThat(containerPort(container(), "grpc")).isEqualTo(RlsSettings.DEFAULT_GRPC_PORT);
    assertThat(map(spec.get("selector"))).isEqualTo(podLabelsSelected());
    assertThat(
            map(
                map(map(only("PodDisruptionBudget").get("spec")).get("selector"))
                    .get("matchLabels")))
        .isEqualTo(podLabelsSelected());
  }

  @Test
  void theConfigMapIsMountedWhereTheImageReadsItAndTheTokenComesFromASecret() {
    Map<String, Object> pod = podSpec();
    Map<String, Object> container = container();
    Map<String, Object> mount =
        list(container.get("volumeMounts")).stream()
            .map(KubernetesManifestsIT::map)
            .filter(m -> "/etc/sluice".equals(m.get("mountPath")))
            .findFirst()
            .orElseThrow();
    Map<String, Object> volume =
        list(pod.get("volumes")).stream()
            .map(KubernetesManifestsIT::map)
            .filter(v -> v.get("name").equals(mount.get("name")))
            .findFirst()
            .orElseThrow();
    assertThat(map(volume.get("configMap")).get("name"))
        .isEqualTo(map(only("ConfigMap").get("metadata")).get("name"));
    assertThat(map(volume.get("configMap"))).doesNotContainKey("items");
    assertThat(map(only("ConfigMap").get("data"))).containsKey("sluice.yaml");

    Map<String, Object> env = map(list(container.get("env")).get(0));
    assertThat(env.get("name")).isEqualTo(ServeCommand.ADMIN_TOKEN_ENV);
    assertThat(map(map(env.get("valueFrom")).get("secretKeyRef"))).containsKeys("name", "key");
  }

  @Test
  void theImageIsThisVersionsAndRunsAsItsNonRootUser() throws Exception {
    Map<String, Object> container = container();
    assertThat(container.get("image")).isEqualTo("localhost/sluice:" + projectVersion());

    Matcher user =
        Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(Files.readString(CONTAINERFILE));
    assertThat(user.find()).as("the Containerfile's USER").isTrue();
    Map<String, Object> podSecurity = map(podSpec().get("securityContext"));
    assertThat(podSecurity)
        .containsEntry("runAsNonRoot", true)
        .containsEntry("runAsUser", Integer.parseInt(user.group(1)))
        .containsEntry("runAsGroup", Integer.parseInt(user.group(2)));
    Map<String, Object> security = map(container.get("securityContext"));
    assertThat(security)
        .containsEntry("readOnlyRootFilesystem", true)
        .containsEntry("allowPrivilegeEscalation", false);
    assertThat(list(container.get("volumeMounts")))
        .extracting(m -> map(m).get("mountPath"))
        .as("a writable /tmp on the read-only root")
        .contains("/tmp");
  }

  @Test
  void theGracePeriodOutlastsTheDrainAndResourcesAreSet() {
    int grace = (Integer) podSpec().get("terminationGracePeriodSeconds");
    assertThat(grace).isGreaterThan((int) SluiceServer.DRAIN_TIMEOUT.toSeconds());
    Map<String, Object> resources = map(container().get("resources"));
    assertThat(map(resources.get("requests"))).containsKeys("cpu", "memory");
    assertThat(map(resources.get("limits"))).containsKeys("memory");
  }

  private static Map<String, Object> only(String kind) {
    List<Map<String, Object>> found =
        documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    assertThat(found).as("one %s", kind).hasSize(1);
    return found.get(0);
  }

  private static Map<String, Object> podSpec() {
    return map(map(map(only("Deployment").get("spec")).get("template")).get("spec"));
  }

  private static Map<String, Object> podLabelsSelected() {
    Map<String, Object> spec = map(only("Deployment").get("spec"));
    Map<String, Object> selected = map(map(spec.get("selector")).get("matchLabels"));
    Map<String, Object> labels = map(map(map(spec.get("template")).get("metadata")).get("labels"));
    assertThat(labels).containsAllEntriesOf(selected);
    return selected;
  }

  private static Map<String, Object> container() {
    List<Object> containers = list(podSpec().get("containers"));
    assertThat(containers).hasSize(1);
    return map(containers.get(0));
  }

  private static int containerPort(Map<String, Object> container, String name) {
    return list(container.get("ports")).stream()
        .map(KubernetesManifestsIT::map)
        .filter(p -> name.equals(p.get("name")))
        .map(p -> (Integer) p.get("containerPort"))
        .findFirst()
        .orElseThrow();
  }

  /** The version of the parent POM, which every module and the image share. */
  private static String projectVersion() throws Exception {
    return DocumentBuilderFactory.newInstance()
        .newDocumentBuilder()
        .parse(Path.of("..", "pom.xml").toFile())
        .getDocumentElement()
        .getElementsByTagName("version")
        .item(0)
        .getTextContent();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    assertThat(value).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> list(Object value) {
    assertThat(value).isInstanceOf(List.class);
    return (List<T>) value;
  }

  private static String string(Object value) {
    assertThat(value).isInstanceOf(String.class);
    return (String) value;
  }
}
