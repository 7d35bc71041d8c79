package io.tandem.sql;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The SQL provider stands beside the job, on the model runtime: a SQL pipeline takes the provider
 * jar without the Kafka job or the tools.
 */
@AnalyzeClasses(packages = "io.tandem.sql", importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyRulesTest {

    @ArchTest
    static final ArchRule theProviderKnowsNothingOfTheJobOrTheTools =
            noClasses()
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage("io.tandem.job..", "io.tandem.cli..", "io.tandem.local..")
                    .because("a SQL pipeline takes the provider without the Kafka job");
}
