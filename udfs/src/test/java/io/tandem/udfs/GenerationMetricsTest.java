package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.speculative.AcceptanceStats;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class GenerationMetricsTest {

    @Test
    void countsDraftsAcceptedTokensPerPositionAndTheRates() {
        Map<String, Metric> registered = new HashMap<>();
        GenerationMetrics metrics = new GenerationMetrics(new Capturing("", registered));

        // two rounds of γ 3: one accepted 2 drafts, the other 3; then a round of γ 1, rejected
        metrics.completed(12, new AcceptanceStats(new long[] {3, 2, 2}, new long[] {2, 2, 1}), 40);
        metrics.completed(5, AcceptanceStats.none(), 20);

        assertThat(count(registered, "tandem.requestsOut")).isEqualTo(2);
        assertThat(count(registered, "tandem.generatedTokens")).isEqualTo(17);
        assertThat(count(registered, "tandem.specDecodeNumDrafts")).isEqualTo(3);
        assertThat(count(registered, "tandem.specDecodeNumDraftTokens")).isEqualTo(7);
        assertThat(count(registered, "tandem.specDecodeNumAcceptedTokens")).isEqualTo(5);
        assertThat(count(registered, "tandem.position.1.specDecodeNumAcceptedTokensPerPos"))
                .isEqualTo(2);
        assertThat(count(registered, "tandem.position.3.specDecodeNumAcceptedTokensPerPos"))
                .isEqualTo(1);
        assertThat(gauge(registered, "tandem.acceptanceRate")).isEqualTo(5.0 / 7);
        assertThat(gauge(registered, "tandem.meanAcceptedLength")).isEqualTo(1 + 5.0 / 3);
        assertThat(((Histogram) registered.get("tandem.e2eRequestLatencyMillis")).getCount())
                .isEqualTo(2);
    }

    @Test
    void countsFailedRequestsAsOutToo() {
        Map<String, Metric> registered = new HashMap<>();
        GenerationMetrics metrics = new GenerationMetrics(new Capturing("", registered));

        metrics.failed(3);

        assertThat(count(registered, "tandem.requestsFailed")).isEqualTo(3);
        assertThat(count(registered, "tandem.requestsOut")).isEqualTo(3);
        assertThat(gauge(registered, "tandem.acceptanceRate")).isZero();
    }

    private static long count(Map<String, Metric> registered, String name) {
        return ((Counter) registered.get(name)).getCount();
    }

    private static double gauge(Map<String, Metric> registered, String name) {
        return (Double) ((Gauge<?>) registered.get(name)).getValue();
    }

    /** A metric group that keeps what is registered, by dotted name. */
    private static final class Capturing extends UnregisteredMetricsGroup {
        private final String prefix;
        private final Map<String, Metric> registered;

        Capturing(String prefix, Map<String, Metric> registered) {
            this.prefix = prefix;
            this.registered = registered;
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            registered.put(prefix + name, counter);
            return counter;
        }

        @Override
        public Counter counter(String name) {
            return counter(name, new org.apache.flink.metrics.SimpleCounter());
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            registered.put(prefix + name, gauge);
            return gauge;
        }

        @Override
        public <H extends Histogram> H histogram(String name, H histogram) {
            registered.put(prefix + name, histogram);
            return histogram;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new Capturing(prefix + name + ".", registered);
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new Capturing(prefix + key + "." + value + ".", registered);
        }
    }
}
