package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CryptoTest {
    @Test
    void noncesNeverRepeatWithinAProcessEvenFromManyThreads() throws Exception {
        Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Thread[] ts = new Thread[4];
        for (int t = 0; t < ts.length; t++) {
            ts[t] = new Thread(() -> {
                for (int i = 0; i < 100_000; i++) assertThat(seen.add(Hex.of(Crypto.nonce()))).isTrue();
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        assertThat(seen).hasSize(400_000);
        // every nonce keeps the random part of the base: the first 4 bytes are the same each time
        Set<String> heads = new HashSet<>();
        for (String s : seen) heads.add(s.substring(0, 8));
        assertThat(heads).hasSize(1);
    }

    @Test
    void sealedDataOpensAndEachSealUsesAFreshNonce() throws Exception {
        byte[] key = Crypto.random(Crypto.KEY);
        byte[] plain = "the same bytes".getBytes();
        byte[] a = Crypto.seal(key, plain, 0, plain.length, null);
        byte[] b = Crypto.seal(key, plain, 0, plain.length, null);
        assertThat(java.util.Arrays.copyOf(a, Crypto.NONCE)).isNotEqualTo(java.util.Arrays.copyOf(b, Crypto.NONCE));
        assertThat(Crypto.open(key, a, 0, a.length, null)).isEqualTo(plain);
        assertThat(Crypto.open(key, b, 0, b.length, null)).isEqualTo(plain);
    }
}
