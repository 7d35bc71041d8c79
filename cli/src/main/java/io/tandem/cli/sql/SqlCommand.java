package io.tandem.cli.sql;

import io.tandem.job.config.TandemHome;
import io.tandem.local.EmbeddedKafka;
import io.tandem.sql.ModelOptionsCheck;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.config.TableConfigOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./tandem sql FILE}: runs a Flink SQL script statement by statement on a local Flink, with
 * the {@code tandem} model provider of {@code ML_PREDICT} on the class path and an embedded Kafka
 * broker (or the user's, with {@code --bootstrap}). Queries print their rows; other statements that
 * start a job wait for it, so a script reads like a SQL client session.
 */
@Command(
        name = "sql",
        mixinStandardHelpOptions = true,
        description =
                "Run a Flink SQL script on a local Flink with an embedded Kafka broker; in the"
                        + " script ${bootstrap} is the broker and ${home} the Tandem checkout.")
public final class SqlCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "The SQL script.")
    Path file;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description =
                    "A Kafka cluster of yours instead of the embedded broker; it must have the"
                            + " script's topics.")
    String bootstrap;

    @Option(
            names = "--parallelism",
            defaultValue = "1",
            description = "Parallelism of the script's jobs (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        String text = Files.readString(TandemHome.resolve(file));
        EmbeddedKafka kafka = bootstrap == null ? EmbeddedKafka.start() : null;
        try {
            String servers = kafka == null ? bootstrap : kafka.bootstrapServers();
            SqlScript script =
                    SqlScript.parse(
                            text,
                            Map.of(
                                    "bootstrap",
                                    servers,
                                    "home",
                                    Path.of(System.getProperty("tandem.home", "."))
                                            .toAbsolutePath()
                                            .normalize()
                                            .toString()));
            if (kafka != null) {
                createTopics(servers, script.topics());
                out.printf("Kafka %s (embedded) with topics %s%n", servers, script.topics());
            }
            StreamTableEnvironment tables = localTables(parallelism);
            for (String statement : script.statements()) {
                out.println();
                out.println("Flink SQL> " + statement.replace("\n", "\n> ") + ";");
                run(tables, statement, out);
            }
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
        return 0;
    }

    /**
     * A table environment on a local Flink whose jobs run at {@code parallelism}, each on a cluster
     * of its own with a slot per subtask; {@code CREATE MODEL} checks a {@code tandem} model's
     * options.
     */
    public static StreamTableEnvironment localTables(int parallelism) {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        Configuration tables = new Configuration();
        tables.set(
                TableConfigOptions.TABLE_CATALOG_MODIFICATION_LISTENERS,
                List.of(ModelOptionsCheck.IDENTIFIER));
        return StreamTableEnvironment.create(
                env,
                EnvironmentSettings.newInstance()
                        .inStreamingMode()
                        .withConfiguration(tables)
                        .build());
    }

    /** Runs one statement: a query prints its rows, a job waits to its end, the rest say OK. */
    private static void run(StreamTableEnvironment tables, String statement, PrintStream out)
            throws Exception {
        TableResult result = tables.executeSql(statement);
        String first = statement.strip().split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
        boolean query = List.of("SELECT", "WITH", "SHOW", "DESCRIBE", "EXPLAIN").contains(first);
        if (query) {
            result.print();
        } else if (result.getJobClient().isPresent()) {
            long start = System.nanoTime();
            result.await();
            out.printf(
                    "[done] job %s in %.1f s%n",
                    result.getJobClient().get().getJobID(), (System.nanoTime() - start) / 1e9);
        } else {
            out.println("[OK]");
        }
    }

    private static void createTopics(String servers, Iterable<String> topics) throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            List<NewTopic> create = new ArrayList<>();
            topics.forEach(topic -> create.add(new NewTopic(topic, 1, (short) 1)));
            admin.createTopics(create).all().get();
        }
    }
}
