package io.tandem.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.CausalLm;
import io.tandem.model.ModelException;
import io.tandem.schemas.InferenceRequest;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.GreedyReference;
import io.tandem.testkit.Requests;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.config.TableConfigOptions;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ML_PREDICT} over {@code tandem} models on a MiniCluster: greedy completions in modes sd
 * and ad equal the target's greedy output alone, rows that cannot be served get their reason, and
 * bad model options are refused naming the key.
 */
class MlPredictITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final List<String> PROMPTS =
            List.of(
                    "It is a truth universally acknowledged",
                    "Emma Woodhouse, handsome, clever, and rich",
                    "The family of Dashwood had long been settled in Sussex",
                    "Sir Walter Elliot, of Kellynch Hall",
                    "Mr. Darcy",
                    "She was the youngest of the two daughters");

    private StreamTableEnvironment tables;

    @BeforeEach
    void environment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        tables = StreamTableEnvironment.create(env, EnvironmentSettings.inStreamingMode());
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < PROMPTS.size(); i++) {
            values.append(i == 0 ? "" : ", ")
                    .append("(")
                    .append(i)
                    .append(", '")
                    .append(PROMPTS.get(i))
                    .append("')");
        }
        tables.executeSql("CREATE TEMPORARY VIEW prompts (id, prompt) AS VALUES " + values);
    }

    @Test
    void greedyCompletionsInModesSdAndAdEqualTheTargetAlone() throws Exception {
        Map<String, String> expected = targetAlone(16);
        for (String mode : List.of("sd", "ad")) {
            tables.executeSql(
                    "CREATE TEMPORARY MODEL austen_"
                            + mode
                            + " INPUT (prompt STRING) OUTPUT (completion STRING, finish_reason"
                            + " STRING, tokens INT, rounds INT) WITH ("
                            + pairOptions()
                            + ", 'mode' = '"
                            + mode
                            + "', 'max-new-tokens' = '16')");
            Map<String, String> served = new HashMap<>();
            List<Integer> rounds = new ArrayList<>();
            try (CloseableIterator<Row> rows =
                    tables.executeSql(
                                    "SELECT prompt, completion, finish_reason, tokens, rounds"
                                            + " FROM ML_PREDICT(TABLE prompts, MODEL austen_"
                                            + mode
                                            + ", DESCRIPTOR(prompt),"
                                            + " MAP['max-concurrent-operations', '8'])")
                            .collect()) {
                rows.forEachRemaining(
                        row -> {
                            served.put((String) row.getField(0), (String) row.getField(1));
                            assertThat((String) row.getField(2)).isIn("EOS", "LENGTH");
                            rounds.add((Integer) row.getField(4));
                        });
            }
            assertThat(served).as("mode %s", mode).isEqualTo(expected);
            int totalRounds = rounds.stream().mapToInt(Integer::intValue).sum();
            if (mode.equals("sd")) {
                // speculation took fewer rounds than tokens
                assertThat(totalRounds).isLessThan(PROMPTS.size() * 16);
            }
        }
    }

    @Test
    void aRowThatCannotBeServedGetsItsReasonInTheErrorColumn() throws Exception {
        tables.executeSql(
                "CREATE TEMPORARY MODEL checked INPUT (prompt STRING)"
                        + " OUTPUT (completion STRING, error STRING)"
                        + " WITH ("
                        + pairOptions()
                        + ", 'max-new-tokens' = '8', 'max-prompt-tokens' = '20')");
        Map<String, String[]> rows = new HashMap<>();
        try (CloseableIterator<Row> result =
                tables.executeSql(
                                "SELECT id, completion, error FROM ML_PREDICT(TABLE prompts, MODEL"
                                        + " checked, DESCRIPTOR(prompt))")
                        .collect()) {
            result.forEachRemaining(
                    row ->
                            rows.put(
                                    String.valueOf(row.getField(0)),
                                    new String[] {
                                        (String) row.getField(1), (String) row.getField(2)
                                    }));
        }
        assertThat(rows).hasSize(PROMPTS.size());
        // "Mr. Darcy" is short enough; the Dashwood prompt (55 bytes) is not
        assertThat(rows.get("4")[0]).isNotEmpty();
        assertThat(rows.get("4")[1]).isNull();
        assertThat(rows.get("2")[0]).isNull();
        assertThat(rows.get("2")[1]).contains("at most 20 are allowed");
    }

    /**
     * Engine emulated (benchmarks only): stages that take a GPU profile's times serve every row to
     * its length, the draft proposing the synthetic target's tokens well enough that rounds carry
     * several.
     */
    @Test
    void emulatedStagesServeEveryRowAtGpuStageTimes() throws Exception {
        tables.executeSql(
                "CREATE TEMPORARY MODEL emulated INPUT (prompt STRING) OUTPUT (tokens INT, rounds"
                        + " INT) WITH ('provider' = 'tandem', 'target' = '"
                        + BundledModel.target()
                        + "', 'engine' = 'emulated', 'stage-profile' = '"
                        + BundledModel.gpuProfile("h200-68m-7b")
                        + "', 'max-new-tokens' = '12')");
        List<Integer> tokens = new ArrayList<>();
        int rounds = 0;
        try (CloseableIterator<Row> rows =
                tables.executeSql(
                                "SELECT tokens, rounds FROM ML_PREDICT(TABLE prompts, MODEL"
                                        + " emulated, DESCRIPTOR(prompt))")
                        .collect()) {
            while (rows.hasNext()) {
                Row row = rows.next();
                tokens.add((Integer) row.getField(0));
                rounds += (Integer) row.getField(1);
            }
        }
        assertThat(tokens).hasSize(PROMPTS.size()).containsOnly(12);
        assertThat(rounds).isLessThan(PROMPTS.size() * 12 / 2);
        tables.executeSql(
                "CREATE TEMPORARY MODEL half INPUT (prompt STRING) OUTPUT (tokens INT) WITH ("
                        + pairOptions()
                        + ", 'engine' = 'emulated')");
        assertThatThrownBy(
                        () ->
                                tables.executeSql(
                                        "SELECT * FROM ML_PREDICT(TABLE prompts, MODEL half,"
                                                + " DESCRIPTOR(prompt))"))
                .hasStackTraceContaining("option 'stage-profile' is not set");
    }

    @Test
    void badOptionsAreRefusedNamingTheKey() {
        tables.executeSql(
                "CREATE TEMPORARY MODEL bad INPUT (prompt STRING) OUTPUT (completion STRING)"
                        + " WITH ("
                        + pairOptions()
                        + ", 'temperature' = '-1')");
        assertThatThrownBy(
                        () ->
                                tables.executeSql(
                                        "SELECT * FROM ML_PREDICT(TABLE prompts, MODEL bad,"
                                                + " DESCRIPTOR(prompt))"))
                .hasStackTraceContaining("option 'temperature' is '-1.0'");
        tables.executeSql(
                "CREATE TEMPORARY MODEL odd INPUT (prompt STRING) OUTPUT (answer STRING)"
                        + " WITH ("
                        + pairOptions()
                        + ")");
        assertThatThrownBy(
                        () ->
                                tables.executeSql(
                                        "SELECT * FROM ML_PREDICT(TABLE prompts, MODEL odd,"
                                                + " DESCRIPTOR(prompt))"))
                .isInstanceOf(ValidationException.class)
                .hasStackTraceContaining("output column `answer` STRING");
    }

    @Test
    void withTheCheckEnabledBadOptionsFailCreateModelAndTheModelIsNotCreated() {
        Configuration conf = new Configuration();
        conf.set(
                TableConfigOptions.TABLE_CATALOG_MODIFICATION_LISTENERS,
                List.of(ModelOptionsCheck.IDENTIFIER));
        StreamTableEnvironment checked =
                StreamTableEnvironment.create(
                        StreamExecutionEnvironment.getExecutionEnvironment(),
                        EnvironmentSettings.newInstance()
                                .inStreamingMode()
                                .withConfiguration(conf)
                                .build());
        String create = "CREATE TEMPORARY MODEL m INPUT (prompt STRING) OUTPUT (completion STRING)";
        assertThatThrownBy(
                        () ->
                                checked.executeSql(
                                        create + " WITH (" + pairOptions() + ", 'top-p' = '2')"))
                .hasStackTraceContaining("option 'top-p' is '2.0'; it must be in (0, 1]");
        assertThatThrownBy(
                        () ->
                                checked.executeSql(
                                        create
                                                + " WITH ("
                                                + pairOptions()
                                                + ", 'tempreature' = '0.5')"))
                .hasStackTraceContaining("tempreature");
        // neither was created: the name is free for a good one
        checked.executeSql(create + " WITH (" + pairOptions() + ", 'top-p' = '0.9')");
        assertThatThrownBy(
                        () ->
                                checked.executeSql(
                                        create + " WITH (" + pairOptions() + ", 'top-p' = '2')"))
                .hasStackTraceContaining("already exists");
    }

    private static String pairOptions() {
        return "'provider' = 'tandem', 'target' = '"
                + BundledModel.target()
                + "', 'draft' = '"
                + BundledModel.draft()
                + "', 'planner-profile' = '"
                + BundledModel.pairProfile()
                + "'";
    }

    /** Each prompt's greedy completion by the target alone, as text. */
    private static Map<String, String> targetAlone(int maxNewTokens) throws ModelException {
        List<InferenceRequest> requests = new ArrayList<>();
        for (String prompt : PROMPTS) {
            requests.add(Requests.greedy(prompt, prompt, maxNewTokens));
        }
        Map<String, List<Integer>> tokens = GreedyReference.tokens(BundledModel.target(), requests);
        Map<String, String> texts = new HashMap<>();
        try (CausalLm target = CausalLm.load(BundledModel.target())) {
            tokens.forEach(
                    (prompt, ids) ->
                            texts.put(
                                    prompt,
                                    target.tokenizer()
                                            .decode(
                                                    ids.stream()
                                                            .mapToInt(Integer::intValue)
                                                            .toArray())));
        }
        return texts;
    }
}
