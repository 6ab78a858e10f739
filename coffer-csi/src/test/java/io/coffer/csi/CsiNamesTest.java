package io.coffer.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CsiNamesTest {
    @Test
    void kubernetesNamesAreKeptAndOthersBecomeStableDigests() {
        assertThat(CsiNames.cofferName("pvc", "pvc-4e3a9a6c-0d2b-4e8f-9a7c-3b1d5e2f4a6c")).isEqualTo("pvc-4e3a9a6c-0d2b-4e8f-9a7c-3b1d5e2f4a6c");
        String odd = CsiNames.cofferName("pvc", "a/b: ümlaut");
        assertThat(odd).matches("pvc-[0-9a-f]{32}").isEqualTo(CsiNames.cofferName("pvc", "a/b: ümlaut"));
        assertThat(CsiNames.cofferName("pvc", "x".repeat(300))).matches("pvc-[0-9a-f]{32}");
        assertThat(CsiNames.cofferName("pvc", "a/b")).isNotEqualTo(CsiNames.cofferName("pvc", "a/c"));
    }

    @Test
    void theSidecarsMetadataBecomesLabelsAndUnknownParametersAreRefused() {
        var labels = CsiNames.labels("pvc-1", Map.of("csi.storage.k8s.io/pvc/name", "data-pg-0", "csi.storage.k8s.io/pvc/namespace", "dbaas"), Set.of());
        assertThat(labels).containsEntry(CsiNames.NAME, "pvc-1").containsEntry("kubernetes.io/pvc-name", "data-pg-0")
                .containsEntry("kubernetes.io/pvc-namespace", "dbaas");
        assertThatThrownBy(() -> CsiNames.labels("pvc-1", Map.of("backupRepositry", "offsite"), Set.of()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("backupRepositry");
                });
    }
}
