package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.model.SamplingConfig;
import io.tandem.schemas.internal.CallShape;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceStatesTest {

    @Test
    void aCallsShapeCountsTheNewcomersAndThePromptTokensItPrefills() {
        SamplingConfig greedy = SamplingConfig.greedy();
        List<SequenceRound> rounds =
                List.of(
                        new SequenceRound("newcomer-a", new int[] {1, 2, 3}, 3, greedy, 4),
                        new SequenceRound("running", new int[] {1, 2, 3, 4, 5, 6}, 2, greedy, 4),
                        new SequenceRound("newcomer-b", new int[] {7, 8, 9, 10, 11}, 5, greedy, 4));

        CallShape shape = SequenceStates.callShape(rounds, 5, 1);

        assertThat(shape.getSequences()).isEqualTo(3);
        assertThat(shape.getPositions()).isEqualTo(5);
        assertThat(shape.getPasses()).isEqualTo(1);
        assertThat(shape.getContext()).isCloseTo((3 + 6 + 5) / 3.0, within(1e-9));
        assertThat(shape.getPrefills()).isEqualTo(2);
        assertThat(shape.getPrefillTokens()).isEqualTo(3 + 5);
    }
}
