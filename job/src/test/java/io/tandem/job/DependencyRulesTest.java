package io.tandem.job;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The job jar holds what runs in Flink and nothing else: serving code never reaches into the tools
 * (cli) or the single-machine Kafka they and the tests share (local), neither of which a cluster
 * has.
 */
@AnalyzeClasses(packages = "io.tandem.job", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyRulesTest {

    @ArchTest
    static final ArchRule servingUsesNoTool =
            noClasses()
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage("io.tandem.cli..", "io.tandem.local..")
                    .because("the job jar runs on a cluster, which has neither");
}
