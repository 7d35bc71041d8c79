package io.tandem.local;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * How {@link EmbeddedKafka#startSecured} secures its broker: clients connect with SASL over TLS,
 * the broker presenting the key in {@code keystore}, clients trusting {@code truststore} (both
 * PKCS12, both under {@code storePassword}). SASL offers PLAIN, for {@code brokerUser} (as which
 * the broker talks to itself and creates users) and the users in {@code plainUsers}, and
 * SCRAM-SHA-256, for the users in {@code scramUsers}, created once the broker is up.
 *
 * @param plainUsers user name to password
 * @param scramUsers user name to password
 */
public record SaslSsl(
        Path keystore,
        Path truststore,
        String storePassword,
        String brokerUser,
        String brokerPassword,
        Map<String, String> plainUsers,
        Map<String, String> scramUsers) {

    /** The broker's client listener. */
    static final String LISTENER = "EXTERNAL";

    public static final String PLAIN = "PLAIN";
    public static final String SCRAM_SHA_256 = "SCRAM-SHA-256";

    public SaslSsl {
        Map<String, String> plain = new HashMap<>(plainUsers);
        plain.put(brokerUser, brokerPassword);
        plainUsers = Map.copyOf(plain);
        scramUsers = Map.copyOf(scramUsers);
    }

    /**
     * What a client needs to connect as {@code user} with {@code mechanism} ({@link #PLAIN} or
     * {@link #SCRAM_SHA_256}): Kafka client settings, without the bootstrap servers.
     */
    public Map<String, String> clientSettings(String mechanism, String user) {
        Map<String, String> users = mechanism.equals(PLAIN) ? plainUsers : scramUsers;
        String password = users.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no " + mechanism + " user " + user);
        }
        String module =
                mechanism.equals(PLAIN)
                        ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                        : "org.apache.kafka.common.security.scram.ScramLoginModule";
        Map<String, String> settings = new HashMap<>();
        settings.put("security.protocol", "SASL_SSL");
        settings.put("sasl.mechanism", mechanism);
        settings.put(
                "sasl.jaas.config",
                module + " required username=\"" + user + "\" password=\"" + password + "\";");
        settings.put("ssl.truststore.location", truststore.toString());
        settings.put("ssl.truststore.password", storePassword);
        settings.put("ssl.truststore.type", "PKCS12");
        return settings;
    }

    /** {@link #clientSettings} with {@code bootstrapServers}, as client properties. */
    public Properties clientProperties(String bootstrapServers, String mechanism, String user) {
        Properties props = new Properties();
        props.putAll(clientSettings(mechanism, user));
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }

    /** The broker's settings for its SASL_SSL listener. */
    Map<String, String> brokerSettings() {
        String prefix = "listener.name." + LISTENER.toLowerCase(Locale.ROOT) + ".";
        Map.Entry<String, String> broker = plainUsers.entrySet().iterator().next();
        StringBuilder plain =
                new StringBuilder(
                                "org.apache.kafka.common.security.plain.PlainLoginModule required")
                        .append(" username=\"")
                        .append(broker.getKey())
                        .append("\" password=\"")
                        .append(broker.getValue())
                        .append('"');
        plainUsers.forEach(
                (user, password) ->
                        plain.append(" user_")
                                .append(user)
                                .append("=\"")
                                .append(password)
                                .append('"'));
        plain.append(';');
        Map<String, String> settings = new HashMap<>();
        settings.put("listener.security.protocol.map", LISTENER + ":SASL_SSL,CONTROLLER:PLAINTEXT");
        settings.put("sasl.enabled.mechanisms", PLAIN + "," + SCRAM_SHA_256);
        settings.put("sasl.mechanism.inter.broker.protocol", PLAIN);
        settings.put(prefix + "plain.sasl.jaas.config", plain.toString());
        settings.put(
                prefix + "scram-sha-256.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        settings.put(prefix + "ssl.keystore.location", keystore.toString());
        settings.put(prefix + "ssl.keystore.password", storePassword);
        settings.put(prefix + "ssl.keystore.type", "PKCS12");
        settings.put(prefix + "ssl.key.password", storePassword);
        settings.put(prefix + "ssl.truststore.location", truststore.toString());
        settings.put(prefix + "ssl.truststore.password", storePassword);
        settings.put(prefix + "ssl.truststore.type", "PKCS12");
        return settings;
    }

    /** Creates the SCRAM users, as the broker's PLAIN user. */
    void createUsers(String bootstrapServers) throws ExecutionException, InterruptedException {
        if (scramUsers.isEmpty()) {
            return;
        }
        try (Admin admin = Admin.create(clientProperties(bootstrapServers, PLAIN, brokerUser))) {
            List<UserScramCredentialAlteration> users =
                    scramUsers.entrySet().stream()
                            .map(
                                    e ->
                                            (UserScramCredentialAlteration)
                                                    new UserScramCredentialUpsertion(
                                                            e.getKey(),
                                                            new ScramCredentialInfo(
                                                                    ScramMechanism.SCRAM_SHA_256,
                                                                    4096),
                                                            e.getValue()))
                            .toList();
            admin.alterUserScramCredentials(users).all().get();
        }
    }
}
