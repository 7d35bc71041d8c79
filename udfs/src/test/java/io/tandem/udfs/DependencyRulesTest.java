package io.tandem.udfs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The model runtime and the functions around it sit below the job: the job and the tools call them,
 * never the other way round.
 */
@AnalyzeClasses(
        packages = {"io.tandem.udfs", "io.tandem.model", "io.tandem.speculative"},
        importOptions = ImportOption.DoNotIncludeTests.class)
class DependencyRulesTest {

    @ArchTest
    static final ArchRule udfsKnowNothingOfTheJobOrTheTools =
            noClasses()
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage("io.tandem.job..", "io.tandem.cli..", "io.tandem.local..")
                    .because("the job and the tools build on the UDFs, not the other way round");
}
