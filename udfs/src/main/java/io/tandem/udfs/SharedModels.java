package io.tandem.udfs;

import io.tandem.model.LanguageModel;
import io.tandem.model.ModelException;
import java.util.HashMap;
import java.util.Map;

/**
 * One loaded copy of each model per JVM, shared by the subtasks of a TaskManager: weights are
 * loaded by the first subtask that opens and freed when the last one closes. Thread-safe.
 */
public final class SharedModels {

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
            entry = new Entry(key.load());
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
