package io.tandem.job.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Which Kafka client settings are secrets, so that whatever prints the job's settings (its start
 * line in the log, a benchmark's setup) shows them as {@value #HIDDEN}. Kafka's own definitions
 * decide for the settings they know (type {@code PASSWORD}: {@code sasl.jaas.config}, {@code
 * ssl.keystore.password}, ...); a setting they do not know (a listener-prefixed one, a plugin's)
 * counts as secret when its name says password, secret, token, credentials or JAAS.
 */
public final class KafkaSecrets {

    /** What a secret's value is replaced by; the same as Kafka's own logs print. */
    public static final String HIDDEN = "[hidden]";

    private static final String[] SECRET_WORDS = {
        "password", "secret", "token", "credential", "jaas"
    };

    private KafkaSecrets() {}

    /** Whether the client setting {@code key} holds a secret. */
    public static boolean isSecret(String key) {
        for (ConfigDef definitions :
                new ConfigDef[] {
                    ConsumerConfig.configDef(),
                    ProducerConfig.configDef(),
                    AdminClientConfig.configDef()
                }) {
            ConfigDef.ConfigKey known = definitions.configKeys().get(key);
            if (known != null && known.type == ConfigDef.Type.PASSWORD) {
                return true;
            }
        }
        String name = key.toLowerCase(Locale.ROOT);
        for (String word : SECRET_WORDS) {
            if (name.contains(word)) {
                return true;
            }
        }
        return false;
    }

    /** {@code settings} with every secret's value replaced by {@value #HIDDEN}, sorted by key. */
    public static Map<String, String> redacted(Map<String, String> settings) {
        Map<String, String> shown = new TreeMap<>();
        settings.forEach((key, value) -> shown.put(key, isSecret(key) ? HIDDEN : value));
        return shown;
    }
}
