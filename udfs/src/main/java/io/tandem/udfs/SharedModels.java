package io.tandem.udfs;

import io.tandem.model.LanguageModel;
import io.tandem.model.ModelException;
import io.tandem.model.ModelWarmUp;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded copy of each model per JVM, shared by the subtasks of a TaskManager: weights are
 * loaded, and warmed up if real ({@link ModelWarmUp}), by the first subtask that opens, and freed
 * when the last one closes. Thread-safe.
 */
public final class SharedModels {

    private static final Logger LOG = LoggerFactory.getLogger(SharedModels.class);

    private static final Map<ModelSource, Entry> MODELS = new HashMap<>();

    private SharedModels() {}

    private static final class Entry {
        final LanguageModel model;
        int users;

        Entry(LanguageModel model) {
            this.model = model;
        }
    }

    /**
     * Returns the model of {@code source}, loading it on first use; pair every call with {@link
     * #release}.
     */
    public static synchronized LanguageModel acquire(ModelSource source) throws ModelException {
        ModelSource key = source.normalized();
        Entry entry = MODELS.get(key);
        if (entry == null) {
            LanguageModel model = key.load();
            // warm here, once per JVM, so that no request pays the first calls' set-up; emulated
            // stages have none, and would only wait out their profile's times
            if (!key.isEmulated()) {
                try {
                    Duration warming = ModelWarmUp.run(model);
                    LOG.info(
                            "Warmed up model {} in {} ms", model.info().name(), warming.toMillis());
                } catch (ModelException | RuntimeException e) {
                    model.close();
                    throw e;
                }
            }
            entry = new Entry(model);
            MODELS.put(key, entry);
        }
        entry.users++;
        return entry.model;
    }

    /** Gives back one use of the model of {@code source}; the last release closes it. */
    public static synchronized void release(ModelSource source) {
        ModelSource key = source.normalized();
        Entry entry = MODELS.get(key);
        if (entry != null && --entry.users == 0) {
            MODELS.remove(key);
            entry.model.close();
        }
    }
}
