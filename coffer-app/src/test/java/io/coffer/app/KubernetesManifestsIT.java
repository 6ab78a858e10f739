package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every manifest under deploy/kubernetes validates against Kubernetes' own schemas and the
 * snapshot CRDs (deploy/kubernetes/validate.mjs, on the npm packages scripts/test installs into
 * COFFER_K8S_VALIDATOR), and the validator refuses broken ones.
 */
class KubernetesManifestsIT {
    static final Path ROOT = Path.of(System.getProperty("coffer.root"));

    @TempDir
    Path tmp;

    record Result(int code, String out) {}

    static Result validate(Path target) throws Exception {
        String modules = System.getenv().getOrDefault("COFFER_K8S_VALIDATOR", "/var/tmp/coffer-k8s-validator") + "/node_modules";
        assertThat(Path.of(modules, "kubernetes-models")).as("the validator's npm packages (scripts/test installs them)").exists();
        ProcessBuilder pb = new ProcessBuilder("node", ROOT.resolve("deploy/kubernetes/validate.mjs").toString(), target.toString()).redirectErrorStream(true);
        pb.environment().put("NODE_PATH", modules);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return new Result(p.exitValue(), out);
    }

    @Test
    void everyManifestIsValidAndBrokenOnesAreRefused() throws Exception {
        Result all = validate(ROOT.resolve("deploy/kubernetes"));
        assertThat(all.code()).as(all.out()).isZero();
        assertThat(all.out()).contains("0 with problems");
        // the driver, its RBAC, the node DaemonSet, the classes and the DBaaS example are all there
        for (String f : List.of("csidriver.yaml", "rbac.yaml", "node.yaml", "classes.yaml", "examples/dbaas-postgres.yaml")) {
            assertThat(ROOT.resolve("deploy/kubernetes").resolve(f)).exists();
        }

        String node = Files.readString(ROOT.resolve("deploy/kubernetes/node.yaml"));
        Path noSelector = Files.writeString(tmp.resolve("no-selector.yaml"), node.replace("  selector:\n    matchLabels:\n      app.kubernetes.io/name: coffer-csi\n", ""));
        Result r = validate(noSelector);
        assertThat(r.code()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("DaemonSet coffer-csi-node").contains("selector");

        String classes = Files.readString(ROOT.resolve("deploy/kubernetes/classes.yaml"));
        Path typo = Files.writeString(tmp.resolve("typo.yaml"), classes.replace("deletionPolicy: Delete\nparameters:", "deletionPolcy: Delete\nparameters:"));
        r = validate(typo);
        assertThat(r.code()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("VolumeSnapshotClass coffer-offsite").contains("deletionPolicy");

        // a Kubernetes kind is closed too: a misspelt field would be dropped by the API server
        Path unknown = Files.writeString(tmp.resolve("unknown-field.yaml"), node.replaceFirst("imagePullPolicy", "imagePulPolicy"));
        r = validate(unknown);
        assertThat(r.code()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("DaemonSet coffer-csi-node").contains("containers[0].imagePulPolicy is not a field of Container");

        Path wrongType = Files.writeString(tmp.resolve("wrong-type.yaml"), node.replace("containerPort: 9808", "containerPort: \"healthz\""));
        r = validate(wrongType);
        assertThat(r.code()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("containerPort");
    }
}
