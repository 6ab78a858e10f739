package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSI driver of a real {@code coffer server}, driven over its Unix socket by an independent
 * client: Debian's python3-grpcio with messages built from the descriptor set of the same
 * csi.proto (coffer-csi/src/test/python/csi_conformance.py). csi-sanity's checks, and data
 * restored bit for bit from snapshots of mount and block volumes. Needs root (mounts, loop devices).
 */
class CsiConformanceIT {
    @TempDir
    Path tmp;

    @Test
    void anIndependentGrpcClientFindsTheDriverConformantAndItsSnapshotsWhole() throws Exception {
        assertThat(new ProcessBuilder("id", "-u").start().inputReader().readLine()).as("the CSI driver's node service mounts: run as root").isEqualTo("0");
        assertThat(new ProcessBuilder("/usr/bin/python3", "-c", "import grpc").start().waitFor()).as("python3-grpcio (apt-get install python3-grpcio)").isZero();
        Path desc = tmp.resolve("csi.desc");
        try (InputStream in = io.coffer.csi.CsiServer.class.getResourceAsStream("csi.desc")) {
            assertThat(in).as("the descriptor set the build writes from csi.proto").isNotNull();
            Files.copy(in, desc);
        }
        Path socket = tmp.resolve("csi.sock");
        Path script = Path.of(System.getProperty("coffer.root"), "coffer-csi", "src", "test", "python", "csi_conformance.py");
        try (ServerProcess server = new ServerProcess(Files.createDirectories(tmp.resolve("data")),
                Map.of("COFFER_CSI_ENDPOINT", "unix://" + socket, "COFFER_NODE_ID", "node-a")).start()) {
            assertThat(socket).exists();
            Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--endpoint", "unix://" + socket, "--descriptor", desc.toString(),
                    "--workdir", tmp.resolve("targets").toString(), "--keep", "pvc-kept", "--rest", server.url()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
            System.out.println(out);
            assertThat(p.exitValue()).as(out + "\n--- server log\n" + server.log()).isZero();
            assertThat(out).contains("0 failed").doesNotContain("FAIL ");
            // what the CSI driver makes is the service's: the REST API shows it, with the PVC the sidecar named
            var kept = server.get("/api/v1/volumes/pvc-kept").path("volume");
            assertThat(kept.path("status").asText()).isEqualTo("available");
            assertThat(kept.path("labels").path("csi.coffer.io/name").asText()).isEqualTo("pvc-kept");
            assertThat(kept.path("labels").path("kubernetes.io/pvc-name").asText()).isEqualTo("data-pg-0");
            assertThat(kept.path("labels").path("kubernetes.io/pvc-namespace").asText()).isEqualTo("dbaas");
        }
        // the socket goes with the server
        assertThat(socket).doesNotExist();
    }
}
