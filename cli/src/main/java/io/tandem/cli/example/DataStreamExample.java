package io.tandem.cli.example;

import io.tandem.job.JobOptions;
import io.tandem.job.TandemJob;
import io.tandem.job.TandemServing;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemHome;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Sampling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A DataStream job of a user's own with Tandem inside, as small as it gets: prompts from a text
 * file (one per line; a blank line is an empty prompt, dead-lettered) become requests, {@link
 * TandemServing#generate} serves them with the job's settings, and the job prints each completion
 * and each dead letter. The source and the sinks are the user's to choose; here they are a
 * collection and standard output.
 */
@Command(
        name = "datastream",
        mixinStandardHelpOptions = true,
        description =
                "A DataStream job with Tandem inside: prompts from a text file, one per line,"
                        + " served with the job's settings; completions printed.")
public final class DataStreamExample implements Callable<Integer> {

    @Option(
            names = "--prompts",
            defaultValue = "examples/datastream/prompts.txt",
            description = "One prompt per line (default: ${DEFAULT-VALUE}).")
    Path prompts;

    @Option(
            names = "--max-new-tokens",
            defaultValue = "24",
            description = "Tokens per completion at most (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Mixin JobOptions job;

    @Override
    public Integer call() throws Exception {
        JobConfig config = job.resolve(JobOptions.localDefaults());

        // a local Flink with two TaskManagers: a slot for ingest, draft and verify each, and one
        // for
        // the printing sinks
        Configuration cluster = new Configuration();
        cluster.set(TaskManagerOptions.MINI_CLUSTER_NUM_TASK_MANAGERS, 2);
        cluster.set(TaskManagerOptions.NUM_TASK_SLOTS, TandemJob.SLOT_SHARING_GROUPS + 1);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        TandemJob.configure(env, config);

        DataStream<InferenceRequest> requests =
                env.fromData(requests(), new AvroTypeInfo<>(InferenceRequest.class));
        TandemServing.Served served = TandemServing.generate(requests, config);
        served.results()
                .map(r -> r.getRequestId() + " | " + r.getFinishReason() + " | " + r.getText())
                .print();
        served.deadLetters()
                .map(
                        d ->
                                d.getRequestId()
                                        + " | dead letter "
                                        + d.getErrorCode()
                                        + ": "
                                        + d.getReason())
                .print();
        env.execute("tandem-datastream-example");
        return 0;
    }

    private List<InferenceRequest> requests() throws Exception {
        List<InferenceRequest> requests = new ArrayList<>();
        List<String> lines = Files.readAllLines(TandemHome.resolve(prompts));
        for (int i = 0; i < lines.size(); i++) {
            requests.add(
                    InferenceRequest.newBuilder()
                            .setRequestId("line-" + (i + 1))
                            .setPrompt(lines.get(i))
                            .setMaxNewTokens(maxNewTokens)
                            .setSampling(new Sampling(0f, 1f, null))
                            .setClientSendTime(Instant.now())
                            .build());
        }
        return requests;
    }
}
