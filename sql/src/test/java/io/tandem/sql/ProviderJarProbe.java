package io.tandem.sql;

import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.config.TableConfigOptions;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * What a user's Flink does with the provider jar in its {@code lib/}: a JVM whose class path has
 * Flink and the jar, and none of Tandem's modules, creates a {@code tandem} model, runs {@code
 * ML_PREDICT} over two prompts and has a bad option refused at {@code CREATE MODEL}. It names no
 * Tandem class, so it compiles and runs without them. Run by {@link ProviderJarITCase}; prints what
 * it saw.
 */
public final class ProviderJarProbe {

    private ProviderJarProbe() {}

    /** {@code args[0]}: the target model's directory. */
    public static void main(String[] args) throws Exception {
        System.out.println(
                "provider from "
                        + Class.forName("io.tandem.sql.TandemModelProviderFactory")
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        Configuration conf = new Configuration();
        conf.set(TableConfigOptions.TABLE_CATALOG_MODIFICATION_LISTENERS, List.of("tandem"));
        StreamTableEnvironment tables =
                StreamTableEnvironment.create(
                        env,
                        EnvironmentSettings.newInstance()
                                .inStreamingMode()
                                .withConfiguration(conf)
                                .build());
        tables.executeSql(
                "CREATE TEMPORARY VIEW prompts (id, prompt) AS VALUES"
                        + " (1, 'It is a truth universally acknowledged'), (2, 'Emma Woodhouse')");
        String model =
                "INPUT (prompt STRING) OUTPUT (completion STRING, tokens INT) WITH ('provider' ="
                        + " 'tandem', 'target' = '"
                        + args[0]
                        + "', 'max-new-tokens' = '6'";
        tables.executeSql("CREATE TEMPORARY MODEL m " + model + ")");
        try (CloseableIterator<Row> rows =
                tables.executeSql(
                                "SELECT id, completion, tokens FROM ML_PREDICT(TABLE prompts,"
                                        + " MODEL m, DESCRIPTOR(prompt))")
                        .collect()) {
            while (rows.hasNext()) {
                System.out.println("row " + rows.next());
            }
        }
        try {
            tables.executeSql("CREATE TEMPORARY MODEL bad " + model + ", 'top-p' = '2')");
            System.out.println("accepted a bad option");
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            System.out.println("refused: " + root.getMessage());
        }
        System.exit(0);
    }
}
