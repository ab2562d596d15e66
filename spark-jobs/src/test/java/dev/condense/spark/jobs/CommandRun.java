package dev.condense.spark.jobs;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/** A command run as a scheduler sees it: the exit code and what went to stderr. */
record CommandRun(int code, String err) {

    static CommandRun of(String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            return new CommandRun(Condense.run(args), captured.toString());
        } finally {
            System.setErr(original);
        }
    }
}
