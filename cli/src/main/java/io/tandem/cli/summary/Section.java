package io.tandem.cli.summary;

import com.google.gson.JsonObject;
import java.io.PrintStream;

/** A part of a {@link Summary}: what it shows in the terminal and what it adds to the JSON. */
interface Section {

    void print(PrintStream out);

    void addTo(JsonObject root);
}
