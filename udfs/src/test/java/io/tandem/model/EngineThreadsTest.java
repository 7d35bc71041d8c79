package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EngineThreadsTest {

    @Test
    void theCountIsTheCallingThreads() throws Exception {
        int mine = EngineThreads.current();
        int other = mine == 1 ? 2 : 1;
        AtomicInteger seen = new AtomicInteger();
        Thread worker =
                new Thread(
                        () -> {
                            EngineThreads.use(other);
                            seen.set(EngineThreads.current());
                        });
        worker.start();
        worker.join();

        assertThat(seen).hasValue(other);
        assertThat(EngineThreads.current()).isEqualTo(mine);
    }

    @Test
    void refusesFewerThanOneThread() {
        assertThatThrownBy(() -> EngineThreads.use(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(">= 1");
    }
}
