package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.cli.bench.WindowReplay.Served;
import io.tandem.cli.bench.WindowReplay.ServedBatch;
import io.tandem.cli.bench.WindowReplay.Timing;
import io.tandem.cli.bench.WindowReplay.Window;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowReplayTest {

    private static final int MAX_SIZE = 3;
    private static final double MAX_WAIT = 50;

    @Test
    void closesAWindowWhenFullOrMaxWaitAfterItsFirstRequest() {
        double[] arrivals = {0, 10, 20, 30, 100, 140, 160};
        int[] lanes = new int[arrivals.length];

        List<Window> windows = WindowReplay.windows(arrivals, lanes, 1, MAX_SIZE, MAX_WAIT, 0);

        assertThat(windows)
                .extracting(Window::requests)
                .containsExactly(
                        new int[] {0, 1, 2}, new int[] {3}, new int[] {4, 5}, new int[] {6});
        // full at the third arrival; the others close max-wait after they opened
        assertThat(windows).extracting(Window::closeMs).containsExactly(20.0, 80.0, 150.0, 210.0);
    }

    @Test
    void lanesBatchApartAndShareTheirSubtasksWorker() {
        double[] arrivals = {0, 5, 10, 15};
        int[] lanes = {0, 1, 2, 0};

        List<Window> windows = WindowReplay.windows(arrivals, lanes, 2, MAX_SIZE, MAX_WAIT, 0);

        assertThat(windows)
                .extracting(Window::requests)
                .containsExactly(new int[] {0, 3}, new int[] {1}, new int[] {2});
        assertThat(windows).extracting(Window::worker).containsExactly(0, 1, 0);
    }

    @Test
    void batchesRunOneAfterAnotherOnTheirWorkerFromWhenTheWindowIsPlanned() throws Exception {
        double[] arrivals = {0, 10, 20, 30};
        int[] lanes = new int[arrivals.length];
        List<int[]> served = new ArrayList<>();

        // every window is planned in 2 ms and split into one batch per request, 100 ms each
        Timing[] timings =
                WindowReplay.replay(
                        arrivals,
                        lanes,
                        1,
                        MAX_SIZE,
                        MAX_WAIT,
                        0,
                        window -> {
                            served.add(window.requests());
                            List<ServedBatch> batches = new ArrayList<>();
                            for (int i : window.requests()) {
                                batches.add(new ServedBatch(new int[] {i}, 100));
                            }
                            return new Served(2, batches);
                        });

        // window {0,1,2} closes at 20 and is ready at 22; window {3} closes at 80, ready at 82
        assertThat(timings).extracting(Timing::startMs).containsExactly(22.0, 122.0, 222.0, 322.0);
        assertThat(timings).extracting(Timing::endMs).containsExactly(122.0, 222.0, 322.0, 422.0);
        assertThat(timings[3].latencyMs()).isEqualTo(392.0);
        assertThat(served).hasSize(2);
    }

    @Test
    void closesAWindowAtOnceWhenTheLaneIsQuiet() {
        // gaps of 1 s against a 50 ms wait: after the second request the lane counts as quiet
        double[] arrivals = {0, 1000, 2000, 3000};
        int[] lanes = {0, 0, 0, 0};

        List<Window> windows = WindowReplay.windows(arrivals, lanes, 1, MAX_SIZE, 50, 0.5);

        assertThat(windows).hasSize(4);
        assertThat(windows.get(0).closeMs()).isEqualTo(50); // nothing known yet: it waits
        assertThat(windows.get(2).closeMs()).isEqualTo(2000);
        assertThat(windows.get(3).closeMs()).isEqualTo(3000);
    }
}
