package io.tandem.cli.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Scripts cut into statements, their variables replaced and their Kafka topics found. */
class SqlScriptTest {

    @Test
    void statementsEndAtSemicolonsOutsideQuotesAndComments() {
        SqlScript script =
                SqlScript.parse(
                        "-- a comment; not a statement\n"
                                + "CREATE TABLE t (a STRING) WITH ('topic' = 'in;put',"
                                + " 'properties.bootstrap.servers' = '${bootstrap}');\n"
                                + "INSERT INTO t VALUES ('it''s; fine'); -- trailing\n"
                                + "  SELECT * FROM t  ",
                        Map.of("bootstrap", "localhost:9092"));

        assertThat(script.statements())
                .containsExactly(
                        "CREATE TABLE t (a STRING) WITH ('topic' = 'in;put',"
                                + " 'properties.bootstrap.servers' = 'localhost:9092')",
                        "INSERT INTO t VALUES ('it''s; fine')",
                        "SELECT * FROM t");
        assertThat(script.topics()).containsExactly("in;put");
    }

    @Test
    void aVariableNotGivenIsNamed() {
        assertThatThrownBy(() -> SqlScript.parse("SELECT '${nope}'", Map.of("home", "/x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("${nope}")
                .hasMessageContaining("[home]");
    }
}
