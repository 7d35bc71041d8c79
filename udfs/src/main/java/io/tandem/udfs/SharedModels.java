package io.tandem.udfs;

import io.tandem.model.CausalLm;
import io.tandem.model.ModelException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One loaded copy of each model per JVM, shared by the subtasks of a TaskManager: weights are
 * loaded by the first subtask that opens and freed when the last one closes. Thread-safe.
 */
public final class SharedModels {

    private static final Map<Path, Entry> MODELS = new HashMap<>();

    private SharedModels() {}

    private static final class Entry {
        final CausalLm model;
        int users;

        Entry(CausalLm model) {
            this.model = model;
        }
    }

    /**
     * Returns the model in {@code dir}, loading it on first use; pair every call with {@link
     * #release}.
     */
    public static synchronized CausalLm acquire(Path dir) throws ModelException {
        Path key = dir.toAbsolutePath().normalize();
        Entry entry = MODELS.get(key);
        if (entry == null) {
            entry = new Entry(CausalLm.load(key));
            MODELS.put(key, entry);
        }
        entry.users++;
        return entry.model;
    }

    /** Gives back one use of the model in {@code dir}; the last release closes it. */
    public static synchronized void release(Path dir) {
        Path key = dir.toAbsolutePath().normalize();
        Entry entry = MODELS.get(key);
        if (entry != null && --entry.users == 0) {
            MODELS.remove(key);
            entry.model.close();
        }
    }
}
