package io.tandem.sql;

import org.apache.flink.table.catalog.CatalogModel;
import org.apache.flink.table.catalog.ObjectIdentifier;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.catalog.listener.AlterModelEvent;
import org.apache.flink.table.catalog.listener.CatalogModificationListener;
import org.apache.flink.table.catalog.listener.CatalogModificationListenerFactory;
import org.apache.flink.table.catalog.listener.CreateModelEvent;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * Checks a {@code tandem} model's options and columns when {@code CREATE MODEL} or {@code ALTER
 * MODEL} runs, not when a query first uses it: Flink stores a model's options without asking its
 * provider, and a catalog modification listener is the one hook it calls at that point. Enabled
 * with {@code table.catalog-modification.listeners: tandem}. The statement fails with the model,
 * the key and what is allowed named; a temporary model is then not created, while a catalog's
 * persistent one has been stored already (Flink tells listeners afterwards) and is best dropped.
 */
public final class ModelOptionsCheck implements CatalogModificationListenerFactory {

    public static final String IDENTIFIER = "tandem";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public CatalogModificationListener createListener(Context context) {
        return event -> {
            if (event instanceof CreateModelEvent created) {
                check(created.identifier(), created.model(), created.isTemporary(), context);
            } else if (event instanceof AlterModelEvent altered) {
                check(altered.identifier(), altered.newModel(), altered.isTemporary(), context);
            }
        };
    }

    private static void check(
            ObjectIdentifier identifier, CatalogModel model, boolean temporary, Context context) {
        if (!(model instanceof ResolvedCatalogModel resolved)
                || !IDENTIFIER.equals(model.getOptions().get(FactoryUtil.PROVIDER.key()))) {
            return;
        }
        FactoryUtil.createModelProvider(
                new TandemModelProviderFactory(),
                identifier,
                resolved,
                context.getConfiguration(),
                context.getUserClassLoader(),
                temporary);
    }
}
