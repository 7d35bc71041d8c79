package io.tandem.planner;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The planner is plain Java: the simulator, the benchmarks and the job all plan with it, and its
 * tests run in milliseconds because nothing in it needs a cluster, a model or a broker.
 */
@AnalyzeClasses(
        packages = "io.tandem.planner",
        importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyRulesTest {

    @ArchTest
    static final ArchRule plannerUsesNoFlinkDjlOrKafka =
            noClasses()
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage("org.apache.flink..", "ai.djl..", "org.apache.kafka..")
                    .because("the planner is pure functions over plain values");
}
